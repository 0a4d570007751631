// Request latency while a heavy job runs, against the same requests with no
// job, in the same run. The job walks a large table in chunks and updates
// each chunk in its own transaction; the requests are a small paged query on
// the same database. Measured twice: with the data on PostgreSQL (the work
// happens in the database) and on sql.js (the work shares the server's
// thread). Target: p99 during the job at most 1.5 times idle.
// Run with `node bench/jobs.bench.mjs` after `npm run build`;
// BENCH_SECONDS sets each load's length (default 5).
import autocannon from 'autocannon';
import pg from 'pg';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withCsrf } from './csrf.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'bin', 'opsdeck.mjs');
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 10;
const PG_URL = process.env.OPSDECK_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const identity = { 'x-forwarded-email': 'ana@jobs.example', 'x-forwarded-groups': 'ops' };

function spec(datasource, rows) {
  return `opsdeck: 1
id: heavy
title: Heavy
datasources:
  main: ${datasource}
roles:
  ops: { members: { groups: [ops] } }
queries:
  recent:
    datasource: main
    sql: select id, amount from items where id <= 2000
    key: id
    allow: [ops]
jobs:
  bump:
    title: Bump every amount
    allow: [ops]
    steps:
      - id: bump
        datasource: main
        batch: { query: select id from items, key: id, size: ${rows >= 1_000_000 ? 5000 : 1000} }
        sql: update items set amount = amount + 1 where id between :batch.first and :batch.last
pages:
  items: { title: Items, allow: [ops], components: [{ table: { query: recent, columns: [id, amount] } }] }
`;
}

function start(args, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPSDECK_LOG_LEVEL: 'warn', ...env } });
  let output = '';
  return new Promise((resolveStart, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = /at (http:\/\/\S+?)\/ /.exec(output);
      if (match) resolveStart({ child, url: match[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

const stop = (child) => new Promise((done) => (child.exitCode !== null ? done() : (child.once('exit', done), child.kill('SIGKILL'))));

async function load(url, headers) {
  const result = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ page: { size: 25 } }), connections: CONNECTIONS, duration: DURATION_S });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load against ${url} had ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function json(url, init) {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

/** Serves the app, measures idle load, starts the job, measures the same load while it runs, then cancels it. */
async function measure(label, datasource, rows, env) {
  const root = mkdtempSync(join(tmpdir(), 'opsdeck-bench-jobs-'));
  mkdirSync(join(root, 'heavy', 'migrations'), { recursive: true });
  writeFileSync(join(root, 'heavy', 'app.yaml'), spec(datasource, rows));
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: proxy\n  proxy:\n    trustedProxies: [127.0.0.1]\n');
  if (datasource.includes('sqlite')) {
    writeFileSync(join(root, 'heavy', 'migrations', '001_items.sql'), `create table items (id integer primary key, amount integer not null);
with recursive n(i) as (select 1 union all select i + 1 from n where i < ${rows}) insert into items select i, i % 1000 from n;`);
  }
  const server = await start([CLI, 'serve', root, '--port', '0', '--no-watch'], env);
  try {
    const api = `${server.url}/api/apps/heavy`;
    const headers = await withCsrf(server.url, identity);
    await load(`${api}/queries/recent`, headers); // warm-up, not reported
    const idle = await load(`${api}/queries/recent`, headers);
    const started = await json(`${api}/jobs/bump/runs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"params":{}}' });
    if (started.status !== 202) throw new Error(`job did not start: ${JSON.stringify(started.body)}`);
    const id = started.body.run.id;
    // Load starts once the job walks its chunks.
    for (;;) {
      const { body } = await json(`${api}/jobs/runs/${id}`, { headers });
      if (body.run.steps[0].rows > 0) break;
      if (['failed', 'succeeded'].includes(body.run.status)) throw new Error(`job ended before the load: ${JSON.stringify(body.run)}`);
      await new Promise((done) => setTimeout(done, 20));
    }
    const busy = await load(`${api}/queries/recent`, headers);
    const { body } = await json(`${api}/jobs/runs/${id}`, { headers });
    const stillRunning = body.run.status === 'running';
    const progress = body.run.progress;
    await json(`${api}/jobs/runs/${id}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    return { label, rows, idle, busy, p99Ratio: busy.p99 / idle.p99, rpsRatio: busy.rps / idle.rps, jobRunningThroughout: stillRunning, jobRowsDuringLoad: progress.rows, jobRowsPerSecond: Math.round(progress.rows / DURATION_S) };
  } finally {
    await stop(server.child);
    rmSync(root, { recursive: true, force: true });
  }
}

const schema = `opsdeck_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
const results = [];
try {
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`CREATE TABLE ${schema}.items (id integer PRIMARY KEY, amount integer NOT NULL)`);
  await admin.query(`INSERT INTO ${schema}.items SELECT i, i % 1000 FROM generate_series(1, 1000000) AS i`);
  await admin.query(`ANALYZE ${schema}.items`);
  results.push(await measure('PostgreSQL, 1,000,000 rows, 5,000 per chunk', `{ kind: postgres, url: "\${env:BENCH_PG_URL}", schema: ${schema} }`, 1_000_000, { BENCH_PG_URL: PG_URL }));
  results.push(await measure('sql.js, 500,000 rows, 1,000 per chunk', '{ kind: sqlite, file: data/heavy.sqlite, migrations: migrations }', 500_000, {}));
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}

console.log(JSON.stringify(results, null, 2));
console.table(
  Object.fromEntries(
    results.map((result) => [
      result.label,
      { 'idle p99 ms': result.idle.p99, 'job p99 ms': result.busy.p99, 'p99 ratio': result.p99Ratio.toFixed(2), 'idle req/s': Math.round(result.idle.rps), 'job req/s': Math.round(result.busy.rps), 'job rows/s': result.jobRowsPerSecond, 'job ran throughout': result.jobRunningThroughout },
    ]),
  ),
);
for (const result of results) console.log(`${result.label}: p99 during the job / idle = ${result.p99Ratio.toFixed(2)} (target <= 1.5)`);
