// The incident-response example end to end: the app served in-process, its
// three HTTP data sources pointed at mock-services.mjs on an ephemeral port.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
// @ts-expect-error: a plain .mjs example file without type declarations.
import { startMockServices } from '../../examples/incident-response/mock-services.mjs';

interface MockServices {
  url: string;
  received: Array<{ route: string | null; method: string; url: string; headers: Record<string, string>; body: any }>;
  fail(route: string | null, status?: number): void;
  reset(): void;
  close(): Promise<void>;
}

const EXAMPLE = join(REPO_ROOT, 'examples', 'incident-response');
let root: string;
let server: TestServer;
let mock: MockServices;
let rita: string;
let vic: string;
let api: string;

beforeAll(async () => {
  mock = await startMockServices({ port: 0 });
  process.env.INCIDENT_CHAT_URL = `${mock.url}/chat`;
  process.env.INCIDENT_PAGER_URL = `${mock.url}/pager`;
  process.env.INCIDENT_TICKETS_URL = `${mock.url}/tickets`;
  root = mkdtempSync(join(tmpdir(), 'opsdeck-incidents-'));
  cpSync(EXAMPLE, join(root, 'incident-response'), { recursive: true, filter: (source) => !source.startsWith(join(EXAMPLE, 'data')) });
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
  api = `${server.url}/api/apps/incident-response`;
  rita = await devLogin(server.url, 'rita@ops.example');
  vic = await devLogin(server.url, 'vic@ops.example');
});

afterAll(async () => {
  await server?.close();
  await mock?.close();
  for (const name of ['INCIDENT_CHAT_URL', 'INCIDENT_PAGER_URL', 'INCIDENT_TICKETS_URL']) delete process.env[name];
  if (root) rmSync(root, { recursive: true, force: true });
});

beforeEach(() => mock.reset());

const declare = (params: unknown, cookie = rita) => request(`${api}/actions/declareIncident`, { method: 'POST', json: { params }, cookie });
const openIncidents = async () => (await request(`${api}/queries/openIncidents`, { method: 'POST', json: {}, cookie: vic })).body.rows as Array<Record<string, unknown>>;

describe('incident-response example', () => {
  it('declares an incident: row, chat message, page and ticket, linked back to the row', async () => {
    const response = await declare({ severity: 'sev2', summary: 'Checkout errors above 5%', service: 'checkout' });
    expect(response.status).toBe(200);
    expect(response.body.steps.map((step: { status: string }) => step.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(mock.received.map((r) => r.route)).toEqual(['chat', 'pager', 'tickets']);
    const [chat, pager, ticket] = mock.received;
    const incident = (await openIncidents())[0];
    expect(chat.body).toEqual({ channel: 'incidents', incidentId: incident.id, text: 'sev2 on checkout: Checkout errors above 5% (declared by rita@ops.example)' });
    expect(chat.headers.authorization).toBe('Bearer mock-chat-token');
    expect(pager.url).toBe('/pager/services/checkout/pages');
    expect(ticket.method).toBe('PUT');
    expect(ticket.url).toBe(`/tickets/incidents/${incident.id}`);
    expect(incident).toMatchObject({ severity: 'sev2', service: 'checkout', ticket_id: `INC-${incident.id}`, notes: null });
  });

  it('reports a failed page exactly, keeps the declared incident and notes it', async () => {
    mock.fail('pager');
    const response = await declare({ severity: 'sev1', summary: 'Database down', service: 'db' });
    expect(response.status).toBe(502);
    expect(response.body.steps.map((step: { id: string; status: string }) => `${step.id}:${step.status}`)).toEqual(['insert:done', 'announce:done', 'page:failed', 'ticket:skipped', 'link:skipped']);
    expect(response.body.onFailure).toEqual({ status: 'done' });
    expect(mock.received.map((r) => r.route)).toEqual(['chat', 'pager']);
    expect((await openIncidents())[0]).toMatchObject({ summary: 'Database down', notes: 'declaration incomplete: step page failed', ticket_id: null });
  });

  it('previews the resolution of an incident, then resolves it; a viewer may do neither', async () => {
    const [incident] = await openIncidents();
    const url = `${api}/actions/resolveIncident`;
    expect((await request(`${url}/preview`, { method: 'POST', json: { params: { id: incident.id } }, cookie: vic })).status).toBe(403);
    const preview = await request(`${url}/preview`, { method: 'POST', json: { params: { id: incident.id } }, cookie: rita });
    expect(preview.status).toBe(200);
    expect(preview.body.changes).toBe(1);
    expect(preview.body.sample[0]).toMatchObject({ key: incident.id, before: { status: 'open' }, after: { status: 'resolved', resolved_by: 'rita@ops.example' } });
    expect((await openIncidents()).map((row) => row.id)).toContain(incident.id);
    expect((await request(url, { method: 'POST', json: { params: { id: incident.id } }, cookie: rita })).body.changes).toBe(1);
    expect((await openIncidents()).map((row) => row.id)).not.toContain(incident.id);
  });

  it('audits the rows an action changed, before and after', async () => {
    const [incident] = await openIncidents();
    expect((await request(`${api}/actions/resolveIncident`, { method: 'POST', json: { params: { id: incident.id } }, cookie: rita })).status).toBe(200);
    const records = readFileSync(join(root, '.opsdeck', 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    const succeeded = records.filter((record) => record.object === 'action:resolveIncident' && record.outcome === 'succeeded').at(-1);
    expect(succeeded.rowChanges).toEqual([{ key: incident.id, before: expect.objectContaining({ status: 'open', resolved_by: null }), after: expect.objectContaining({ status: 'resolved', resolved_by: 'rita@ops.example' }) }]);
    // A second attempt changes no row: expect: rows 1 fails, and nothing is recorded as changed.
    const again = await request(`${api}/actions/resolveIncident`, { method: 'POST', json: { params: { id: incident.id } }, cookie: rita });
    expect(again.status).toBe(409);
  });

  it('previews a declaration without calling any service', async () => {
    const preview = await request(`${api}/actions/declareIncident/preview`, { method: 'POST', json: { params: { severity: 'sev3', summary: 'Slow search', service: 'search' } }, cookie: rita });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ changes: 1, steps: [{ id: 'insert', changes: 1 }], notPreviewed: ['announce', 'page', 'ticket', 'link'] });
    expect(preview.body.sample[0]).toMatchObject({ before: null, after: { summary: 'Slow search', status: 'open' } });
    expect(mock.received).toHaveLength(0);
    expect((await openIncidents()).some((row) => row.summary === 'Slow search')).toBe(false);
  });
});
