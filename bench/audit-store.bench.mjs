// Audit appends per second on the PostgreSQL system store. Two writers (two
// logs on two pools, as two server processes behind a load balancer have)
// run against one writer in the same run, with the same total of concurrent
// callers. The file log's figure is printed for comparison. Every append is
// durable (`sync: true`) before its promise resolves, in all three. The two
// writers share one chain, so they take turns on its head row: the ratio
// shows what that costs. Run with `npm run build && node bench/audit-store.bench.mjs`
// (PostgreSQL at OPSDECK_BENCH_POSTGRES_URL, default 127.0.0.1:5432/test).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
// BENCH_DIST=<folder> measures another build (for example an older commit's dist/) with this script.
const DIST = process.env.BENCH_DIST ?? '../dist';
const { FileAuditLog } = await import(`${DIST}/runtime/audit.js`);
const { migrateStore } = await import(`${DIST}/runtime/system-store/migrations.js`);
const { PostgresAuditLog } = await import(`${DIST}/runtime/system-store/pg-audit.js`);
const { openStorePool } = await import(`${DIST}/runtime/system-store/pool.js`);

const URL_ = process.env.OPSDECK_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RECORDS = Number(process.env.BENCH_AUDIT_RECORDS ?? 3000);
/** Concurrent callers in total, split evenly between the writers. */
const CALLERS = Number(process.env.BENCH_AUDIT_CALLERS ?? 10);
const ROUNDS = 3;
const log = pino({ level: 'silent' });

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

/** Appends `records` records through `logs`, CALLERS concurrent loops spread over them; returns records per second. */
async function measure(logs, records) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, caller) => {
      const audit = logs[caller % logs.length];
      while (next < records) await audit.append(entry(next++));
    }),
  );
  return records / ((performance.now() - started) / 1000);
}

const admin = new pg.Client({ connectionString: URL_ });
await admin.connect();
const schemas = [];
const folders = [];

/** Creates a fresh store schema and returns `writers` logs on as many pools, each appending on a pipelined pool as a server does. */
async function postgresLogs(writers) {
  const schema = `opsdeck_bench_store_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  const pools = Array.from({ length: writers }, () => openStorePool({ url: URL_, schema, max: CALLERS, log }));
  await migrateStore(pools[0], schema);
  return pools.map((pool) => new PostgresAuditLog({ pool, writePool: openStorePool({ url: URL_, schema, max: 2, pipeline: true, log }), schema }));
}

function fileLogs() {
  const folder = mkdtempSync(join(tmpdir(), 'opsdeck-bench-store-'));
  folders.push(folder);
  return [new FileAuditLog(join(folder, 'audit.jsonl'))];
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = { one: [], two: [], file: [] };
try {
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternating order within a round, so warm-up and cache effects do not favour one side.
    const order = round % 2 === 0 ? ['one', 'two', 'file'] : ['two', 'one', 'file'];
    for (const side of order) {
      const logs = side === 'file' ? fileLogs() : await postgresLogs(side === 'one' ? 1 : 2);
      results[side].push(await measure(logs, RECORDS));
      const verified = await logs[0].verify();
      if (verified.problem !== undefined || verified.records !== RECORDS) throw new Error(`${side}: chain not intact after the run: ${JSON.stringify(verified)}`);
      for (const audit of logs) await audit.close();
    }
  }
} finally {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
}

const one = median(results.one);
const two = median(results.two);
const file = median(results.file);
const format = (value) => Math.round(value).toLocaleString('en-US').padStart(8);
console.log(`audit store, ${RECORDS} durable appends per round, ${CALLERS} concurrent callers in total, median of ${ROUNDS} rounds (chains verified)`);
console.log(`postgres, 1 writer (1 pool):          ${format(one)} records/s`);
console.log(`postgres, 2 writers (2 pools, 1 chain): ${format(two)} records/s  ratio to 1 writer ${(two / one).toFixed(2)}`);
console.log(`file log, 1 writer:                   ${format(file)} records/s  ratio postgres 1 writer / file ${(one / file).toFixed(2)}`);
