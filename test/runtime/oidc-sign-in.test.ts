// Sign-in through a real OpenID Connect provider (oidc-provider) on
// 127.0.0.1: the full flow, the checks on state, code, issuer and client,
// returnTo, session expiry, sign-out and an unreachable provider.
import { Writable } from 'node:stream';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../runtime/identity.js';
import { serve, type RunningServer } from '../../runtime/server.js';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { authorizeAtProvider, CookieJar, freePort, get, startProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { UI_DIR } from '../helpers/server.js';

const CLIENT_SECRET = 'oidc-test-client-secret-5309';
const SECRET_VARIABLE = 'OPSDECK_TEST_OIDC_CLIENT_SECRET';

interface Opsdeck {
  url: string;
  running: RunningServer;
  temp: TempRoot;
  logs: string[];
  signIns: Identity[];
  close(): Promise<void>;
}

/** Starts Opsdeck in oidc mode on a chosen port, so the redirect URL is known before the provider starts. */
async function startOpsdeck(port: number, issuer: string, extra: { maxAgeHours?: number; clientId?: string } = {}): Promise<Opsdeck> {
  process.env[SECRET_VARIABLE] = CLIENT_SECRET;
  const url = `http://127.0.0.1:${port}`;
  const temp = copyChinookApp();
  writeFileSync(
    join(temp.root, 'opsdeck.yaml'),
    [
      'identity:',
      '  mode: oidc',
      '  oidc:',
      `    issuer: ${issuer}`,
      `    clientId: ${extra.clientId ?? 'opsdeck'}`,
      `    clientSecret: \${env:${SECRET_VARIABLE}}`,
      `    redirectUrl: ${url}/auth/callback`,
      `    postLogoutRedirectUrl: ${url}/`,
      '    attributeClaims: [region]',
      'session:',
      `  maxAgeHours: ${extra.maxAgeHours ?? 8}`,
      '',
    ].join('\n'),
  );
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const signIns: Identity[] = [];
  const running = await serve({ root: temp.root, log: pino({ level: 'debug' }, stream), port, host: '127.0.0.1', watch: false, uiDir: UI_DIR, onSignIn: (identity) => signIns.push(identity) });
  return {
    url,
    running,
    temp,
    logs,
    signIns,
    async close() {
      await running.close();
      temp.remove();
    },
  };
}

/** Starts a sign-in at Opsdeck in `jar` and returns the provider's authorization URL. */
async function startLogin(opsdeck: Opsdeck, jar: CookieJar, returnTo = '/'): Promise<URL> {
  const response = await get(`${opsdeck.url}/auth/login?returnTo=${encodeURIComponent(returnTo)}`, jar);
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location')!);
}

/** Runs the whole sign-in as `login` and returns the browser's jar and Opsdeck's response to the callback. */
async function signIn(opsdeck: Opsdeck, login: string, returnTo = '/'): Promise<{ jar: CookieJar; callback: Response; callbackUrl: string; loginCookies: string }> {
  const jar = new CookieJar();
  const authorization = await startLogin(opsdeck, jar, returnTo);
  const callbackUrl = await authorizeAtProvider(authorization.href, login, new CookieJar(), `${opsdeck.url}/auth/callback`);
  const loginCookies = jar.header();
  const callback = await get(callbackUrl, jar);
  return { jar, callback, callbackUrl, loginCookies };
}

/** Parses a JSON response body, whose shape each test checks. */
async function readJson(response: Response): Promise<any> {
  return response.json();
}

async function json(url: string, jar: CookieJar, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { ...init, headers: { cookie: jar.header(), ...(init.headers as Record<string, string>) }, redirect: 'manual' });
  jar.store(response);
  return { status: response.status, body: await readJson(response) };
}

