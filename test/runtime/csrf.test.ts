import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

let temp: TempRoot;
let server: TestServer;

beforeEach(async () => {
  temp = copyChinookApp();
  server = await startServer(temp.root);
});

afterEach(async () => {
  await server.close();
  temp.remove();
});

/** Fetches GET /api/session and returns the browser's CSRF cookie pair (`opsdeck_csrf` and its signature) and token. */
async function browserToken(cookie = ''): Promise<{ cookie: string; token: string; setCookies: string[] }> {
  const response = await fetch(`${server.url}/api/session`, { headers: cookie ? { cookie } : {} });
  await response.arrayBuffer();
  const setCookies = response.headers.getSetCookie();
  const issued = setCookies.map((line) => line.split(';')[0]).join('; ');
  return { cookie: issued || cookie, token: response.headers.get('x-csrf-token') ?? '', setCookies };
}

function auditText(): string {
  const file = join(temp.root, '.opsdeck', 'audit.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

const flagUrl = (): string => `${server.url}/api/apps/chinook-support/actions/flagCustomer`;

/** Ids of the customers with an active flag, read with the helper (which sends a token). */
async function flaggedIds(cookie: string): Promise<number[]> {
  const response = await request(`${server.url}/api/apps/chinook-support/queries/flaggedAccounts`, { method: 'POST', cookie, json: {} });
  expect(response.status).toBe(200);
  return response.body.rows.map((row: { CustomerId: number }) => row.CustomerId);
}

describe('CSRF token', () => {
  it('is issued on GET /api/session with an httpOnly SameSite cookie', async () => {
    const first = await browserToken();
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const csrfCookies = first.setCookies.filter((line) => line.startsWith('opsdeck_csrf'));
    expect(csrfCookies.map((line) => line.split('=')[0])).toEqual(['opsdeck_csrf', 'opsdeck_csrf.sig']);
    for (const line of csrfCookies) {
      expect(line).toMatch(/; httponly/i);
      expect(line).toMatch(/; samesite=strict/i);
      expect(line).not.toMatch(/; secure/i);
    }
    // The cookie contains a random value, never the token itself.
    expect(first.cookie).not.toContain(first.token);

    const again = await browserToken(first.cookie);
    expect(again.token).toBe(first.token);
    expect(again.setCookies).toEqual([]);

    const other = await browserToken();
    expect(other.token).not.toBe(first.token);
  });

  it('is not sent on other GET requests', async () => {
    const response = await fetch(`${server.url}/api/dev/users`);
    await response.arrayBuffer();
    expect(response.headers.get('x-csrf-token')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('lets a request with the right token change data', async () => {
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const { token } = await browserToken(cookie);
    const response = await request(flagUrl(), { method: 'POST', cookie, headers: { 'X-CSRF-Token': token }, json: { params: { id: 31, reason: 'Sent with the right token' } } });
    expect(response.status).toBe(200);
    expect(await flaggedIds(cookie)).toContain(31);
  });
});

describe('CSRF rejection', () => {
  it('rejects a missing token and changes nothing', async () => {
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const response = await request(flagUrl(), { method: 'POST', cookie, csrf: false, json: { params: { id: 32, reason: 'Sent without any token' } } });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('csrf_failed');
    expect(response.body.error.message).toContain('Reload the page');
    expect(response.body.error.field).toBe('X-CSRF-Token');
    expect(await flaggedIds(cookie)).not.toContain(32);
    expect(auditText()).not.toContain('Sent without any token');
  });

  it('rejects a wrong token and changes nothing', async () => {
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const { token } = await browserToken(cookie);
    const wrongTokens = [`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, 'x', token.toLowerCase() === token ? 'y' : token.toLowerCase()];
    for (const wrong of wrongTokens) {
      const response = await request(flagUrl(), { method: 'POST', cookie, headers: { 'X-CSRF-Token': wrong }, json: { params: { id: 33, reason: 'Sent with a wrong token' } } });
      expect(response.status, wrong).toBe(403);
      expect(response.body.error.code, wrong).toBe('csrf_failed');
    }
    expect(await flaggedIds(cookie)).not.toContain(33);
    expect(auditText()).not.toContain('Sent with a wrong token');
  });

  it("rejects another browser's token", async () => {
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const attacker = await browserToken();
    const response = await request(flagUrl(), { method: 'POST', cookie, headers: { 'X-CSRF-Token': attacker.token }, json: { params: { id: 34, reason: "Another browser's token" } } });
    expect(response.status).toBe(403);
    expect(await flaggedIds(cookie)).not.toContain(34);
  });

  it('rejects a token whose cookie signature is forged', async () => {
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const { token } = await browserToken(cookie);
    const forged = cookie.replace(/opsdeck_csrf\.sig=[^;]+/, 'opsdeck_csrf.sig=AAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(forged).not.toBe(cookie);
    const response = await request(flagUrl(), { method: 'POST', cookie: forged, headers: { 'X-CSRF-Token': token }, json: { params: { id: 35, reason: 'Forged cookie signature' } } });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('csrf_failed');
  });

  it('rejects a token without its cookie', async () => {
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const { token } = await browserToken(cookie);
    const sessionOnly = cookie
      .split('; ')
      .filter((pair) => !pair.startsWith('opsdeck_csrf'))
      .join('; ');
    const response = await request(flagUrl(), { method: 'POST', cookie: sessionOnly, headers: { 'X-CSRF-Token': token }, json: { params: { id: 36, reason: 'Token without its cookie' } } });
    expect(response.status).toBe(403);
    expect(response.body.error.message).toContain('opsdeck_csrf');
  });

  it('guards the dev sign-in and sign-out', async () => {
    const login = await request(`${server.url}/api/dev/login`, { method: 'POST', csrf: false, json: { user: 'ana@chinook.example' } });
    expect(login.status).toBe(403);
    expect(login.body.error.code).toBe('csrf_failed');
    expect(login.headers.getSetCookie().filter((line) => line.startsWith('opsdeck_session'))).toEqual([]);

    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const logout = await request(`${server.url}/api/logout`, { method: 'POST', cookie, csrf: false, json: {} });
    expect(logout.status).toBe(403);
    expect((await request(`${server.url}/api/session`, { cookie })).status).toBe(200);
  });

  it('guards every state-changing method and path spelling', async () => {
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const response = await request(flagUrl(), { method, cookie, csrf: false, json: { params: { id: 37, reason: 'Other HTTP methods' } } });
      expect(response.status, method).toBe(403);
      expect(response.body.error.code, method).toBe('csrf_failed');
    }
    const upper = await request(`${server.url}/API/logout`, { method: 'POST', cookie, csrf: false, json: {} });
    expect(upper.status).toBe(403);
    expect(upper.body.error.code).toBe('csrf_failed');
    expect((await request(`${server.url}/api/session`, { cookie })).status).toBe(200);
  });

  it('keeps the cross-origin check with a valid token', async () => {
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const response = await request(flagUrl(), { method: 'POST', cookie, headers: { Origin: 'http://evil.example' }, json: { params: { id: 38, reason: 'Cross-origin with a token' } } });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('cross_origin');
    expect(await flaggedIds(cookie)).not.toContain(38);
  });
});

describe('CSRF in proxy mode', () => {
  it('rejects a proxied request without a token', async () => {
    await server.close();
    temp.remove();
    temp = copyChinookApp('identity:\n  mode: proxy\n  proxy:\n    trustedProxies: [127.0.0.1]\n');
    server = await startServer(temp.root);
    const headers = { 'X-Forwarded-Email': 'ana@chinook.example', 'X-Forwarded-Groups': 'support, support-agents' };
    const denied = await request(flagUrl(), { method: 'POST', headers, csrf: false, json: { params: { id: 39, reason: 'Proxy request, no token' } } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('csrf_failed');
    const allowed = await request(flagUrl(), { method: 'POST', headers, json: { params: { id: 39, reason: 'Proxy request with a token' } } });
    expect(allowed.status).toBe(200);
  });
});
