import { afterEach, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildSettings } from '../../core/settings.js';
import { TrustedProxies } from '../../runtime/http/trusted-proxies.js';
import { serve } from '../../runtime/server.js';
import { SettingsError } from '../../runtime/settings-file.js';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { UI_DIR, request, startServer, type TestServer } from '../helpers/server.js';

let temp: TempRoot | undefined;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  temp?.remove();
  server = undefined;
  temp = undefined;
});

/** Returns opsdeck.yaml for proxy mode; `extra` contains more lines under `proxy:`, indented by four spaces. */
function proxySettings(trustedProxies: string[], extra = ''): string {
  return `identity:\n  mode: proxy\n  proxy:\n    trustedProxies: [${trustedProxies.map((address) => JSON.stringify(address)).join(', ')}]\n${extra}`;
}

async function start(trustedProxies: string[], extra = ''): Promise<string> {
  temp = copyChinookApp(proxySettings(trustedProxies, extra));
  server = await startServer(temp.root);
  return `${server.url}/api/apps/chinook-support`;
}

const agentHeaders = { 'X-Forwarded-Email': 'Ana@Chinook.Example', 'X-Forwarded-Groups': 'support, support-agents' };

describe('proxy identity', () => {
  it('trusts headers from a configured proxy address', async () => {
    const api = await start(['127.0.0.1']);
    const session = await request(`${server!.url}/api/session`, { headers: agentHeaders });
    expect(session.status).toBe(200);
    expect(session.body.user.id).toBe('ana@chinook.example');
    expect(session.body.user.name).toBe('ana@chinook.example');
    expect(session.body.user.groups).toEqual(['support', 'support-agents']);
    expect(session.body.mode).toBe('proxy');
    const flagged = await request(`${api}/actions/flagCustomer`, { method: 'POST', headers: agentHeaders, json: { params: { id: 12, reason: 'Flagged through the proxy' } } });
    expect(flagged.status).toBe(200);
  });

  it('answers 401 to identity headers from an untrusted address', async () => {
    const api = await start(['10.20.30.40']);
    const forged = { ...agentHeaders, 'X-Forwarded-For': '10.20.30.40', 'X-Real-IP': '10.20.30.40' };
    const spec = await request(`${api}/spec`, { headers: forged });
    expect(spec.status).toBe(401);
    const action = await request(`${api}/actions/flagCustomer`, { method: 'POST', headers: forged, json: { params: { id: 13, reason: 'Forged identity header' } } });
    expect(action.status).toBe(401);
  });

  it('answers 401 without headers and offers no dev sign-in', async () => {
    const api = await start(['127.0.0.1']);
    expect((await request(`${api}/spec`)).status).toBe(401);
    expect((await request(`${server!.url}/api/dev/users`)).status).toBe(404);
    expect((await request(`${server!.url}/api/dev/login`, { method: 'POST', json: { user: 'ana@chinook.example' } })).status).toBe(404);
  });

  it('matches groups as whole list items, never as substrings', async () => {
    const api = await start(['127.0.0.1']);
    const lookalike = { 'X-Forwarded-Email': 'eve@chinook.example', 'X-Forwarded-Groups': 'support-agents-former,not-support' };
    expect((await request(`${api}/spec`, { headers: lookalike })).status).toBe(404);
    const action = await request(`${api}/actions/flagCustomer`, { method: 'POST', headers: lookalike, json: { params: { id: 14, reason: 'Group name lookalike' } } });
    expect(action.status).toBe(403);
  });

  it('reads identity attributes from configured headers for row rules', async () => {
    const api = await start(['127.0.0.1'], '    attributeHeaders: { country: X-Forwarded-Country }\n');
    const contractor = { 'X-Forwarded-Email': 'cora@partner.example', 'X-Forwarded-Groups': 'partner-agents', 'X-Forwarded-Country': 'Brazil' };
    const session = await request(`${server!.url}/api/session`, { headers: contractor });
    expect(session.body.user.attributes).toEqual({ country: 'Brazil' });
    const rows = await request(`${api}/queries/customers`, { method: 'POST', headers: contractor, json: {} });
    expect(rows.body.total).toBe(5);
    expect(rows.body.rows.every((row: { Country: string }) => row.Country === 'Brazil')).toBe(true);
    const withoutHeader = await request(`${api}/queries/customers`, { method: 'POST', headers: { ...contractor, 'X-Forwarded-Country': '' }, json: {} });
    expect(withoutHeader.body.total).toBe(0);
    const repeated = await rawGet(`${api}/spec`, [['X-Forwarded-Email', 'cora@partner.example'], ['X-Forwarded-Groups', 'partner-agents'], ['X-Forwarded-Country', 'Brazil'], ['X-Forwarded-Country', 'USA']]);
    expect(repeated.status).toBe(400);
  });

  it('rejects a list of users in the user header', async () => {
    const api = await start(['127.0.0.1']);
    const response = await request(`${api}/spec`, { headers: { 'X-Forwarded-Email': 'ana@chinook.example,eve@chinook.example' } });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('X-Forwarded-Email');
  });

  it('ignores a session cookie from dev mode', async () => {
    const api = await start(['127.0.0.1']);
    const response = await request(`${api}/spec`, { cookie: 'opsdeck_session=eyJpZCI6ImFuYUBjaGlub29rLmV4YW1wbGUifQ; opsdeck_session.sig=x' });
    expect(response.status).toBe(401);
  });
});

