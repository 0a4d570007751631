// PostgreSQL query benchmark: throughput and p99 of the customers query of the
// chinook-support example served by Opsdeck from PostgreSQL (its app.yaml with
// only the `datasources:` block replaced), with identity, Casbin,
// parameter validation and a read-only transaction with a statement timeout.
// The baseline, measured in the same run, is a bare koa handler calling pg
// directly with the same SQL on the same schema and pool size. Needs the PostgreSQL server
// at 127.0.0.1:5432 (database `test`, or OPSDECK_TEST_POSTGRES_URL); loads
// Chinook into a new schema and drops it at the end.
// Run with `npm run bench` (it builds first) or `node bench/postgres.bench.mjs` after `npm run build`.
import autocannon from 'autocannon';
import pg from 'pg';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { compileSql } from '../dist/core/sql-params.js';
import { withCsrf } from './csrf.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'bin', 'opsdeck.mjs');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'postgres');
const EXAMPLE = join(ROOT, 'examples', 'chinook-support');
const URL_ = process.env.OPSDECK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 10;
const POOL_MAX = 10;

function start(args, pattern, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPSDECK_LOG_LEVEL: 'warn', ...env } });
  let output = '';
  return new Promise((resolveStart, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) resolveStart({ child, url: match[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

/** Replaces the top-level `datasources:` entry of the spec's text with one for PostgreSQL, keeping every other byte. */
function onPostgres(spec, schemaName, poolMax) {
  const entry = parseDocument(spec).contents.items.find((item) => item.key.value === 'datasources');
  const block = `datasources:\n  main:\n    kind: postgres\n    url: "\${env:CHINOOK_DATABASE_URL}"\n    schema: ${schemaName}\n    statementTimeoutMs: 5000\n    pool: { max: ${poolMax} }\n    migrations: migrations-postgres\n`;
  return spec.slice(0, entry.key.range[0]) + block + spec.slice(entry.value.range[2]);
}

const stop = (child) => new Promise((done) => (child.exitCode !== null ? done() : (child.once('exit', done), child.kill('SIGKILL'))));

async function load(url, headers) {
  const result = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ page: { size: 25 } }), connections: CONNECTIONS, duration: DURATION_S });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load against ${url} had ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, p50: result.latency.p50 };
}

const schema = `opsdeck_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: URL_ });
await admin.connect();
const root = mkdtempSync(join(tmpdir(), 'opsdeck-bench-pg-'));
const children = [];
try {
  const script = readFileSync(join(FIXTURE, 'chinook.sql'), 'utf8').split('\n').filter((line) => !/^(DROP DATABASE|CREATE DATABASE|\\c )/.test(line)).join('\n');
  await admin.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
  await admin.query(script);

  const appDir = join(root, 'chinook-support');
  cpSync(EXAMPLE, appDir, { recursive: true, filter: (path) => !path.startsWith(join(EXAMPLE, 'data')) });
  const specFile = join(appDir, 'app.yaml');
  const spec = onPostgres(readFileSync(specFile, 'utf8'), schema, POOL_MAX);
  writeFileSync(specFile, spec);
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: proxy\n  proxy:\n    trustedProxies: [127.0.0.1]\n');

  const opsdeck = await start([CLI, 'serve', root, '--port', '0', '--no-watch'], /at (http:\/\/\S+?)\/ /, { CHINOOK_DATABASE_URL: URL_ });
  children.push(opsdeck.child);
  const inner = compileSql(/sql: \|\n([\s\S]*?)\n    params:/.exec(spec)[1].replace(/^ {6}/gm, ''), { placeholders: 'dollar' }).text;
  const bare = await start([join(ROOT, 'bench', 'bare-pg.mjs'), URL_, schema, String(POOL_MAX), `SELECT * FROM (\n${inner}\n) AS q LIMIT $2 OFFSET $3`, `SELECT count(*) AS total FROM (\n${inner}\n) AS q`], /(http:\/\/\S+)/);
  children.push(bare.child);

  const identity = { 'x-forwarded-email': 'ana@chinook.example', 'x-forwarded-groups': 'support,support-agents' };
  const opsdeckUrl = `${opsdeck.url}/api/apps/chinook-support/queries/customers`;
  const headers = await withCsrf(opsdeck.url, identity);
  await load(opsdeckUrl, headers); // warm-up, not reported
  await load(bare.url, {});
  // Alternating rounds, so drift in machine load hits both sides alike; the median round is reported.
  const rounds = [];
  for (let round = 0; round < 3; round++) {
    const baseline = await load(bare.url, {});
    const measured = await load(opsdeckUrl, headers);
    rounds.push({ baseline, opsdeck: measured, throughputRatio: measured.rps / baseline.rps, p99Ratio: measured.p99 / Math.max(baseline.p99, 1) });
  }
  rounds.sort((a, b) => a.throughputRatio - b.throughputRatio);
  const result = { query: { ...rounds[1], rounds: rounds.map((round) => ({ throughputRatio: round.throughputRatio, p99Ratio: round.p99Ratio })) } };
  console.log(JSON.stringify(result, null, 2));
  console.table({
    'pg direct (bare koa)': { 'req/s': Math.round(result.query.baseline.rps), 'p99 ms': result.query.baseline.p99 },
    'opsdeck on postgres': { 'req/s': Math.round(result.query.opsdeck.rps), 'p99 ms': result.query.opsdeck.p99 },
  });
  console.log(`throughput ratio opsdeck / pg direct: ${result.query.throughputRatio.toFixed(2)} (target >= 0.8)`);
} finally {
  for (const child of children) await stop(child);
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  rmSync(root, { recursive: true, force: true });
}
