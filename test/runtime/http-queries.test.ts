// Queries on `kind: http` data sources, served in-process against a recording
// HTTP server on 127.0.0.1: paging, sort and filter in the server process,
// the errors for invalid upstream responses, the guards on parameter values, and
// the load-time checks of the query's shape.
import { afterAll, beforeAll, beforeEach, describe, expect, it, test } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../../core/build-app.js';
import { serve, type RunningServer } from '../../runtime/server.js';
import { devLogin, request, UI_DIR } from '../helpers/server.js';
import { startRecorder, type HttpRecorder } from '../helpers/http-recorder.js';

const USER = 'op@hq.example';
const SECRET = 's3cret-token-4711';
const UPSTREAM_DETAIL = 'stack trace of the upstream service';

const SPEC = `
opsdeck: 1
id: hq
title: HTTP queries
datasources:
  api:
    kind: http
    baseUrl: "\${env:HQ_TEST_API}/v1"
    headers: { Authorization: "Bearer \${env:HQ_TEST_SECRET}" }
    timeoutMs: 300
    retries: 0
roles:
  operator: { members: { users: [${USER}] } }
devUsers: [{ id: ${USER} }]
queries:
  tickets:
    title: Tickets
    datasource: api
    request: { method: GET, path: /tickets, query: { owner: "{{ user.email }}", state: "{{ params.state }}" } }
    rows: /data/items
    params: { state: { type: string } }
    allow: [operator]
  comments:
    title: Comments
    datasource: api
    request: { method: GET, path: "/tickets/{id}/comments" }
    params: { id: { type: string } }
    required: [id]
    allow: [operator]
  broken:
    title: Broken
    datasource: api
    request: { method: GET, path: /broken }
    rows: /data
    allow: [operator]
  failing:
    title: Failing
    datasource: api
    request: { method: GET, path: /fail }
    allow: [operator]
  slow:
    title: Slow tickets
    datasource: api
    request: { method: GET, path: /slow }
    allow: [operator]
pages:
  tickets:
    title: Tickets
    allow: [operator]
    components:
      - table: { query: tickets, columns: [id, title, priority, assignee] }
      - table: { query: comments, columns: [text], params: { id: "1" } }
      - table: { query: broken, columns: [a] }
      - table: { query: failing, columns: [a] }
      - table: { query: slow, columns: [a] }
`;

const TICKETS = [
  { id: 1, title: 'Printer jam', priority: 2, assignee: 'ann' },
  { id: 2, title: 'VPN down', priority: 1, assignee: null },
  { id: 3, title: 'printer toner', priority: 3 },
  { id: 4, title: 'Email bounce', priority: 1, assignee: 'bob', tags: ['mail'] },
  { id: 5, title: 'Badge', priority: 2, assignee: 'ann' },
];

let root: string;
let running: RunningServer;
let api: HttpRecorder;
let cookie: string;
let base: string;
let requestsAtStart: number;
const logLines: string[] = [];

beforeAll(async () => {
  api = await startRecorder();
  process.env.HQ_TEST_API = api.url;
  process.env.HQ_TEST_SECRET = SECRET;
  root = mkdtempSync(join(tmpdir(), 'opsdeck-hq-'));
  mkdirSync(join(root, 'hq'));
  writeFileSync(join(root, 'hq', 'app.yaml'), SPEC);
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  running = await serve({ root, log, port: 0, host: '127.0.0.1', watch: false, uiDir: UI_DIR });
  await running.watching;
  requestsAtStart = api.requests.length;
  cookie = await devLogin(running.url, USER);
  base = `${running.url}/api/apps/hq`;
});

afterAll(async () => {
  await running?.close();
  await api?.close();
  delete process.env.HQ_TEST_API;
  delete process.env.HQ_TEST_SECRET;
  if (root) rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  api.requests.length = 0;
  api.answer('/v1/tickets', { body: { data: { items: TICKETS } } });
});

const query = (id: string, body: unknown = {}) => request(`${base}/queries/${id}`, { method: 'POST', json: body, cookie });
const ids = (rows: Array<{ id: number }>) => rows.map((row) => row.id);

