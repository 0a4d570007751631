// Development sign-in sessions in a signed, httpOnly, SameSite cookie, marked
// Secure when the browser reached the server over HTTPS.
// The cookie holds the identity and an expiry; koa's keygrip signature makes
// it tamper-evident, and the expiry is checked on every request.
import type { Context } from 'koa';
import { makeIdentity, type Identity } from '../identity.js';
import { cookieSecure } from './trusted-proxies.js';

export const SESSION_COOKIE = 'opsdeck_session';

interface SessionPayload {
  id: string;
  name: string;
  groups: string[];
  attributes?: Record<string, unknown>;
  /** Expiry, in milliseconds since the epoch. */
  exp: number;
}

/** Returns the identity of a valid session cookie, or undefined. */
export function readSession(ctx: Context): Identity | undefined {
  const raw = ctx.cookies.get(SESSION_COOKIE, { signed: true });
  if (!raw) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as SessionPayload;
    if (typeof payload.id !== 'string' || typeof payload.exp !== 'number' || !Array.isArray(payload.groups)) return undefined;
    if (payload.exp < Date.now()) return undefined;
    return makeIdentity(payload.id, payload.name, payload.groups.filter((group): group is string => typeof group === 'string'), payload.attributes ?? {});
  } catch {
    return undefined;
  }
}

/** Sets the session cookie for an identity. */
export function writeSession(ctx: Context, identity: Identity, maxAgeMs: number): void {
  const payload: SessionPayload = { id: identity.id, name: identity.name, groups: identity.groups, attributes: identity.attributes, exp: Date.now() + maxAgeMs };
  ctx.cookies.set(SESSION_COOKIE, Buffer.from(JSON.stringify(payload)).toString('base64url'), {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: cookieSecure(ctx),
    maxAge: maxAgeMs,
    path: '/',
  });
}

export function clearSession(ctx: Context): void {
  ctx.cookies.set(SESSION_COOKIE, '', { signed: true, httpOnly: true, sameSite: 'lax', secure: cookieSecure(ctx), maxAge: 0, path: '/' });
}
