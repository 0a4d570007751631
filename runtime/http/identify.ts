// Resolves who is asking, per the identity mode, and stores it on ctx.state.
// Proxy headers are trusted only from the configured proxy addresses, judged by
// the socket's peer address and never by X-Forwarded-For.
import type { Context, Next } from 'koa';
import { makeIdentity, type Identity } from '../identity.js';
import { readSession } from './sessions.js';
import { HttpError, unauthenticated } from './errors.js';

export interface ProxyIdentityOptions {
  trustedProxies: string[];
  userHeader: string;
  groupsHeader: string;
  nameHeader?: string;
}

export type IdentityMode = { mode: 'dev' } | ({ mode: 'proxy' } & ProxyIdentityOptions);

/** Strips the IPv4-mapped IPv6 prefix so `::ffff:127.0.0.1` matches `127.0.0.1`. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

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

/** Middleware that sets `ctx.state.identity` when the request carries a valid identity. */
export function identify(options: IdentityMode) {
  const trusted = options.mode === 'proxy' ? new Set(options.trustedProxies.map(normalizeAddress)) : new Set<string>();
  return async (ctx: Context, next: Next): Promise<void> => {
    if (options.mode === 'dev') {
      ctx.state.identity = readSession(ctx);
      return next();
    }
    const user = ctx.req.headers[options.userHeader.toLowerCase()];
    const peer = normalizeAddress(ctx.req.socket.remoteAddress);
    if (user !== undefined && !trusted.has(peer)) {
      ctx.state.identityProblem = `identity headers from ${peer}, which is not a trusted proxy`;
    } else if (user !== undefined) {
      if (Array.isArray(user) || user.trim() === '' || user.includes(',')) {
        throw new HttpError(400, 'invalid_request', `The ${options.userHeader} header must hold exactly one user id.`, { field: options.userHeader });
      }
      const groupsHeader = ctx.req.headers[options.groupsHeader.toLowerCase()];
      const groups = headerText(Array.isArray(groupsHeader) ? groupsHeader.join(',') : groupsHeader ?? '', options.groupsHeader).split(',');
      const nameHeader = options.nameHeader ? ctx.req.headers[options.nameHeader.toLowerCase()] : undefined;
      const name = typeof nameHeader === 'string' ? headerText(nameHeader, options.nameHeader!) : undefined;
      ctx.state.identity = makeIdentity(headerText(user, options.userHeader), name, groups);
    }
    return next();
  };
}

/** Returns the identity or throws 401. */
export function requireIdentity(ctx: Context): Identity {
  const identity = ctx.state.identity as Identity | undefined;
  if (!identity || identity.id === '') throw unauthenticated(ctx.state.identityProblem ? 'Sign in through the company proxy.' : 'Sign in first.');
  return identity;
}