describe('HTTP query results', () => {
  it('makes no request while the app loads', () => {
    expect(requestsAtStart).toBe(0);
  });

  it('returns the union of keys as columns and pages sorted rows', async () => {
    const response = await query('tickets', { params: { state: 'open' }, sort: [{ field: 'priority', dir: 'asc' }, { field: 'id', dir: 'desc' }], page: { size: 2, offset: 1 } });
    expect(response.status).toBe(200);
    expect(response.body.columns).toEqual(['id', 'title', 'priority', 'assignee', 'tags']);
    expect(response.body.total).toBe(5);
    expect(response.body.page).toEqual({ size: 2, offset: 1 });
    expect(ids(response.body.rows)).toEqual([2, 5]);
    expect(response.body.rows[0]).toEqual({ id: 2, title: 'VPN down', priority: 1, assignee: null, tags: null });
  });

  it('sends the templated query string and the data source header', async () => {
    await query('tickets', { params: { state: 'open' } });
    expect(api.requests).toHaveLength(1);
    const sent = new URL(api.requests[0].url, api.url);
    expect(sent.pathname).toBe('/v1/tickets');
    expect(sent.searchParams.get('owner')).toBe(USER);
    expect(sent.searchParams.get('state')).toBe('open');
    expect(api.requests[0].method).toBe('GET');
    expect(api.requests[0].headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('sorts nulls first ascending and last descending', async () => {
    const ascending = await query('tickets', { sort: [{ field: 'assignee', dir: 'asc' }, { field: 'id', dir: 'asc' }] });
    expect(ids(ascending.body.rows)).toEqual([2, 3, 1, 5, 4]);
    const descending = await query('tickets', { sort: [{ field: 'assignee', dir: 'desc' }, { field: 'id', dir: 'asc' }] });
    expect(ids(descending.body.rows)).toEqual([4, 1, 5, 2, 3]);
  });

  it.each([
    ['contains ignores case', { title: { op: 'contains', value: 'PRINTER' } }, [1, 3]],
    ['startsWith', { title: { op: 'startsWith', value: 'v' } }, [2]],
    ['eq null matches null and missing keys', { assignee: null }, [2, 3]],
    ['ne skips nulls as SQL does', { assignee: { op: 'ne', value: 'ann' } }, [4]],
    ['gte on numbers', { priority: { op: 'gte', value: 2 } }, [1, 3, 5]],
    ['lt on numbers', { priority: { op: 'lt', value: 2 } }, [2, 4]],
    ['isNull false', { assignee: { op: 'isNull', value: false } }, [1, 4, 5]],
    ['eq on text', { assignee: 'ann' }, [1, 5]],
    ['two conditions', { assignee: 'ann', priority: { op: 'lte', value: 2 } }, [1, 5]],
  ])('filters: %s', async (_name, filter, expected) => {
    const response = await query('tickets', { filter, sort: [{ field: 'id' }] });
    expect(response.status).toBe(200);
    expect(ids(response.body.rows)).toEqual(expected);
    expect(response.body.total).toBe(expected.length);
  });

  it('takes the body itself as the array when rows is empty', async () => {
    api.answer('/v1/tickets/7/comments', { body: [{ text: 'first' }, { text: 'second', by: 'ann' }] });
    const response = await query('comments', { params: { id: '7' } });
    expect(response.status).toBe(200);
    expect(response.body.columns).toEqual(['text', 'by']);
    expect(response.body.rows).toEqual([{ text: 'first', by: null }, { text: 'second', by: 'ann' }]);
  });
});

describe('HTTP query request checks', () => {
  it('rejects an unknown sort column with 400 naming it', async () => {
    const response = await query('tickets', { sort: [{ field: 'nope', dir: 'asc' }] });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_sort');
    expect(response.body.error.field).toBe('sort[0].field');
    expect(response.body.error.message).toContain('"nope"');
  });

  it('rejects an unknown filter column with 400 naming it', async () => {
    const response = await query('tickets', { filter: { bogus: 1 } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_filter');
    expect(response.body.error.field).toBe('filter.bogus');
  });

  it('rejects an undeclared parameter with 400', async () => {
    const response = await query('tickets', { params: { other: 'x' } });
    expect(response.status).toBe(400);
    expect(api.requests).toHaveLength(0);
  });

  it.each(['..', '../admin', 'a/b', 'http://evil.example', '//evil.example', '.'])('rejects the path value %j with 400 and sends nothing', async (id) => {
    const response = await query('comments', { params: { id } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_params');
    expect(response.body.error.field).toBe('params.id');
    expect(api.requests).toHaveLength(0);
  });

  it('encodes a query string value so it cannot add parameters', async () => {
    const response = await query('tickets', { params: { state: 'x&owner=admin#frag' } });
    expect(response.status).toBe(200);
    const sent = new URL(api.requests[0].url, api.url);
    expect(sent.searchParams.getAll('owner')).toEqual([USER]);
    expect(sent.searchParams.get('state')).toBe('x&owner=admin#frag');
  });
});

describe('HTTP query upstream errors', () => {
  it('answers 502 upstream_invalid naming the pointer when it finds no array', async () => {
    api.answer('/v1/broken', { body: { data: { items: [] } } });
    const response = await query('broken');
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('upstream_invalid');
    expect(response.body.error.message).toContain('"/data"');
    expect(response.body.error.message).toContain('an object');
  });

  it('answers 502 upstream_invalid when an item is not an object', async () => {
    api.answer('/v1/broken', { body: { data: [{ a: 1 }, 'text item'] } });
    const response = await query('broken');
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('upstream_invalid');
    expect(response.body.error.message).toContain('item 1 is a string');
    expect(response.body.error.message).not.toContain('text item');
  });

  it('answers 502 upstream_failed with the status but not the upstream body', async () => {
    api.answer('/v1/fail', { status: 500, body: { error: UPSTREAM_DETAIL } });
    const response = await query('failing');
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('upstream_failed');
    expect(response.body.error.message).toContain('500');
    const text = JSON.stringify(response.body);
    expect(text).not.toContain(UPSTREAM_DETAIL);
    expect(text).not.toContain(api.url);
    expect(text).not.toContain(SECRET);
  });

  it('answers 504 upstream_timeout naming the query and closes the connection', async () => {
    api.answer('/v1/slow', { delayMs: 2000, body: [] });
    const response = await query('slow');
    expect(response.status).toBe(504);
    expect(response.body.error.code).toBe('upstream_timeout');
    expect(response.body.error.message).toContain('"Slow tickets"');
    expect(api.requests).toHaveLength(1);
    // The recorder marks a request abandoned once the client closed its socket before the answer.
    const deadline = Date.now() + 1000;
    while (!api.requests[0].abandoned && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(api.requests[0].abandoned).toBe(true);
  });
});

describe('HTTP query secrets', () => {
  it('keeps the secret header out of the client view, responses and logs', async () => {
    api.answer('/v1/fail', { status: 503 });
    const view = await request(`${base}/spec`, { cookie });
    expect(view.status).toBe(200);
    expect(view.body.queries.tickets).toBeDefined();
    const failed = await query('failing');
    const ok = await query('tickets');
    const text = JSON.stringify(view.body) + JSON.stringify(failed.body) + JSON.stringify(ok.body);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('Authorization');
    expect(text).not.toContain(api.url);
    expect(logLines.some((line) => line.includes('HTTP query failed'))).toBe(true);
    expect(logLines.join('')).not.toContain(SECRET);
  });
});

/** Builds a spec with one query; `queryLines` are YAML lines at query indentation. */
function specWith(queryLines: string): string {
  return `opsdeck: 1
id: s
title: S
datasources:
  main: { kind: sqlite, file: a.sqlite }
  api: { kind: http, baseUrl: "http://127.0.0.1:9/v1" }
roles:
  r: { members: { users: [u] } }
queries:
  q:
${queryLines}
    allow: [r]
pages:
  p: { title: P, allow: [r], components: [{ table: { query: q, columns: [a] } }] }
`;
}

const errors = (queryLines: string) => buildApp({ file: 'app.yaml', text: specWith(queryLines) }).diagnostics.filter((d) => d.severity === 'error').map((d) => ({ code: d.code, line: d.line, col: d.col }));

describe('HTTP query load-time checks', () => {
  test('valid HTTP query builds', () => {
    expect(errors(`    datasource: api
    params: { id: { type: integer } }
    request: { method: GET, path: "/x/{id}", query: { who: "{{ user.email }}" } }
    rows: /items`)).toEqual([]);
  });

  test('sql and request together', () => {
    expect(errors(`    datasource: api
    sql: select 1 as a
    request: { method: GET, path: /x }`)).toEqual([{ code: 'query-shape', line: 10, col: 3 }]);
  });

  test('neither sql nor request', () => {
    expect(errors('    datasource: api')).toEqual([{ code: 'query-shape', line: 10, col: 3 }]);
  });

  test('request on a SQL data source', () => {
    expect(errors(`    datasource: main
    request: { method: GET, path: /x }`)).toEqual([{ code: 'query-datasource-kind', line: 11, col: 17 }]);
  });

  test('sql on an HTTP data source', () => {
    expect(errors(`    datasource: api
    sql: select 1 as a`)).toEqual([{ code: 'step-datasource-kind', line: 11, col: 17 }]);
  });

  test('POST method', () => {
    expect(errors(`    datasource: api
    request: { method: POST, path: /x }`)).toEqual([{ code: 'query-method-invalid', line: 12, col: 24 }]);
  });

  test('undeclared parameter in the path', () => {
    expect(errors(`    datasource: api
    request: { method: GET, path: "/x/{nope}" }`).map((d) => d.code)).toEqual(['sql-undeclared-param']);
  });

  test('path that leaves the base URL', () => {
    expect(errors(`    datasource: api
    request: { method: GET, path: "/../admin" }`).map((d) => d.code)).toEqual(['http-path-invalid']);
  });

  test('rows pointer without a leading slash', () => {
    expect(errors(`    datasource: api
    request: { method: GET, path: /x }
    rows: items`).length).toBe(1);
  });

  test('diagnostics carry a hint', () => {
    const result = buildApp({ file: 'app.yaml', text: specWith(`    datasource: main
    request: { method: GET, path: /x }`) });
    const diagnostic = result.diagnostics.find((d) => d.code === 'query-datasource-kind')!;
    expect(diagnostic.message).toContain('`main`');
    expect(diagnostic.hint).toContain('kind: http');
  });
});