describe('proxy header encoding', () => {
  it('decodes UTF-8 user ids', async () => {
    await start(['127.0.0.1']);
    const response = await fetch(`${server!.url}/api/session`, { headers: { 'X-Forwarded-Email': Buffer.from('ünï@chinook.example', 'utf8').toString('latin1') } });
    const body = (await response.json()) as { user: { id: string } };
    expect(body.user.id).toBe('ünï@chinook.example');
  });
});

/** Sends a GET with raw header lines, so a header can appear more than once (fetch would join them into one line). */
function rawGet(url: string, headers: Array<[string, string]>): Promise<{ status: number; body: any }> {
  const byName: Record<string, string[]> = {};
  for (const [name, value] of headers) (byName[name] ??= []).push(value);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { headers: byName }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('trusted proxy ranges', () => {
  it('trusts a peer inside an IPv4 CIDR range', async () => {
    await start(['127.0.0.0/8']);
    const session = await request(`${server!.url}/api/session`, { headers: agentHeaders });
    expect(session.status).toBe(200);
    expect(session.body.user.id).toBe('ana@chinook.example');
  });

  it('ignores headers from a peer outside the ranges', async () => {
    const api = await start(['10.0.0.0/8', '128.0.0.0/1', 'fd00::/8']);
    expect((await request(`${server!.url}/api/session`, { headers: agentHeaders })).status).toBe(401);
    const action = await request(`${api}/actions/flagCustomer`, { method: 'POST', headers: agentHeaders, json: { params: { id: 15, reason: 'Peer outside the ranges' } } });
    expect(action.status).toBe(401);
  });

  it('matches an IPv4-mapped IPv6 range', async () => {
    await start(['::ffff:127.0.0.0/104']);
    expect((await request(`${server!.url}/api/session`, { headers: agentHeaders })).status).toBe(200);
  });

  it('matches IPv6 addresses and ranges', () => {
    const trusted = new TrustedProxies(['fd00::/8', '2001:db8::7', '192.168.0.0/16']);
    expect(trusted.includes('fd12:3456::1')).toBe(true);
    expect(trusted.includes('2001:db8::7')).toBe(true);
    expect(trusted.includes('2001:db8::8')).toBe(false);
    expect(trusted.includes('fe80::1')).toBe(false);
    expect(trusted.includes('::ffff:192.168.4.5')).toBe(true);
    expect(trusted.includes('192.169.0.1')).toBe(false);
    expect(trusted.includes(undefined)).toBe(false);
    expect(new TrustedProxies([]).includes('127.0.0.1')).toBe(false);
  });

  it('reports invalid entries at their position', () => {
    const cases: Array<[string, RegExp]> = [
      ['10.0.0.0/33', /prefix length "\/33"/],
      ['fd00:::/8', /"fd00:::" is not an IPv4 or IPv6 address/],
      ['300.1.2.3/8', /"300.1.2.3" is not an IPv4 or IPv6 address/],
      ['::1/129', /prefix length "\/129"/],
    ];
    for (const [entry, message] of cases) {
      const { settings, diagnostics } = buildSettings(proxySettings(['127.0.0.1', entry]), 'opsdeck.yaml');
      expect(settings, entry).toBeUndefined();
      expect(diagnostics, entry).toHaveLength(1);
      expect(diagnostics[0].code, entry).toBe('invalid-proxy-address');
      expect(diagnostics[0].message, entry).toMatch(message);
      expect(diagnostics[0].message, entry).toContain(entry);
      expect(diagnostics[0].hint, entry).toContain('10.0.0.0/8');
      expect([diagnostics[0].line, diagnostics[0].col], entry).toEqual([4, 35]);
    }
  });

  it('rejects a host name by the schema', () => {
    const { diagnostics } = buildSettings(proxySettings(['proxy.internal']), 'opsdeck.yaml');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'schema-invalid', line: 4, col: 22 });
    expect(diagnostics[0].hint).toContain('CIDR range');
  });

  it('refuses to start with an invalid entry', async () => {
    temp = copyChinookApp(proxySettings(['10.0.0.0/40']));
    const starting = startServer(temp.root);
    await expect(starting).rejects.toThrow(SettingsError);
    await expect(starting).rejects.toThrow(/opsdeck\.yaml:4:\d+: trusted proxy "10\.0\.0\.0\/40" is invalid/);
  });
});

