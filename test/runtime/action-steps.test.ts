// Multi-step actions with HTTP data sources, served in-process against a
// recording HTTP server on 127.0.0.1: what runs, what is committed, what is
// reported and audited when a step fails, and the guards on request URLs,
// headers, time and size.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { startRecorder, type HttpRecorder } from '../helpers/http-recorder.js';

const USER = 'op@steps.example';

const SPEC = `
opsdeck: 1
id: steps
title: Steps
datasources:
  main: { kind: sqlite, file: data/steps.sqlite, migrations: migrations }
  api:
    kind: http
    baseUrl: "\${env:STEPS_TEST_API}/v1"
    headers: { X-Api-Key: "\${env:STEPS_TEST_SECRET}" }
    timeoutMs: 300
    retries: 2
    maxResponseBytes: 1000
roles:
  operator: { members: { users: [${USER}] } }
devUsers: [{ id: ${USER} }]
queries:
  items: { datasource: main, sql: "select id, name, qty from item order by id", allow: [operator] }
actions:
  callPath:
    title: Call path
    params: { name: { type: string }, note: { type: string } }
    required: [name]
    steps:
      - id: call
        datasource: api
        request: { method: GET, path: "/things/{name}", headers: { X-Note: "{{ params.note }}" } }
    allow: [operator]
  slow:
    title: Slow
    steps: [{ id: wait, datasource: api, request: { method: POST, path: /slow } }]
    allow: [operator]
  flakyGet:
    title: Flaky GET
    steps: [{ id: fetch, datasource: api, request: { method: GET, path: /flaky } }]
    allow: [operator]
  flakyPost:
    title: Flaky POST
    steps: [{ id: send, datasource: api, request: { method: POST, path: /flaky } }]
    allow: [operator]
  big:
    title: Big
    steps: [{ id: download, datasource: api, request: { method: GET, path: /big } }]
    allow: [operator]
  insertThenCall:
    title: Insert then call
    params: { name: { type: string } }
    required: [name]
    steps:
      - { id: insert, datasource: main, sql: "insert into item (name, qty) values (:name, 1) returning id", expect: { rows: 1 } }
      - id: notify
        datasource: api
        request: { method: POST, path: /notify, body: { itemId: "{{ steps.insert.id }}", label: "item {{ steps.insert.id }}" } }
        outputs: { ref: /ref }
      - { id: link, datasource: main, sql: "update item set name = name || ':' || :steps.notify.ref where id = :steps.insert.id", expect: { rows: 1 } }
    onFailure:
      datasource: main
      sql: "update item set name = 'undone after ' || :failedStep where id = :steps.insert.id"
    allow: [operator]
  twoInserts:
    title: Two inserts
    params: { qty: { type: integer } }
    required: [qty]
    steps:
      - { id: first, datasource: main, sql: "insert into item (name, qty) values ('first', 1)" }
      - { id: second, datasource: main, sql: "insert into item (name, qty) values ('second', :qty)" }
      - { id: call, datasource: api, request: { method: POST, path: /notify } }
    allow: [operator]
  bump:
    title: Bump
    datasource: main
    sql: "update item set qty = qty + 1 where qty < :below"
    params: { below: { type: integer } }
    required: [below]
    preview: { table: item, key: id }
    allow: [operator]
pages:
  items:
    title: Items
    allow: [operator]
    components:
      - table: { query: items, columns: [id, name, qty], rowActions: [{ action: bump, params: { below: qty } }] }
      - form: { action: callPath }
      - form: { action: slow }
      - form: { action: flakyGet }
      - form: { action: flakyPost }
      - form: { action: big }
      - form: { action: insertThenCall }
      - form: { action: twoInserts }
`;

let root: string;
let server: TestServer;
let api: HttpRecorder;
let cookie: string;
let base: string;

beforeAll(async () => {
  api = await startRecorder();
  process.env.STEPS_TEST_API = api.url;
  process.env.STEPS_TEST_SECRET = 'top-secret-key';
  root = mkdtempSync(join(tmpdir(), 'opsdeck-steps-'));
  const appDir = join(root, 'steps');
  mkdirSync(join(appDir, 'migrations'), { recursive: true });
  writeFileSync(join(appDir, 'app.yaml'), SPEC);
  writeFileSync(join(appDir, 'migrations', '001_item.sql'), 'CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty > 0));');
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
  cookie = await devLogin(server.url, USER);
  base = `${server.url}/api/apps/steps`;
});

afterAll(async () => {
  await server?.close();
  await api?.close();
  delete process.env.STEPS_TEST_API;
  delete process.env.STEPS_TEST_SECRET;
  if (root) rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  api.requests.length = 0;
});

const run = (action: string, params: unknown = {}) => request(`${base}/actions/${action}`, { method: 'POST', json: { params }, cookie });
const items = async () => (await request(`${base}/queries/items`, { method: 'POST', json: {}, cookie })).body.rows as Array<{ id: number; name: string; qty: number }>;
const audit = () => readFileSync(join(root, '.opsdeck', 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));

