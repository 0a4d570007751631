// Export throughput and memory: 1,000,000 rows exported as CSV through
// Opsdeck, against the database's own CSV output of the same rows in the same
// run (`sqlite3 -csv` on the same data file; `psql \copy ... to stdout csv`
// on a throwaway schema of the test PostgreSQL server). Reports rows per
// second, their ratio, and the server's resident memory above idle while it
// exports, and the CPU time the server used, which a loaded machine changes
// less than the time. Targets: at least half the database's rows per second,
// and less than 100 MB above idle.
// Run with `npm run bench` (it builds first). BENCH_ROWS changes the row
// count; BENCH_POSTGRES=0 skips PostgreSQL; BENCH_SQLITE=0 skips SQLite;
// BENCH_CPU_PROF=<folder> writes a `node --cpu-prof` profile of each server there.
import { spawn, spawnSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'bin', 'opsdeck.mjs');
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const POSTGRES_URL = process.env.OPSDECK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SELECT = 'select id, name, email, amount, created, note from item';

const spec = (datasource) => `opsdeck: 1
id: bench
title: Bench
datasources:
  main: ${datasource}
roles:
  exporter: { members: { groups: [exporters] } }
devUsers:
  - { id: exporter@bench.example, groups: [exporters] }
queries:
  items:
    datasource: main
    sql: ${SELECT}
    allow: [exporter]
    export: { allow: [exporter] }
pages:
  p: { title: P, allow: [exporter], components: [{ table: { query: items, columns: [id, name] } }] }
`;

// Every seventh note holds a comma, a quote and a line break, and every eleventh name starts with `=`, so quoting and formula guards run.
const SQLITE_MIGRATION = `CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, amount REAL, created TEXT, note TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
INSERT INTO item SELECT i, CASE WHEN i % 11 = 0 THEN '=Item ' || i ELSE 'Item ' || i END, 'user' || i || '@example.com', (i % 10000) / 100.0 - 50,
  '2024-01-' || printf('%02d', 1 + i % 28) || 'T10:00:00.000Z', CASE WHEN i % 7 = 0 THEN 'note, with "quotes"' || char(10) || 'and a line break' ELSE NULL END FROM n;`;

const POSTGRES_LOAD = (schema) => `CREATE TABLE ${schema}.item (id integer PRIMARY KEY, name text NOT NULL, email text, amount double precision, created timestamptz, note text);
INSERT INTO ${schema}.item SELECT i, CASE WHEN i % 11 = 0 THEN '=Item ' || i ELSE 'Item ' || i END, 'user' || i || '@example.com', (i % 10000) / 100.0 - 50,
  timestamptz '2024-01-01 10:00:00+00' + (i % 28) * interval '1 day', CASE WHEN i % 7 = 0 THEN E'note, with "quotes"\\nand a line break' END FROM generate_series(1, ${ROWS}) AS i;`;

function start(root, env = {}) {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, CLI, 'serve', root, '--port', '0', '--no-watch'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPSDECK_LOG_LEVEL: 'warn', ...env } });
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

async function stop(child) {
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  await exited;
}

async function signIn(url, user) {
  const session = await fetch(`${url}/api/session`);
  await session.arrayBuffer();
  const token = session.headers.get('x-csrf-token');
  let cookies = session.headers.getSetCookie().map((c) => c.split(';')[0]);
  const headers = { 'content-type': 'application/json', ...(token ? { 'x-csrf-token': token } : {}), ...(cookies.length ? { cookie: cookies.join('; ') } : {}) };
  const login = await fetch(`${url}/api/dev/login`, { method: 'POST', headers, body: JSON.stringify({ user }) });
  if (login.status !== 200) throw new Error(`sign-in of ${user} failed with status ${login.status}: ${await login.text()}`);
  cookies = [...cookies, ...login.headers.getSetCookie().map((c) => c.split(';')[0])];
  return { cookie: cookies.join('; ') };
}

