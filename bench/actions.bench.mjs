// Action latency with and without a preview, on SQLite and PostgreSQL in the
// same run: N sequential requests of `run` alone, then N of `preview` followed
// by `run`, against `opsdeck serve` on 127.0.0.1. The action updates one row;
// its preview runs the statement under a savepoint and reads the row before and
// after, in one transaction that is rolled back. Target: preview + run costs
// about two runs (one extra transaction), not more. Needs the PostgreSQL server
// at 127.0.0.1:5432 (database `test`, or OPSDECK_TEST_POSTGRES_URL); creates a
// schema and drops it at the end. Run `npm run build` first.
import pg from 'pg';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withCsrf } from './csrf.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'bin', 'opsdeck.mjs');
const URL_ = process.env.OPSDECK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const USER = 'bench@actions.example';

function appSpec(id, datasource) {
  return `opsdeck: 1
id: ${id}
title: ${id}
datasources:
  main: ${datasource}
roles:
  op: { members: { users: [${USER}] } }
devUsers: [{ id: ${USER} }]
queries:
  items: { datasource: main, sql: "select id, qty from item", allow: [op] }
actions:
  bump:
    title: Bump
    datasource: main
    sql: "update item set qty = qty + 1 where id = :id"
    params: { id: { type: integer } }
    required: [id]
    expect: { rows: 1 }
    preview: { table: item, key: id }
    allow: [op]
pages:
  p: { title: P, allow: [op], components: [{ table: { query: items, columns: [id, qty], rowActions: [bump] } }] }
`;
}

function start(root) {
  const child = spawn(process.execPath, [CLI, 'serve', root, '--port', '0', '--no-watch'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPSDECK_LOG_LEVEL: 'warn', BENCH_PG_URL: URL_ } });
  let output = '';
  return new Promise((resolveStart, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = /serving \d+ app\(s\) at (http:\/\/[^/\s]+)\//.exec(output);
      if (match) resolveStart({ child, url: match[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`opsdeck serve exited with ${code}: ${output}`)));
  });
}

/** CSRF token of the signed-in session, sent with every POST. */
let token;

async function post(url, body, auth) {
  const headers = typeof auth === 'string' ? { cookie: auth, ...(token ? { 'x-csrf-token': token } : {}) } : { ...auth };
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`${url} responded ${response.status}: ${await response.text()}`);
  return response;
}

const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];

async function measure(label, work) {
  for (let i = 0; i < 20; i++) await work(i);
  const times = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    await work(i);
    times.push(performance.now() - started);
  }
  const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
  return { label, mean, p50: percentile(times, 50), p99: percentile(times, 99) };
}

const schema = `opsdeck_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: URL_ });
await admin.connect();
const root = mkdtempSync(join(tmpdir(), 'opsdeck-bench-actions-'));
let server;
try {
  await admin.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.item (id integer PRIMARY KEY, qty integer NOT NULL); INSERT INTO ${schema}.item SELECT g, 0 FROM generate_series(1, 100) g`);
  mkdirSync(join(root, 'sqlite-app', 'migrations'), { recursive: true });
  writeFileSync(join(root, 'sqlite-app', 'app.yaml'), appSpec('sqlite-app', '{ kind: sqlite, file: data/bench.sqlite, migrations: migrations }'));
  writeFileSync(join(root, 'sqlite-app', 'migrations', '001.sql'), 'CREATE TABLE item (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) INSERT INTO item SELECT i, 0 FROM n;');
  mkdirSync(join(root, 'pg-app'));
  writeFileSync(join(root, 'pg-app', 'app.yaml'), appSpec('pg-app', `{ kind: postgres, url: "\${env:BENCH_PG_URL}", schema: ${schema} }`));
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await start(root);
  const csrf = await withCsrf(server.url);
  const login = await post(`${server.url}/api/dev/login`, { user: USER }, csrf);
  const cookie = [csrf.cookie, ...login.headers.getSetCookie().map((c) => c.split(';')[0])].filter(Boolean).join('; ');
  token = csrf['x-csrf-token'];

  console.log(`actions: ${ITERATIONS} sequential requests each, milliseconds`);
  console.log('data source | operation      | mean  | p50   | p99   | ratio to run');
  for (const app of ['sqlite-app', 'pg-app']) {
    const action = `${server.url}/api/apps/${app}/actions/bump`;
    const params = (i) => ({ params: { id: (i % 100) + 1 } });
    const run = await measure('run', (i) => post(action, params(i), cookie));
    const both = await measure('preview + run', async (i) => {
      await post(`${action}/preview`, params(i), cookie);
      await post(action, params(i), cookie);
    });
    const kind = app === 'pg-app' ? 'postgres' : 'sqlite';
    for (const row of [run, both]) {
      console.log(`${kind.padEnd(11)} | ${row.label.padEnd(14)} | ${row.mean.toFixed(2).padStart(5)} | ${row.p50.toFixed(2).padStart(5)} | ${row.p99.toFixed(2).padStart(5)} | ${(row.mean / run.mean).toFixed(2)}x`);
    }
  }
} finally {
  if (server) server.child.kill('SIGKILL');
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  rmSync(root, { recursive: true, force: true });
}
