// Actions through one replica against two replicas on the same PostgreSQL
// system store and data source, in the same run. Every action writes its
// `started` and `succeeded` audit records to the one hash chain in the
// store, so two replicas take turns on the chain head.
//   1. p99 latency at the same fixed load (requests per second), one replica
//      against two sharing it in turn (bench/fixed-rate.mjs, an open loop
//      whose percentiles cover every request): target at most 1.10;
//   2. throughput without a rate limit, one against two (reported, not a
//      target: this machine has two cores, which both setups share).
// Run with `node bench/replicas.bench.mjs` after `npm run build`;
// BENCH_SECONDS sets each load's length (default 5), BENCH_RATE the fixed load (default 150 actions/s),
// BENCH_ROUNDS the number of rounds (default 5; the ratio reported is their median).
import autocannon from 'autocannon';
import pg from 'pg';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withCsrf } from './csrf.mjs';
import { fixedRateLoad } from './fixed-rate.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'bin', 'opsdeck.mjs');
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 150);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = 10;
const PG_URL = process.env.OPSDECK_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const identity = { 'x-forwarded-email': 'ana@replicas.example', 'x-forwarded-groups': 'ops' };

function start(root) {
  const child = spawn(process.execPath, [CLI, 'serve', root, '--port', '0', '--no-watch'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPSDECK_LOG_LEVEL: 'warn', BENCH_PG_URL: PG_URL } });
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

/** Sends actions at RATE, to the servers in turn; the percentiles are over every request of the load. */
async function fixed(servers) {
  const targets = await Promise.all(servers.map(async (server) => ({ url: `${server.url}/api/apps/ledger/actions/hit`, headers: await withCsrf(server.url, identity) })));
  const result = await fixedRateLoad({ targets, rate: RATE, seconds: DURATION_S, body: '{"params":{}}' });
  if (result.errors > 0) throw new Error(`the fixed-rate load had ${result.errors} failed requests`);
  return { p50: Math.round(result.p50 * 10) / 10, p99: Math.round(result.p99 * 10) / 10 };
}

/** Sends actions to every server at once as fast as they respond, splitting connections between them; returns the combined figures. */
async function load(servers, rate) {
  const results = await Promise.all(
    servers.map(async (server) => {
      const headers = await withCsrf(server.url, identity);
      const options = { url: `${server.url}/api/apps/ledger/actions/hit`, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"params":{}}', connections: CONNECTIONS / servers.length, duration: DURATION_S };
      return autocannon(rate === undefined ? options : { ...options, overallRate: rate / servers.length });
    }),
  );
  for (const result of results) if (result.non2xx > 0 || result.errors > 0) throw new Error(`load had ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  return {
    rps: results.reduce((sum, result) => sum + result.requests.average, 0),
    // The slower replica's p99: a request to either may be the slow one.
    p99: Math.max(...results.map((result) => result.latency.p99)),
    p50: Math.max(...results.map((result) => result.latency.p50)),
  };
}

const schema = `opsdeck_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
const root = mkdtempSync(join(tmpdir(), 'opsdeck-bench-replicas-'));
const children = [];
try {
  await admin.query(`CREATE SCHEMA ${schema}`);
  mkdirSync(join(root, 'ledger', 'migrations'), { recursive: true });
  writeFileSync(join(root, 'ledger', 'migrations', '001_hits.sql'), 'create table hits (id bigserial primary key, at timestamptz not null default now());\n');
  writeFileSync(
    join(root, 'ledger', 'app.yaml'),
    `opsdeck: 1
id: ledger
title: Ledger
datasources:
  main: { kind: postgres, url: "\${env:BENCH_PG_URL}", schema: ${schema}, migrations: migrations }
roles:
  ops: { members: { groups: [ops] } }
queries:
  hits: { datasource: main, sql: "select id, at from hits", key: id, allow: [ops] }
actions:
  hit:
    title: Hit
    datasource: main
    sql: insert into hits (at) values (now())
    allow: [ops]
pages:
  hits: { title: Hits, allow: [ops], components: [{ table: { query: hits, columns: [id, at], rowActions: [hit] } }] }
`,
  );
  writeFileSync(join(root, 'opsdeck.yaml'), `identity:\n  mode: proxy\n  proxy:\n    trustedProxies: [127.0.0.1]\nsession:\n  secret: bench-secret-for-two-replicas-0123456789abcdef\nstore:\n  kind: postgres\n  url: \${env:BENCH_PG_URL}\n  schema: ${schema}_store\n`);

  const first = await start(root);
  children.push(first.child);
  const second = await start(root);
  children.push(second.child);
  await load([first], undefined); // warm-up, not reported
  await load([first, second], undefined);

  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    // The order alternates, so that neither side always runs right after the other's load.
    let one;
    let two;
    if (round % 2 === 0) {
      one = await fixed([first]);
      two = await fixed([first, second]);
    } else {
      two = await fixed([first, second]);
      one = await fixed([first]);
    }
    rounds.push({ one, two, ratio: two.p99 / one.p99 });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const unlimitedOne = await load([first], undefined);
  const unlimitedTwo = await load([first, second], undefined);
  const chain = await admin.query(`SELECT count(*)::int AS n FROM ${schema}_store.audit_records`);

  const result = {
    fixedRate: RATE,
    rounds,
    p99Ratio: median(rounds.map((round) => round.ratio)),
    throughput: { oneReplica: Math.round(unlimitedOne.rps), twoReplicas: Math.round(unlimitedTwo.rps), ratio: unlimitedTwo.rps / unlimitedOne.rps, p99One: unlimitedOne.p99, p99Two: unlimitedTwo.p99 },
    auditRecords: chain.rows[0].n,
  };
  console.log(JSON.stringify(result, null, 2));
  console.table(Object.fromEntries(rounds.map((round, index) => [`round ${index + 1} at ${RATE}/s`, { 'p99 one ms': round.one.p99, 'p99 two ms': round.two.p99, 'p50 one ms': round.one.p50, 'p50 two ms': round.two.p50, ratio: round.ratio.toFixed(2) }])));
  console.log(`p99 with two replicas / one replica at ${RATE} actions/s: ${result.p99Ratio.toFixed(2)} (target <= 1.10)`);
  console.log(`throughput without a rate limit: one replica ${result.throughput.oneReplica}/s, two replicas ${result.throughput.twoReplicas}/s (${result.throughput.ratio.toFixed(2)}x, both on this machine's cores)`);
} finally {
  for (const child of children) await stop(child);
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.query(`DROP SCHEMA IF EXISTS ${schema}_store CASCADE`);
  await admin.query(`DROP SCHEMA IF EXISTS ${schema}_store_boss CASCADE`);
  await admin.end();
  rmSync(root, { recursive: true, force: true });
}
