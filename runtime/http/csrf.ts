// CSRF protection for every request that may change state (any method but
// GET, HEAD and OPTIONS). Each browser gets a random value in the signed,
// httpOnly, SameSite=Strict cookie `opsdeck_csrf`; its token is an HMAC of that
// value under the server's cookie keys. GET /api/session returns the token in
// the X-CSRF-Token response header, which the page sends back in the same
// request header. Another origin can neither read that response nor forge the
// HMAC, so it cannot send a matching pair.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { HttpError } from './errors.js';
import { cookieSecure } from './trusted-proxies.js';

export const CSRF_COOKIE = 'opsdeck_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
/** Path whose GET responses carry the token. */
export const CSRF_TOKEN_PATH = '/api/session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Domain separation, so a token is never a valid HMAC for another use of the same keys. */
const TOKEN_CONTEXT = 'opsdeck-csrf-token\0';

/** Builds the 403 `csrf_failed` error for a request with a missing or wrong token. */
export function csrfFailed(reason: string): HttpError {
  return new HttpError(403, 'csrf_failed', `${reason} Reload the page and try again.`, { field: CSRF_HEADER });
}

/**
 * Middleware that issues the token on GET /api/session and rejects any
 * state-changing request without a valid one, before the request is routed.
 * `keys` are the cookie signing keys. The first one issues tokens and every one
 * is accepted, so rotating keys keeps open pages working.
 */
export function csrfProtection(keys: readonly string[]) {
  if (keys.length === 0) throw new Error('CSRF protection needs at least one key');
  return async (ctx: Context, next: Next): Promise<void> => {
    if (SAFE_METHODS.has(ctx.method)) {
      if (ctx.method === 'GET' && ctx.path === CSRF_TOKEN_PATH) {
        ctx.set(CSRF_HEADER, tokenFor(keys[0], browserValue(ctx)));
        ctx.set('Cache-Control', 'no-store');
      }
      return next();
    }
    checkToken(ctx, keys);
    return next();
  };
}

/** Returns the browser's value from its cookie, or sets a new cookie when there is no valid one. */
function browserValue(ctx: Context): string {
  const existing = ctx.cookies.get(CSRF_COOKIE, { signed: true });
  if (existing !== undefined && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const value = randomBytes(32).toString('base64url');
  ctx.cookies.set(CSRF_COOKIE, value, { signed: true, httpOnly: true, sameSite: 'strict', secure: cookieSecure(ctx), path: '/' });
  return value;
}

function tokenFor(key: string, value: string): string {
  return createHmac('sha256', key).update(TOKEN_CONTEXT + value).digest('base64url');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Raises csrf_failed unless the request header contains the token of the request's cookie under one of the keys. */
function checkToken(ctx: Context, keys: readonly string[]): void {
  const sent = ctx.get(CSRF_HEADER);
  if (sent === '') throw csrfFailed(`The request has no ${CSRF_HEADER} header.`);
  const value = ctx.cookies.get(CSRF_COOKIE, { signed: true });
  if (value === undefined) throw csrfFailed(`The request has no valid ${CSRF_COOKIE} cookie.`);
  // Digests of equal length let timingSafeEqual compare tokens of any length.
  const sentDigest = sha256(sent);
  const matches = keys.some((key) => timingSafeEqual(sha256(tokenFor(key, value)), sentDigest));
  if (!matches) throw csrfFailed(`The ${CSRF_HEADER} header does not match this browser's token.`);
}