describe('proxy headers', () => {
  it('rejects a repeated user header', async () => {
    await start(['127.0.0.1']);
    const response = await rawGet(`${server!.url}/api/session`, [
      ['X-Forwarded-Email', 'ana@chinook.example'],
      ['X-Forwarded-Email', 'eve@chinook.example'],
    ]);
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('X-Forwarded-Email');
    expect(response.body.error.message).toContain('X-Forwarded-Email header was sent 2 times');
  });

  it('ignores a repeated user header from an untrusted peer', async () => {
    await start(['10.0.0.1']);
    const response = await rawGet(`${server!.url}/api/session`, [
      ['X-Forwarded-Email', 'ana@chinook.example'],
      ['X-Forwarded-Email', 'eve@chinook.example'],
    ]);
    expect(response.status).toBe(401);
  });

  it('reads repeated groups headers as one list', async () => {
    await start(['127.0.0.1']);
    const response = await rawGet(`${server!.url}/api/session`, [
      ['X-Forwarded-Email', 'ana@chinook.example'],
      ['X-Forwarded-Groups', 'support , '],
      ['X-Forwarded-Groups', 'sales,support-agents'],
    ]);
    expect(response.status).toBe(200);
    expect(response.body.user.groups).toEqual(['support', 'sales', 'support-agents']);
  });

  it('never matches a group by substring', async () => {
    const api = await start(['127.0.0.1']);
    const lookalike = { 'X-Forwarded-Email': 'eve@chinook.example', 'X-Forwarded-Groups': 'support-leads, nosupport, Support' };
    expect((await request(`${api}/spec`, { headers: lookalike })).status).toBe(404);
    expect((await request(`${server!.url}/api/apps`, { headers: lookalike })).body.apps).toEqual([]);
    const query = await request(`${api}/queries/customers`, { method: 'POST', headers: lookalike, json: {} });
    expect(query.status).toBe(403);

    const member = { 'X-Forwarded-Email': 'eve@chinook.example', 'X-Forwarded-Groups': 'support-leads, support' };
    expect((await request(`${api}/spec`, { headers: member })).status).toBe(200);
  });

  it('compares canonical user ids', async () => {
    temp = copyChinookApp(proxySettings(['127.0.0.1']));
    const specFile = join(temp.appDir, 'app.yaml');
    const spec = readFileSync(specFile, 'utf8');
    const withUser = spec.replace('      groups: [support-agents]\n', '      groups: [support-agents]\n      users: [Ana@Example.com]\n');
    expect(withUser).not.toBe(spec);
    writeFileSync(specFile, withUser);
    server = await startServer(temp.root);
    const api = `${server.url}/api/apps/chinook-support`;

    const mixedCase = { 'X-Forwarded-Email': 'ANA@example.COM' };
    const session = await request(`${server.url}/api/session`, { headers: mixedCase });
    expect(session.body.user.id).toBe('ana@example.com');
    const flagged = await request(`${api}/actions/flagCustomer`, { method: 'POST', headers: mixedCase, json: { params: { id: 21, reason: 'Flagged by a mixed-case id' } } });
    expect(flagged.status).toBe(200);

    const lower = { 'X-Forwarded-Email': 'ana@example.com' };
    const flags = await request(`${api}/queries/flaggedAccounts`, { method: 'POST', headers: lower, json: {} });
    expect(flags.status).toBe(200);
    const row = flags.body.rows.find((candidate: { CustomerId: number }) => candidate.CustomerId === 21);
    expect(row.flagged_by).toBe('ana@example.com');

    const other = { 'X-Forwarded-Email': 'anna@example.com' };
    expect((await request(`${api}/spec`, { headers: other })).status).toBe(404);
  });
});