/** Reads one field (in kB) of /proc/<pid>/status. */
function procStatusKb(pid, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** CPU seconds (user and system) the process has used, from /proc/<pid>/stat, which counts in clock ticks of 1/100 s. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Counts CSV records arriving in pieces: LF bytes outside quotes. Works on bytes, because UTF-8 never uses 0x22 or 0x0A inside a multi-byte character. */
function csvRecordCounter() {
  let quoted = false;
  let records = 0;
  return {
    add(bytes) {
      for (let index = 0; index < bytes.length; index++) {
        const byte = bytes[index];
        if (byte === 0x22) quoted = !quoted;
        else if (byte === 0x0a && !quoted) records++;
      }
    },
    get records() {
      return records;
    },
  };
}

/** Downloads with node:http, which hands over the socket's buffers as they arrive. */
function download(url, headers, onData) {
  return new Promise((resolveDownload, reject) => {
    const req = httpGet(url, { headers }, (res) => {
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => reject(new Error(`export failed with status ${res.statusCode}: ${body}`)));
        return;
      }
      res.on('data', onData);
      res.on('end', resolveDownload);
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Exports the query through the server and measures time, rows and the server's memory above idle. */
async function exportThroughOpsdeck(server, headers) {
  const pid = server.child.pid;
  // Idle: after a first small request, with the high-water mark reset (writing 5 to clear_refs resets VmHWM).
  const warm = await fetch(`${server.url}/api/apps/bench/spec`, { headers });
  await warm.arrayBuffer();
  await new Promise((resolveWait) => setTimeout(resolveWait, 500));
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const idleKb = procStatusKb(pid, 'VmRSS');
  let peakSampleKb = idleKb;
  const sampler = setInterval(() => {
    peakSampleKb = Math.max(peakSampleKb, procStatusKb(pid, 'VmRSS'));
  }, 10);

  const started = performance.now();
  const cpuBefore = cpuSeconds(pid);
  const counter = csvRecordCounter();
  let bytes = 0;
  await download(`${server.url}/api/apps/bench/queries/items/export?format=csv`, headers, (chunk) => {
    bytes += chunk.length;
    counter.add(chunk);
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(pid) - cpuBefore;
  clearInterval(sampler);
  const hwmKb = procStatusKb(pid, 'VmHWM');
  const rows = counter.records - 1;
  if (rows !== ROWS) throw new Error(`the export sent ${rows} rows instead of ${ROWS}`);
  return { rows, bytes, seconds, cpu, idleMb: idleKb / 1024, aboveIdleMb: (Math.max(hwmKb, peakSampleKb) - idleKb) / 1024 };
}

/** Runs a command that writes CSV to stdout and measures time and records. */
function exportWithCommand(command, args, env = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, maxBuffer: 2 ** 31 - 1, encoding: 'buffer' });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} exited with ${result.status}: ${result.stderr}`);
  const counter = csvRecordCounter();
  counter.add(result.stdout);
  return { rows: counter.records - 1, bytes: result.stdout.length, seconds };
}

function report(label, opsdeck, baseline, baselineName) {
  const opsdeckRate = opsdeck.rows / opsdeck.seconds;
  const baselineRate = baseline.rows / baseline.seconds;
  console.log(`${label}: ${ROWS.toLocaleString('en')} rows`);
  console.log(`  ${baselineName}: ${baseline.seconds.toFixed(2)} s, ${Math.round(baselineRate).toLocaleString('en')} rows/s, ${(baseline.bytes / 2 ** 20).toFixed(1)} MiB`);
  console.log(`  opsdeck export: ${opsdeck.seconds.toFixed(2)} s, ${Math.round(opsdeckRate).toLocaleString('en')} rows/s, ${(opsdeck.bytes / 2 ** 20).toFixed(1)} MiB, server CPU ${opsdeck.cpu.toFixed(2)} s`);
  console.log(`  ratio opsdeck/${baselineName}: ${(opsdeckRate / baselineRate).toFixed(2)} (target >= 0.50)`);
  console.log(`  server memory: idle ${opsdeck.idleMb.toFixed(0)} MB, peak above idle ${opsdeck.aboveIdleMb.toFixed(1)} MB (target < 100 MB)`);
  return { ratio: opsdeckRate / baselineRate, aboveIdleMb: opsdeck.aboveIdleMb };
}

async function benchSqlite(root) {
  const appDir = join(root, 'sqlite', 'bench');
  mkdirSync(join(appDir, 'migrations'), { recursive: true });
  writeFileSync(join(appDir, 'app.yaml'), spec('{ kind: sqlite, file: data/bench.sqlite, migrations: migrations }'));
  writeFileSync(join(appDir, 'migrations', '001_item.sql'), SQLITE_MIGRATION);
  writeFileSync(join(root, 'sqlite', 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  // The first start creates the database; the measured server starts on the finished file, so the migration's memory does not count as idle.
  await stop((await start(join(root, 'sqlite'))).child);
  const server = await start(join(root, 'sqlite'));
  try {
    const headers = await signIn(server.url, 'exporter@bench.example');
    const opsdeck = await exportThroughOpsdeck(server, headers);
    const baseline = exportWithCommand('sqlite3', ['-csv', '-header', join(appDir, 'data', 'bench.sqlite'), SELECT]);
    return report('sqlite', opsdeck, baseline, 'sqlite3 -csv');
  } finally {
    await stop(server.child);
  }
}

async function benchPostgres(root) {
  const schema = `opsdeck_bench_export_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(POSTGRES_LOAD(schema));
    await admin.query(`ANALYZE ${schema}.item`);
    const appDir = join(root, 'postgres', 'bench');
    mkdirSync(appDir, { recursive: true });
    writeFileSync(join(appDir, 'app.yaml'), spec(`{ kind: postgres, url: "\${env:BENCH_EXPORT_DATABASE_URL}", schema: ${schema}, statementTimeoutMs: 60000 }`));
    writeFileSync(join(root, 'postgres', 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
    const server = await start(join(root, 'postgres'), { BENCH_EXPORT_DATABASE_URL: POSTGRES_URL });
    try {
      const headers = await signIn(server.url, 'exporter@bench.example');
      const opsdeck = await exportThroughOpsdeck(server, headers);
      const baseline = exportWithCommand('psql', [POSTGRES_URL, '-X', '-q', '-c', `\\copy (${SELECT.replace('from item', `from ${schema}.item`)}) to stdout with (format csv, header)`]);
      return report('postgres', opsdeck, baseline, 'psql \\copy csv');
    } finally {
      await stop(server.child);
    }
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

const root = mkdtempSync(join(tmpdir(), 'opsdeck-bench-export-'));
try {
  const results = [];
  if (process.env.BENCH_SQLITE !== '0') results.push(await benchSqlite(root));
  if (process.env.BENCH_POSTGRES !== '0') results.push(await benchPostgres(root));
  const missed = results.filter((result) => result.ratio < 0.5 || result.aboveIdleMb >= 100).length;
  console.log(missed === 0 ? 'all export targets met' : `${missed} of ${results.length} export runs missed a target`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
