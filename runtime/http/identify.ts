// Resolves who is asking, per the identity mode, and stores it on ctx.state.
// Proxy headers are trusted only from the configured proxy addresses, judged by
// the socket's peer address and never by X-Forwarded-For.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { makeIdentity, type Identity } from '../identity.js';
import type { SessionRevocations } from '../session-revocations.js';
import { readSession } from './sessions.js';
import { HttpError, unauthenticated } from './errors.js';
import { TrustedProxies } from './trusted-proxies.js';

export { normalizeAddress } from './trusted-proxies.js';

export interface ProxyIdentityOptions {
  /** IP addresses and CIDR ranges of the proxies, such as `10.0.0.0/8`. */
  trustedProxies: string[];
  userHeader: string;
  groupsHeader: string;
  nameHeader?: string;
  attributeHeaders?: Record<string, string>;
  /** Shared secret, already read from the environment; when set, identity headers without it are ignored. */
  secret?: string;
  /** Header carrying `secret` (default `X-Opsdeck-Proxy-Secret`). */
  secretHeader?: string;
}

/** `dev` and `oidc` read the signed session cookie; `proxy` reads headers from a trusted proxy. */
export type IdentityMode = { mode: 'dev' } | { mode: 'oidc' } | ({ mode: 'proxy' } & ProxyIdentityOptions);

export const DEFAULT_PROXY_SECRET_HEADER = 'X-Opsdeck-Proxy-Secret';

/**
 * Returns a header value as UTF-8 text. Node reads header bytes as Latin-1, so
 * UTF-8 from the proxy (such as `ünï@example.com`) is decoded again; bytes that
 * are not valid UTF-8 are rejected rather than guessed.
 */
export function headerText(value: string, header: string): string {
  if (!/[\u0080-\u00ff]/.test(value)) return value;
  const decoded = Buffer.from(value, 'latin1').toString('utf8');
  if (decoded.includes('\ufffd')) throw new HttpError(400, 'invalid_request', `The ${header} header is not valid UTF-8.`, { field: header });
  return decoded;
}

/**
 * Middleware that sets `ctx.state.identity` when the request carries a valid
 * identity, and `ctx.state.session` (a SessionRef) when it came from a
 * session cookie.
 */
export function identify(options: IdentityMode, revocations: SessionRevocations) {
  const fromProxy = options.mode === 'proxy' ? proxyIdentityReader(options) : undefined;
  return async (ctx: Context, next: Next): Promise<void> => {
    if (fromProxy !== undefined) {
      ctx.state.identity = fromProxy(ctx);
    } else {
      const signedIn = readSession(ctx, revocations);
      ctx.state.identity = signedIn?.identity;
      ctx.state.session = signedIn?.session;
    }
    return next();
  };
}

/**
 * Builds the reader of proxy identity headers. Headers from a peer that is not
 * a trusted proxy, or without the right proxy secret, are ignored and noted in
 * `ctx.state.identityProblem`, so requireIdentity raises 401.
 */
function proxyIdentityReader(options: ProxyIdentityOptions): (ctx: Context) => Identity | undefined {
  const trusted = new TrustedProxies(options.trustedProxies);
  const secretHeader = options.secretHeader ?? DEFAULT_PROXY_SECRET_HEADER;
  const secretDigest = options.secret === undefined ? undefined : sha256(options.secret);

  return (ctx) => {
    if (ctx.req.headersDistinct[options.userHeader.toLowerCase()] === undefined) return undefined;
    const peer = ctx.req.socket.remoteAddress ?? '';
    if (!trusted.includes(peer)) {
      ctx.state.identityProblem = `identity headers from ${peer}, which is not a trusted proxy`;
      return undefined;
    }
    if (secretDigest !== undefined && !secretMatches(ctx, secretHeader, secretDigest)) {
      // The header's value is never logged: it may be a real secret sent to the wrong server.
      ctx.state.identityProblem = `identity headers from ${peer} without the right ${secretHeader} header`;
      return undefined;
    }
    const user = singleHeader(ctx, options.userHeader) ?? '';
    if (user.trim() === '' || user.includes(',')) {
      throw new HttpError(400, 'invalid_request', `The ${options.userHeader} header must contain exactly one user id.`, { field: options.userHeader });
    }

    // Several groups headers are read as one list; a group matches only as a whole item.
    const groupValues = ctx.req.headersDistinct[options.groupsHeader.toLowerCase()] ?? [];
    const groups = groupValues.flatMap((value) => headerText(value, options.groupsHeader).split(','));
    const nameValue = options.nameHeader ? singleHeader(ctx, options.nameHeader) : undefined;
    const name = nameValue === undefined ? undefined : headerText(nameValue, options.nameHeader!);
    const attributes: Record<string, string | string[]> = {};
    for (const [attribute, header] of Object.entries(options.attributeHeaders ?? {})) {
      const value = singleHeader(ctx, header);
      if (value === undefined || value.trim() === '') continue;
      const items = headerText(value, header).split(',').map((item) => item.trim()).filter((item) => item !== '');
      attributes[attribute] = items.length === 1 ? items[0] : items;
    }
    return makeIdentity(headerText(user, options.userHeader), name, groups, attributes);
  };
}

/**
 * Returns the one value of a header, or undefined when it is absent. Node
 * joins repeated unknown headers with commas, so repeats are read from
 * `headersDistinct` and rejected with 400.
 */
function singleHeader(ctx: Context, header: string): string | undefined {
  const values = ctx.req.headersDistinct[header.toLowerCase()];
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) {
    throw new HttpError(400, 'invalid_request', `The ${header} header was sent ${values.length} times; a request must carry it once.`, { field: header });
  }
  return values[0];
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares the proxy secret header in constant time, over digests of equal length. */
function secretMatches(ctx: Context, header: string, expected: Buffer): boolean {
  const values = ctx.req.headersDistinct[header.toLowerCase()];
  if (values === undefined || values.length !== 1) return false;
  return timingSafeEqual(sha256(values[0]), expected);
}

/** Returns the identity or throws 401. */
export function requireIdentity(ctx: Context): Identity {
  const identity = ctx.state.identity as Identity | undefined;
  if (!identity || identity.id === '') throw unauthenticated(ctx.state.identityProblem ? 'Sign in through the company proxy.' : 'Sign in first.');
  return identity;
}