describe('proxy secret', () => {
  const SECRET = 'proxy-secret-value-for-tests-81f3';
  const secretSettings = '    secret: ${env:OPSDECK_TEST_PROXY_SECRET}\n';

  /** Starts a proxy-mode server whose log lines are collected in `lines`. */
  async function startWithSecret(lines: string[]): Promise<string> {
    temp = copyChinookApp(proxySettings(['127.0.0.1'], secretSettings));
    process.env.OPSDECK_TEST_PROXY_SECRET = SECRET;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    try {
      const running = await serve({ root: temp.root, log: pino({ level: 'debug' }, sink), port: 0, host: '127.0.0.1', watch: false, uiDir: UI_DIR });
      server = { running, url: running.url, close: () => running.close() };
    } finally {
      delete process.env.OPSDECK_TEST_PROXY_SECRET;
    }
    return `${server.url}/api/apps/chinook-support`;
  }

  it('answers 401 without the secret header', async () => {
    const lines: string[] = [];
    const api = await startWithSecret(lines);
    expect((await request(`${server!.url}/api/session`, { headers: agentHeaders })).status).toBe(401);
    const action = await request(`${api}/actions/flagCustomer`, { method: 'POST', headers: agentHeaders, json: { params: { id: 16, reason: 'No proxy secret sent' } } });
    expect(action.status).toBe(401);
    expect(lines.join('')).toContain('without the right X-Opsdeck-Proxy-Secret header');
  });

  it('answers 401 to a wrong secret and never logs it', async () => {
    const lines: string[] = [];
    await startWithSecret(lines);
    for (const wrong of [`${SECRET}x`, SECRET.slice(0, -1), 'short', SECRET.toUpperCase()]) {
      const response = await request(`${server!.url}/api/session`, { headers: { ...agentHeaders, 'X-Opsdeck-Proxy-Secret': wrong } });
      expect(response.status, wrong).toBe(401);
    }
    const right = await request(`${server!.url}/api/session`, { headers: { ...agentHeaders, 'X-Opsdeck-Proxy-Secret': SECRET } });
    expect(right.status).toBe(200);
    const log = lines.join('');
    expect(log).toContain('unauthenticated');
    expect(log).not.toContain(SECRET.slice(0, 12));
    expect(log).not.toContain('short');
  });

  it('accepts the right secret', async () => {
    const api = await startWithSecret([]);
    const headers = { ...agentHeaders, 'X-Opsdeck-Proxy-Secret': SECRET };
    const session = await request(`${server!.url}/api/session`, { headers });
    expect(session.status).toBe(200);
    expect(session.body.user.id).toBe('ana@chinook.example');
    const action = await request(`${api}/actions/flagCustomer`, { method: 'POST', headers, json: { params: { id: 17, reason: 'Proxy secret was right' } } });
    expect(action.status).toBe(200);
  });

  it('reads the secret from a custom header', async () => {
    temp = copyChinookApp(proxySettings(['127.0.0.1'], `${secretSettings}    secretHeader: X-Edge-Key\n`));
    process.env.OPSDECK_TEST_PROXY_SECRET = SECRET;
    try {
      server = await startServer(temp.root);
    } finally {
      delete process.env.OPSDECK_TEST_PROXY_SECRET;
    }
    expect((await request(`${server.url}/api/session`, { headers: { ...agentHeaders, 'X-Opsdeck-Proxy-Secret': SECRET } })).status).toBe(401);
    expect((await request(`${server.url}/api/session`, { headers: { ...agentHeaders, 'X-Edge-Key': SECRET } })).status).toBe(200);
  });

  it('refuses to start when the variable is unset', async () => {
    temp = copyChinookApp(proxySettings(['127.0.0.1'], secretSettings));
    delete process.env.OPSDECK_TEST_PROXY_SECRET;
    await expect(startServer(temp.root)).rejects.toThrow(/identity\.proxy\.secret refers to the environment variable OPSDECK_TEST_PROXY_SECRET, which is not set/);
  });
});

