// The state of one sign-in in progress (PKCE verifier, state, nonce and the
// page to return to), kept in the browser that started it: a signed,
// httpOnly, SameSite=Lax cookie that lives ten minutes and is read once.
import type { Context } from 'koa';

export const LOGIN_COOKIE = 'opsdeck_oidc_login';

/** Milliseconds a sign-in may take at the provider before it must start again. */
export const LOGIN_MAX_AGE_MS = 10 * 60_000;

export interface LoginState {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Same-site path to open after signing in. */
  returnTo: string;
  /** Expiry, in milliseconds since the epoch. */
  exp: number;
}

/** Sets the login cookie. A second sign-in started in the same browser replaces the first one. */
export function writeLoginState(ctx: Context, login: Omit<LoginState, 'exp'>): void {
  const payload: LoginState = { ...login, exp: Date.now() + LOGIN_MAX_AGE_MS };
  ctx.cookies.set(LOGIN_COOKIE, Buffer.from(JSON.stringify(payload)).toString('base64url'), {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    maxAge: LOGIN_MAX_AGE_MS,
    path: '/auth',
  });
}

/** Returns the login state of a valid, unexpired cookie, or undefined. */
export function readLoginState(ctx: Context): LoginState | undefined {
  const raw = ctx.cookies.get(LOGIN_COOKIE, { signed: true });
  if (!raw) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<LoginState>;
    const fields = [payload.state, payload.nonce, payload.codeVerifier, payload.returnTo];
    if (!fields.every((field) => typeof field === 'string' && field !== '') || typeof payload.exp !== 'number') return undefined;
    if (payload.exp < Date.now()) return undefined;
    return payload as LoginState;
  } catch {
    return undefined;
  }
}

export function clearLoginState(ctx: Context): void {
  ctx.cookies.set(LOGIN_COOKIE, '', { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, maxAge: 0, path: '/auth' });
}

/**
 * Returns `value` when it is a path on this site, else `/`. A same-site path
 * starts with one `/` and contains no backslash or control character, so
 * browsers cannot read it as another host (`//evil.example`, `/\evil.example`)
 * or a scheme (`https:`, `javascript:`).
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2048) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(value)) return '/';
  const base = new URL('http://opsdeck.invalid');
  const parsed = new URL(value, base);
  if (parsed.origin !== base.origin) return '/';
  return parsed.pathname + parsed.search + parsed.hash;
}
