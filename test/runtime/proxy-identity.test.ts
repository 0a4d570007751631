import { afterEach, describe, expect, it } from 'vitest';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { request, startServer, type TestServer } from '../helpers/server.js';

let temp: TempRoot | undefined;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  temp?.remove();
  server = undefined;
  temp = undefined;
});

async function start(trustedProxies: string[]): Promise<string> {
  temp = copyChinookApp(`identity:\n  mode: proxy\n  proxy:\n    trustedProxies: [${trustedProxies.map((address) => JSON.stringify(address)).join(', ')}]\n`);
  server = await startServer(temp.root);
  return `${server.url}/api/apps/chinook-support`;
}

const agentHeaders = { 'X-Forwarded-Email': 'Ana@Chinook.Example', 'X-Forwarded-Groups': 'support, support-agents' };

describe('proxy identity', () => {
  it('trusts headers from a configured proxy address', async () => {
    const api = await start(['127.0.0.1']);
    const session = await request(`${server!.url}/api/session`, { headers: agentHeaders });
    expect(session.status).toBe(200);
    expect(session.body.user).toEqual({ id: 'ana@chinook.example', name: 'ana@chinook.example', groups: ['support', 'support-agents'] });
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