describe('a failing HTTP step after a committed SQL step', () => {
  it('reports each step, keeps the committed row, runs onFailure and audits the steps', async () => {
    api.answer('/v1/notify', { status: 500, body: { error: 'down' } });
    const response = await run('insertThenCall', { name: 'widget' });
    expect(response.status).toBe(502);
    expect(response.body.ok).toBe(false);
    expect(response.body.error.code).toBe('step_failed');
    expect(response.body.error.message).toContain('Step "notify"');
    expect(response.body.steps.map((step: { id: string; status: string }) => [step.id, step.status])).toEqual([['insert', 'done'], ['notify', 'failed'], ['link', 'skipped']]);
    expect(response.body.steps[1].error).toContain('answered 500');
    expect(response.body.onFailure).toEqual({ status: 'done' });
    // POST is never retried.
    expect(api.requests.filter((r) => r.url === '/v1/notify')).toHaveLength(1);

    const rows = await items();
    expect(rows.at(-1)!.name).toBe('undone after notify');

    const failed = audit().filter((record) => record.action === 'insertThenCall' && record.outcome === 'failed').at(-1);
    expect(failed.steps).toEqual([{ id: 'insert', status: 'done' }, { id: 'notify', status: 'failed', error: expect.stringContaining('500') }, { id: 'link', status: 'skipped' }]);
    expect(failed.onFailure).toEqual({ status: 'done' });
  });

  it('passes step outputs on as typed JSON values and SQL parameters when every step succeeds', async () => {
    api.answer('/v1/notify', { status: 201, body: { ref: 'R-7' } });
    const response = await run('insertThenCall', { name: 'gadget' });
    expect(response.status).toBe(200);
    expect(response.body.steps.every((step: { status: string }) => step.status === 'done')).toBe(true);
    const sent = JSON.parse(api.requests[0].body);
    const inserted = (await items()).at(-1)!;
    expect(sent).toEqual({ itemId: inserted.id, label: `item ${inserted.id}` });
    expect(inserted.name).toBe('gadget:R-7');
    expect(api.requests[0].headers['x-api-key']).toBe('top-secret-key');
  });

  it('never puts the secret header or base URL in the response or the audit log', async () => {
    api.answer('/v1/notify', { status: 503 });
    const response = await run('insertThenCall', { name: 'secretcheck' });
    const text = JSON.stringify(response.body) + readFileSync(join(root, '.opsdeck', 'audit.jsonl'), 'utf8');
    expect(text).not.toContain('top-secret-key');
    expect(text).not.toContain(api.url);
  });
});

describe('SQL steps share one transaction', () => {
  it('rolls back the first insert when the second one fails, and calls nothing', async () => {
    const before = await items();
    const response = await run('twoInserts', { qty: 0 });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('action_failed');
    expect(await items()).toEqual(before);
    expect(api.requests).toHaveLength(0);
    const failed = audit().filter((record) => record.action === 'twoInserts').at(-1);
    expect(failed.steps.map((step: { status: string }) => step.status)).toEqual(['rolledBack', 'failed', 'skipped']);
  });
});

describe('request guards', () => {
  it.each(['http://evil.example', '//evil.example', '../admin', '..', 'a/b'])('rejects the path value %j with 400 before anything runs', async (name) => {
    const response = await run('callPath', { name });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('params.name');
    expect(api.requests).toHaveLength(0);
  });

  it('keeps `@evil.example` inside its own path segment under the base URL', async () => {
    const response = await run('callPath', { name: '@evil.example' });
    expect(response.status).toBe(200);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0].url).toBe('/v1/things/%40evil.example');
  });

  it('rejects a header value with a line break', async () => {
    const response = await run('callPath', { name: 'ok', note: 'hi\r\nX-Injected: 1' });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('params.note');
    expect(api.requests).toHaveLength(0);
  });
});

describe('time, retries and size', () => {
  it('gives up on a slow server with a 504 naming the step, and closes the connection', async () => {
    api.answer('/v1/slow', { delayMs: 2_000 });
    const started = performance.now();
    const response = await run('slow');
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(response.status).toBe(504);
    expect(response.body.error.code).toBe('step_timeout');
    expect(response.body.error.message).toContain('Step "wait"');
    expect(response.body.error.message).toContain('300 ms');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0].abandoned).toBe(true);
  });

  it('retries a GET answered with 500 twice, and a POST never', async () => {
    api.answer('/v1/flaky', { status: 500 });
    expect((await run('flakyGet')).status).toBe(502);
    expect(api.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
    api.requests.length = 0;
    const post = await run('flakyPost');
    expect(post.status).toBe(502);
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('does not retry a 4xx answer', async () => {
    api.answer('/v1/flaky', { status: 404 });
    expect((await run('flakyGet')).status).toBe(502);
    expect(api.requests).toHaveLength(1);
  });

  it('rejects a response larger than maxResponseBytes', async () => {
    api.answer('/v1/big', { text: JSON.stringify({ data: 'x'.repeat(2_000) }) });
    const response = await run('big');
    expect(response.status).toBe(502);
    expect(response.body.steps[0].error).toContain('larger than 1000 bytes');
  });
});

describe('preview', () => {
  it('shows the count and the rows before and after, and changes nothing', async () => {
    const before = await items();
    const expected = before.filter((row) => row.qty < 5);
    expect(expected.length).toBeGreaterThan(0);
    const preview = await request(`${base}/actions/bump/preview`, { method: 'POST', json: { params: { below: 5 } }, cookie });
    expect(preview.status).toBe(200);
    expect(preview.body.changes).toBe(expected.length);
    expect(preview.body.sample).toHaveLength(Math.min(expected.length, 10));
    const first = preview.body.sample[0];
    expect(first.after.qty).toBe(first.before.qty + 1);
    expect(await items()).toEqual(before);
    expect(audit().filter((record) => record.action === 'bump').at(-1)).toMatchObject({ action: 'bump', outcome: 'previewed', changes: expected.length });

    const real = await run('bump', { below: 5 });
    expect(real.body.changes).toBe(expected.length);
  });

  it('answers 404 for an action without preview and 403 for a user who may not run it', async () => {
    expect((await request(`${base}/actions/slow/preview`, { method: 'POST', json: {}, cookie })).status).toBe(404);
    expect((await request(`${base}/actions/bump/preview`, { method: 'POST', json: { params: { below: 1 } } })).status).toBe(401);
  });
});
