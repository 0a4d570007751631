// Audit log throughput: records per second with the hash chain, fsync and
// group commit (AuditLog.append), against a baseline in the same run that
// appends the same JSON lines with one open, write, fsync and close per
// record and no hashing. Both run with 1 writer (each record waits for the
// previous one) and with 10 concurrent writers, as concurrent requests do.
// Every record is durable before its promise resolves in both. Target:
// at least 500 records/s with 10 writers.
//
// Then the cost per query: throughput of the Chinook `customers` query
// through `opsdeck serve` with its default `audit: metadata` (one fsynced
// record per run) against the same server with `audit: off`, 10 connections,
// alternating rounds. Run with `npm run bench`.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLog } from '../dist/runtime/audit.js';
import { verifyAuditFile } from '../dist/runtime/audit-verify.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'bin', 'opsdeck.mjs');
const RECORDS = Number(process.env.BENCH_AUDIT_RECORDS ?? 2000);
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = 3;

const entry = (n) => ({
  user: 'ana@chinook.example',
  groups: ['support', 'support-agents'],
  app: 'chinook-support',
  object: 'action:addNote',
  action: 'addNote',
  outcome: 'started',
  rule: 'role:agent run action:addNote',
  params: { id: n, body: 'Called about a refund' },
  specVersion: '1ca8082ab6cd',
});

/** Appends one record as the baseline: one open, write, fsync and close per record, as the log did before the chain. */
async function appendPlain(file, record) {
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.write(`${JSON.stringify({ id: crypto.randomUUID(), time: new Date().toISOString(), ...record })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Runs `records` appends with `writers` concurrent loops; returns records per second. */
async function measure(append, writers, records) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < records) await append(entry(next++));
    }),
  );
  return records / ((performance.now() - started) / 1000);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const rows = [];
for (const writers of [1, 10]) {
  const chained = [];
  const plain = [];
  for (let round = 0; round < ROUNDS; round++) {
    const folder = mkdtempSync(join(tmpdir(), 'opsdeck-audit-bench-'));
    try {
      const plainFile = join(folder, 'plain.jsonl');
      plain.push(await measure((record) => appendPlain(plainFile, record), writers, RECORDS));
      const chainFile = join(folder, 'chain.jsonl');
      const log = new AuditLog(chainFile);
      chained.push(await measure((record) => log.append(record), writers, RECORDS));
      const verified = await verifyAuditFile(chainFile);
      if (verified.problem !== undefined || verified.records !== RECORDS) throw new Error(`chain check failed: ${JSON.stringify(verified)}`);
      if (readFileSync(plainFile, 'utf8').split('\n').length !== RECORDS + 1) throw new Error('baseline wrote a wrong number of lines');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }
  rows.push({ writers, chained: median(chained), plain: median(plain) });
}

console.log(`audit log, ${RECORDS} records per round, median of ${ROUNDS} rounds`);
console.log('writers  chained+fsync rec/s  plain append+fsync rec/s  ratio');
for (const { writers, chained, plain } of rows) {
  console.log(`${String(writers).padStart(7)}  ${Math.round(chained).toLocaleString('en-US').padStart(19)}  ${Math.round(plain).toLocaleString('en-US').padStart(24)}  ${(chained / plain).toFixed(2)}`);
}
const concurrent = rows.find((row) => row.writers === 10);
console.log(`target: >= 500 records/s with 10 writers: ${concurrent.chained >= 500 ? 'met' : 'missed'}`);

/** Copies the Chinook example with the customers query's audit setting; proxy identity from 127.0.0.1. */
function copyExample(setting) {
  const root = mkdtempSync(join(tmpdir(), 'opsdeck-audit-bench-'));
  cpSync(join(ROOT, 'examples', 'chinook-support'), join(root, 'chinook-support'), { recursive: true, filter: (path) => !path.includes('/data') });
  const specFile = join(root, 'chinook-support', 'app.yaml');
  const spec = readFileSync(specFile, 'utf8');
  const anchor = '  customers:\n    title: Customers\n';
  if (!spec.includes(anchor)) throw new Error(`the example spec no longer contains ${JSON.stringify(anchor)}`);
  writeFileSync(specFile, spec.replace(anchor, `${anchor}    audit: ${setting}\n`));
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: proxy\n  proxy:\n    trustedProxies: [127.0.0.1]\n');
  return root;
}

function startServer(root) {
  const child = spawn(process.execPath, [CLI, 'serve', root, '--port', '0', '--no-watch'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPSDECK_LOG_LEVEL: 'warn' } });
  let output = '';
  return new Promise((resolveStart, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = /at (http:\/\/\S+?)\/ /.exec(output);
      if (match) resolveStart({ child, url: match[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`opsdeck serve exited with ${code}: ${output}`)));
  });
}

const stop = (child) => new Promise((done) => (child.exitCode !== null ? done() : (child.once('exit', done), child.kill('SIGKILL'))));

const identity = { 'x-forwarded-email': 'ana@chinook.example', 'x-forwarded-groups': 'support,support-agents' };

/** Returns the headers of a query request: identity, and the CSRF cookie and token that every POST needs. */
async function requestHeaders(url) {
  const response = await fetch(`${url}/api/session`, { headers: identity });
  await response.arrayBuffer();
  const token = response.headers.get('x-csrf-token');
  const cookie = response.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  return { 'content-type': 'application/json', ...identity, ...(token ? { 'x-csrf-token': token, cookie } : {}) };
}

async function load(url, headers) {
  const result = await autocannon({ url, method: 'POST', headers, body: JSON.stringify({ page: { size: 25 } }), connections: 10, duration: DURATION_S });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`load against ${url} had ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  return result.requests.average;
}

{
  const roots = { metadata: copyExample('metadata'), off: copyExample('off') };
  const servers = { metadata: await startServer(roots.metadata), off: await startServer(roots.off) };
  try {
    const targets = {};
    for (const setting of ['metadata', 'off']) {
      const url = servers[setting].url;
      targets[setting] = { url: `${url}/api/apps/chinook-support/queries/customers`, headers: await requestHeaders(url) };
      await load(targets[setting].url, targets[setting].headers); // warm-up, not reported
    }
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const off = await load(targets.off.url, targets.off.headers);
      const audited = await load(targets.metadata.url, targets.metadata.headers);
      rounds.push({ audited, off, ratio: audited / off });
    }
    rounds.sort((a, b) => a.ratio - b.ratio);
    const { audited, off, ratio } = rounds[1];
    const verified = await verifyAuditFile(join(roots.metadata, '.opsdeck', 'audit.jsonl'));
    if (verified.problem !== undefined) throw new Error(`chain check after the query load failed: ${JSON.stringify(verified.problem)}`);
    console.log(`query throughput, customers, 10 connections, median of ${ROUNDS} rounds: ${Math.round(audited).toLocaleString('en-US')} req/s with audit: metadata, ${Math.round(off).toLocaleString('en-US')} req/s with audit: off, ratio ${ratio.toFixed(2)} (${verified.records.toLocaleString('en-US')} records, chain intact)`);
  } finally {
    await stop(servers.metadata.child);
    await stop(servers.off.child);
    rmSync(roots.metadata, { recursive: true, force: true });
    rmSync(roots.off, { recursive: true, force: true });
  }
}