describe('secure cookies', () => {
  /** Returns the Set-Cookie lines of GET /api/session. */
  async function sessionCookies(headers: Record<string, string>): Promise<string[]> {
    const response = await fetch(`${server!.url}/api/session`, { headers });
    await response.arrayBuffer();
    return response.headers.getSetCookie();
  }

  it('marks cookies Secure behind a trusted HTTPS proxy', async () => {
    await start(['127.0.0.1']);
    const cookies = await sessionCookies({ 'X-Forwarded-Proto': 'https' });
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/; secure/i);
      expect(cookie).toMatch(/; httponly/i);
      expect(cookie).toMatch(/; samesite=strict/i);
    }
  });

  it('ignores X-Forwarded-Proto from an untrusted peer', async () => {
    await start(['10.0.0.0/8']);
    const cookies = await sessionCookies({ 'X-Forwarded-Proto': 'https' });
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).not.toMatch(/; secure/i);
  });

  it('leaves cookies without Secure over plain HTTP', async () => {
    await start(['127.0.0.1']);
    const cookies = await sessionCookies({ 'X-Forwarded-Proto': 'http' });
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).not.toMatch(/; secure/i);
  });

  it('marks the dev session cookie Secure behind a trusted HTTPS proxy', async () => {
    temp = copyChinookApp('identity:\n  mode: dev\n  proxy:\n    trustedProxies: [127.0.0.1]\n');
    server = await startServer(temp.root);
    const https = { 'X-Forwarded-Proto': 'https' };
    const login = await request(`${server.url}/api/dev/login`, { method: 'POST', headers: https, json: { user: 'ana@chinook.example' } });
    expect(login.status).toBe(200);
    const session = login.headers.getSetCookie().filter((cookie) => cookie.startsWith('opsdeck_session'));
    expect(session.length).toBe(2);
    for (const cookie of session) {
      expect(cookie).toMatch(/; secure/i);
      expect(cookie).toMatch(/; httponly/i);
      expect(cookie).toMatch(/; samesite=lax/i);
    }
  });
});