describe('oidc sign-in', () => {
  let provider: TestProvider;
  let opsdeck: Opsdeck;

  beforeAll(async () => {
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/auth/callback`;
    provider = await startProvider([
      { clientId: 'opsdeck', clientSecret: CLIENT_SECRET, redirectUris: [callback], postLogoutRedirectUris: [`http://127.0.0.1:${port}/`] },
      { clientId: 'other-app', clientSecret: 'other-secret', redirectUris: [callback] },
    ]);
    opsdeck = await startOpsdeck(port, provider.issuer);
  });

  afterAll(async () => {
    await opsdeck?.close();
    await provider?.close();
  });

  it('login redirect carries PKCE, state and nonce', async () => {
    const jar = new CookieJar();
    const authorization = await startLogin(opsdeck, jar);
    expect(authorization.origin).toBe(provider.issuer);
    expect(authorization.searchParams.get('client_id')).toBe('opsdeck');
    expect(authorization.searchParams.get('response_type')).toBe('code');
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorization.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(authorization.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(authorization.searchParams.get('scope')).toBe('openid email profile');
    expect(authorization.searchParams.get('redirect_uri')).toBe(`${opsdeck.url}/auth/callback`);
    expect(authorization.href).not.toContain(CLIENT_SECRET);
    expect(jar.has('opsdeck_oidc_login')).toBe(true);
    expect(jar.has('opsdeck_oidc_login.sig')).toBe(true);
  });

  it('login cookie attributes', async () => {
    const response = await fetch(`${opsdeck.url}/auth/login`, { redirect: 'manual' });
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('opsdeck_oidc_login='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/httponly/i);
    expect(cookie).toMatch(/samesite=lax/i);
    expect(cookie).toMatch(/path=\/auth/i);
  });

  it('full sign-in as ana', async () => {
    const { jar, callback } = await signIn(opsdeck, 'ana@example.com', '/apps/chinook-support');
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/apps/chinook-support');
    expect(jar.has('opsdeck_session')).toBe(true);
    expect(jar.has('opsdeck_oidc_login')).toBe(false);

    const session = await json(`${opsdeck.url}/api/session`, jar);
    expect(session.status).toBe(200);
    expect(session.body.mode).toBe('oidc');
    expect(session.body.user).toEqual({ id: 'ana@example.com', name: 'Ana Agent', groups: ['support', 'support-leads'], attributes: { region: 'emea' } });

    const apps = await json(`${opsdeck.url}/api/apps`, jar);
    expect(apps.body.apps.map((app: { id: string }) => app.id)).toEqual(['chinook-support']);
  });

  it('sign-in writes an audit record before the session', async () => {
    await signIn(opsdeck, 'ana@example.com', '/');
    const records = readFileSync(join(opsdeck.temp.root, '.opsdeck', 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(records.filter((record) => record.outcome === 'signed-in' && record.user === 'ana@example.com').at(-1)).toMatchObject({ rule: 'oidc sign-in', groups: ['support', 'support-leads'] });
  });

  it('sign-in fails closed when the audit log cannot be written', async () => {
    const auditDir = join(opsdeck.temp.root, '.opsdeck');
    const file = join(auditDir, 'audit.jsonl');
    const saved = `${file}.saved`;
    renameSync(file, saved);
    mkdirSync(file);
    try {
      const { jar, callback } = await signIn(opsdeck, 'ana@example.com', '/');
      expect(callback.status).toBe(503);
      expect(jar.has('opsdeck_session')).toBe(false);
    } finally {
      rmSync(file, { recursive: true, force: true });
      renameSync(saved, file);
    }
  });

  it('sign-in is logged without secrets', async () => {
    await signIn(opsdeck, 'ana@example.com');
    const line = opsdeck.logs.map((text) => JSON.parse(text)).find((entry) => entry.msg === 'oidc sign-in');
    expect(line).toMatchObject({ level: 30, user: 'ana@example.com', groups: ['support', 'support-leads'] });
    const all = opsdeck.logs.join('\n');
    expect(all).not.toContain(CLIENT_SECRET);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(opsdeck.signIns.at(-1)?.id).toBe('ana@example.com');
  });

  it('string groups claim is one group', async () => {
    const { jar, callback } = await signIn(opsdeck, 'sam@example.com');
    expect(callback.status).toBe(302);
    const session = await json(`${opsdeck.url}/api/session`, jar);
    expect(session.body.user.groups).toEqual(['support, sales']);
    const apps = await json(`${opsdeck.url}/api/apps`, jar);
    expect(apps.body.apps).toEqual([]);
  });

  it('user id falls back to sub', async () => {
    const { jar } = await signIn(opsdeck, 'noemail');
    const session = await json(`${opsdeck.url}/api/session`, jar);
    expect(session.body.user.id).toBe('no-email-0004');
  });

  it('groups claim of numbers rejected', async () => {
    const { jar, callback } = await signIn(opsdeck, 'bad@example.com');
    expect(callback.status).toBe(403);
    const body = await readJson(callback);
    expect(body.error.code).toBe('oidc_invalid_claims');
    expect(body.error.message).toContain('`groups` claim must be a list of strings');
    expect(jar.has('opsdeck_session')).toBe(false);
  });

  it('state of another browser rejected', async () => {
    const browserA = new CookieJar();
    const browserB = new CookieJar();
    const authorizationA = await startLogin(opsdeck, browserA);
    await startLogin(opsdeck, browserB);
    const callbackUrl = await authorizeAtProvider(authorizationA.href, 'ana@example.com', new CookieJar(), `${opsdeck.url}/auth/callback`);

    const response = await get(callbackUrl, browserB);
    expect(response.status).toBe(400);
    const body = await readJson(response);
    expect(body.error.code).toBe('oidc_state_mismatch');
    expect(body.error.message).toContain('state does not match');
    expect(browserB.has('opsdeck_session')).toBe(false);
  });

  it('callback without a login rejected', async () => {
    const response = await get(`${opsdeck.url}/auth/callback?code=abc&state=def`, new CookieJar());
    expect(response.status).toBe(400);
    const body = await readJson(response);
    expect(body.error.code).toBe('oidc_no_login');
    expect(body.error.message).toContain('/auth/login');
  });

  it('browser gets an escaped error page', async () => {
    const jar = new CookieJar();
    const state = (await startLogin(opsdeck, jar)).searchParams.get('state')!;
    const description = encodeURIComponent('<script>alert(1)</script>');
    const response = await fetch(`${opsdeck.url}/auth/callback?error=access_denied&error_description=${description}&state=${state}&iss=${encodeURIComponent(provider.issuer)}`, {
      headers: { cookie: jar.header(), accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      redirect: 'manual',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('text/html');
    const page = await response.text();
    expect(page).toContain('Sign-in failed');
    expect(page).toContain('data-code="oidc_denied"');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>');
    expect(page).toContain('<a href="/auth/login">');
  });

  it('tampered login cookie rejected', async () => {
    const jar = new CookieJar();
    const authorization = await startLogin(opsdeck, jar);
    const forged = Buffer.from(JSON.stringify({ state: 'attacker', nonce: 'n', codeVerifier: 'v', returnTo: '/', exp: Date.now() + 60_000 })).toString('base64url');
    const cookie = jar.header().replace(/opsdeck_oidc_login=[^;]+/, `opsdeck_oidc_login=${forged}`);
    const response = await fetch(`${opsdeck.url}/auth/callback?code=abc&state=attacker&iss=${encodeURIComponent(authorization.origin)}`, { headers: { cookie }, redirect: 'manual' });
    expect(response.status).toBe(400);
    expect((await readJson(response)).error.code).toBe('oidc_no_login');
  });

  it('reused code rejected', async () => {
    const { callback, callbackUrl, loginCookies } = await signIn(opsdeck, 'ana@example.com');
    expect(callback.status).toBe(302);

    // The same browser replaying the callback: the login cookie was used up.
    const replayJar = new CookieJar();
    const again = await fetch(callbackUrl, { headers: { cookie: loginCookies }, redirect: 'manual' });
    replayJar.store(again);
    expect(again.status).toBe(400);
    const body = await readJson(again);
    expect(body.error.code).toBe('oidc_code_rejected');
    expect(body.error.message).toContain('invalid_grant');
    expect(replayJar.has('opsdeck_session')).toBe(false);
  });

  it('provider error response', async () => {
    const jar = new CookieJar();
    const authorization = await startLogin(opsdeck, jar);
    const state = authorization.searchParams.get('state')!;
    const response = await get(`${opsdeck.url}/auth/callback?error=access_denied&error_description=${encodeURIComponent('user cancelled')}&state=${state}&iss=${encodeURIComponent(provider.issuer)}`, jar);
    expect(response.status).toBe(401);
    const body = await readJson(response);
    expect(body.error.code).toBe('oidc_denied');
    expect(body.error.message).toContain('access_denied (user cancelled)');
  });

  it('code of another client rejected', async () => {
    const jar = new CookieJar();
    const authorization = await startLogin(opsdeck, jar);
    authorization.searchParams.set('client_id', 'other-app');
    const callbackUrl = await authorizeAtProvider(authorization.href, 'ana@example.com', new CookieJar(), `${opsdeck.url}/auth/callback`);
    const response = await get(callbackUrl, jar);
    expect(response.status).toBe(400);
    const body = await readJson(response);
    expect(body.error.code).toBe('oidc_code_rejected');
    expect(jar.has('opsdeck_session')).toBe(false);
  });

  it('response from another issuer rejected', async () => {
    const other = await startProvider([{ clientId: 'opsdeck', clientSecret: CLIENT_SECRET, redirectUris: [`${opsdeck.url}/auth/callback`] }]);
    try {
      const jar = new CookieJar();
      const authorization = await startLogin(opsdeck, jar);
      const foreign = new URL(authorization.pathname + authorization.search, other.issuer);
      const callbackUrl = await authorizeAtProvider(foreign.href, 'ana@example.com', new CookieJar(), `${opsdeck.url}/auth/callback`);
      expect(new URL(callbackUrl).searchParams.get('iss')).toBe(other.issuer);

      const response = await get(callbackUrl, jar);
      expect(response.status).toBe(400);
      const body = await readJson(response);
      expect(body.error.code).toBe('oidc_invalid_response');
      expect(body.error.message).toContain('iss');
      expect(jar.has('opsdeck_session')).toBe(false);
    } finally {
      await other.close();
    }
  });

  const foreignTargets = ['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)'];
  for (const target of foreignTargets) {
    it(`returnTo ${target} goes home`, async () => {
      const { callback } = await signIn(opsdeck, 'ana@example.com', target);
      expect(callback.status).toBe(302);
      expect(callback.headers.get('location')).toBe('/');
    });
  }

  it('sign-out clears the session', async () => {
    const { jar } = await signIn(opsdeck, 'ana@example.com');
    expect((await json(`${opsdeck.url}/api/session`, jar)).status).toBe(200);

    const token = (await fetch(`${opsdeck.url}/api/session`, { headers: { cookie: jar.header() } })).headers.get('x-csrf-token') ?? '';
    const logout = await json(`${opsdeck.url}/api/logout`, jar, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token }, body: '{}' });
    expect(logout.status).toBe(200);
    const endSession = new URL(logout.body.endSessionUrl);
    expect(endSession.origin).toBe(provider.issuer);
    expect(endSession.searchParams.get('client_id')).toBe('opsdeck');
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${opsdeck.url}/`);
    expect(JSON.stringify(logout.body)).not.toContain(CLIENT_SECRET);

    expect(jar.has('opsdeck_session')).toBe(false);
    const after = await json(`${opsdeck.url}/api/session`, jar);
    expect(after.status).toBe(401);
  });

  it('auth config for the sign-in screen', async () => {
    const response = await fetch(`${opsdeck.url}/auth/config`);
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({ mode: 'oidc', loginUrl: '/auth/login' });
  });

  it('dev sign-in is off', async () => {
    const response = await fetch(`${opsdeck.url}/api/dev/users`);
    expect(response.status).toBe(404);
  });
});

describe('oidc session expiry', () => {
  let provider: TestProvider | undefined;
  let opsdeck: Opsdeck | undefined;

  afterEach(async () => {
    await opsdeck?.close();
    await provider?.close();
  });

  it('session ends after maxAgeHours', async () => {
    const port = await freePort();
    provider = await startProvider([{ clientId: 'opsdeck', clientSecret: CLIENT_SECRET, redirectUris: [`http://127.0.0.1:${port}/auth/callback`] }]);
    // 0.0005 hours is 1.8 seconds.
    opsdeck = await startOpsdeck(port, provider.issuer, { maxAgeHours: 0.0005 });
    const { jar, callback } = await signIn(opsdeck, 'ana@example.com');
    const cookie = callback.headers.getSetCookie().find((line) => line.startsWith('opsdeck_session='));
    expect(cookie).toMatch(/expires=/i);
    expect((await json(`${opsdeck.url}/api/session`, jar)).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await json(`${opsdeck.url}/api/session`, jar)).status).toBe(401);
  });
});

describe('oidc provider unreachable', () => {
  let provider: TestProvider | undefined;
  let opsdeck: Opsdeck | undefined;

  afterEach(async () => {
    await opsdeck?.close();
    await provider?.close();
    provider = undefined;
  });

  it('starts, answers 503, recovers', async () => {
    const port = await freePort();
    const providerPort = await freePort();
    opsdeck = await startOpsdeck(port, `http://127.0.0.1:${providerPort}`);

    const failed = await fetch(`${opsdeck.url}/auth/login`, { redirect: 'manual' });
    expect(failed.status).toBe(503);
    const body = await readJson(failed);
    expect(body.error.code).toBe('oidc_unavailable');
    expect(body.error.message).toContain(`http://127.0.0.1:${providerPort}`);
    expect(opsdeck.logs.some((line) => line.includes('oidc provider discovery failed'))).toBe(true);

    provider = await startProvider([{ clientId: 'opsdeck', clientSecret: CLIENT_SECRET, redirectUris: [`${opsdeck.url}/auth/callback`] }], providerPort);
    const recovered = await fetch(`${opsdeck.url}/auth/login`, { redirect: 'manual' });
    expect(recovered.status).toBe(302);
    expect(recovered.headers.get('location')).toContain(`http://127.0.0.1:${providerPort}/auth?`);
  });

  it('configured issuer differs from the provider', async () => {
    const port = await freePort();
    provider = await startProvider([{ clientId: 'opsdeck', clientSecret: CLIENT_SECRET, redirectUris: [`http://127.0.0.1:${port}/auth/callback`] }]);
    // The provider calls itself http://127.0.0.1:<port>; localhost is another issuer.
    opsdeck = await startOpsdeck(port, provider.issuer.replace('127.0.0.1', 'localhost'));
    const response = await fetch(`${opsdeck.url}/auth/login`, { redirect: 'manual' });
    expect(response.status).toBe(503);
    expect((await readJson(response)).error.code).toBe('oidc_unavailable');
    const failure = opsdeck.logs.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'oidc provider discovery failed');
    expect(failure?.reason).toBe('discovered metadata issuer does not match the expected issuer');
  });
});
