// Sign-in sessions (dev and OIDC modes) in a signed, httpOnly, SameSite
// cookie, marked Secure when the browser reached the server over HTTPS.
// The cookie contains a random session id, the identity and an expiry. koa's
// keygrip signature makes it tamper-evident. Every request checks the expiry
// and that the session was not signed out (see session-revocations.ts).
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { makeIdentity, type Identity } from '../identity.js';
import type { SessionRevocations } from '../session-revocations.js';
import { cookieSecure } from './trusted-proxies.js';

export const SESSION_COOKIE = 'opsdeck_session';

interface SessionPayload {
  /** The session's own id, which a sign-out revokes. */
  sid: string;
  id: string;
  name: string;
  groups: string[];
  attributes?: Record<string, unknown>;
  /** Expiry, in milliseconds since the epoch. */
  exp: number;
}

/** The session a request came with: its id and expiry (ms since the epoch), which a sign-out needs. */
export interface SessionRef {
  id: string;
  exp: number;
}

/**
 * Returns the identity and session of a valid session cookie, or undefined
 * for a missing, altered, expired or signed-out one. Cookies written before
 * sessions had ids carry none and are refused, so their users sign in again.
 */
export function readSession(ctx: Context, revocations: SessionRevocations): { identity: Identity; session: SessionRef } | undefined {
  const raw = ctx.cookies.get(SESSION_COOKIE, { signed: true });
  if (!raw) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as SessionPayload;
    if (typeof payload.sid !== 'string' || typeof payload.id !== 'string' || typeof payload.exp !== 'number' || !Array.isArray(payload.groups)) return undefined;
    if (payload.exp < Date.now() || revocations.isRevoked(payload.sid)) return undefined;
    const identity = makeIdentity(payload.id, payload.name, payload.groups.filter((group): group is string => typeof group === 'string'), payload.attributes ?? {});
    return { identity, session: { id: payload.sid, exp: payload.exp } };
  } catch {
    return undefined;
  }
}

/** Sets the session cookie for an identity, with a new session id. */
export function writeSession(ctx: Context, identity: Identity, maxAgeMs: number): void {
  const payload: SessionPayload = { sid: randomUUID(), id: identity.id, name: identity.name, groups: identity.groups, attributes: identity.attributes, exp: Date.now() + maxAgeMs };
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
