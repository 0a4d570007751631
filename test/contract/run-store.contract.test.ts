// The job run stores against one contract: the file store of one server and
// the PostgreSQL store shared by several (two pools on one schema stand in for
// two processes). Claims start a run once and keep a job within its limit;
// interruptStale spares runs whose owner still sends heartbeats; the
// PostgreSQL store tells other processes about changes.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type pg from 'pg';
import { FileRunStore } from '../../runtime/jobs/file-store.js';
import type { JobRun, NewRun, RunStore } from '../../runtime/jobs/run-state.js';
import { migrateStore } from '../../runtime/system-store/migrations.js';
import { PostgresRunStore } from '../../runtime/system-store/pg-runs.js';
import { PostgresSlotStore } from '../../runtime/system-store/pg-slots.js';
import { openStorePool } from '../../runtime/system-store/pool.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from './postgres-schema.js';

const log = pino({ level: 'silent' });
const pools: pg.Pool[] = [];
const schemas: TestSchema[] = [];
const folders: string[] = [];

afterAll(async () => {
  for (const pool of pools) await pool.end();
  for (const schema of schemas) await schema.drop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

let counter = 0;
function newRun(job = 'sync'): NewRun {
  counter += 1;
  return {
    id: `run-${counter}-${Math.random().toString(16).slice(2)}`,
    app: 'ledger',
    job,
    title: 'Sync',
    kind: 'job',
    trigger: 'operator',
    startedBy: { id: 'ana@example.com', name: 'Ana', groups: [], attributes: {} },
    params: {},
    maskedParams: {},
    createdAt: new Date(Date.now() + counter).toISOString(),
    maxAttempts: 1,
    stepsHash: 'h',
    specVersion: 'v',
    steps: [{ id: 'one', status: 'pending' }],
  };
}

async function postgresStores(): Promise<[PostgresRunStore, PostgresRunStore, pg.Pool, string]> {
  const schema = await createTestSchema('runs');
  schemas.push(schema);
  const one = openStorePool({ url: TEST_POSTGRES_URL, schema: schema.name, max: 4, log });
  const two = openStorePool({ url: TEST_POSTGRES_URL, schema: schema.name, max: 4, log });
  pools.push(one, two);
  await migrateStore(one, schema.name);
  const a = new PostgresRunStore({ pool: one, schema: schema.name, url: TEST_POSTGRES_URL, log });
  const b = new PostgresRunStore({ pool: two, schema: schema.name, url: TEST_POSTGRES_URL, log });
  return [a, b, one, schema.name];
}

function fileStores(): [RunStore, RunStore] {
  const folder = mkdtempSync(join(tmpdir(), 'opsdeck-runs-'));
  folders.push(folder);
  const store = new FileRunStore(join(folder, 'jobs.jsonl'), log);
  // One process owns the file: the same store plays both callers.
  return [store, store];
}

const cases: Array<[string, () => Promise<[RunStore, RunStore]>]> = [
  ['files', async () => fileStores()],
  [
    'postgres',
    async () => {
      const [a, b] = await postgresStores();
      return [a, b];
    },
  ],
];

describe.each(cases)('run store on %s', (_name, open) => {
  it('starts a run once when two callers claim it at once', async () => {
    const [a, b] = await open();
    const run = await a.create(newRun());
    const results = await Promise.all([a.claim(run, new Date().toISOString(), 'owner-a', 5), b.claim(run, new Date().toISOString(), 'owner-b', 5)]);
    expect(results.filter((result) => result !== undefined)).toHaveLength(1);
    const stored = (await b.get('ledger', run.id))!;
    expect(stored.status).toBe('running');
    expect(['owner-a', 'owner-b']).toContain(stored.owner);
  });

  it('keeps a job within its limit across callers', async () => {
    const [a, b] = await open();
    const runs = await Promise.all([1, 2, 3, 4].map(() => a.create(newRun('limited'))));
    const claims = await Promise.all(runs.map((run, index) => (index % 2 === 0 ? a : b).claim(run, new Date().toISOString(), index % 2 === 0 ? 'owner-a' : 'owner-b', 2)));
    expect(claims.filter((claim) => claim !== undefined)).toHaveLength(2);
    expect((await a.withStatus(['running'])).filter((run) => run.job === 'limited')).toHaveLength(2);
  });

  it('interrupts only the runs of silent owners', async () => {
    const [a, b] = await open();
    const mine = await a.create(newRun('stale'));
    const theirs = await a.create(newRun('stale'));
    await a.claim(mine, new Date().toISOString(), 'owner-a', 5);
    await b.claim(theirs, new Date().toISOString(), 'owner-b', 5);
    const interrupted = await a.interruptStale('owner-a', new Date(Date.now() + 60_000), new Date().toISOString());
    expect(interrupted.map((run) => run.id)).toEqual([theirs.id]);
    expect((await a.get('ledger', mine.id))!.status).toBe('running');
    expect((await a.get('ledger', theirs.id))!.status).toBe('interrupted');
  });
});

describe('PostgreSQL run store across processes', () => {
  it('spares runs whose owner sent a heartbeat since the stale time', async () => {
    const [a, b] = await postgresStores();
    const run = await a.create(newRun('beat'));
    await a.claim(run, new Date().toISOString(), 'owner-a', 5);
    const before = new Date(Date.now() - 1000);
    await a.heartbeat('owner-a', [run.id]);
    expect(await b.interruptStale('owner-b', before, new Date().toISOString())).toEqual([]);
    expect((await b.interruptStale('owner-b', new Date(Date.now() + 60_000), new Date().toISOString())).map((stale) => stale.id)).toEqual([run.id]);
  });

  it('tells the other process about a change', async () => {
    const [a, b] = await postgresStores();
    const heard: JobRun[] = [];
    const stop = b.watch((run) => heard.push(run));
    // LISTEN takes a moment to be in place.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const run = await a.create(newRun('heard'));
    await a.record({ type: 'cancel-requested', id: run.id, at: new Date().toISOString(), by: 'ana@example.com' });
    for (let i = 0; i < 50 && !heard.some((change) => change.status === 'cancelled'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    stop();
    // Each notice carries the run as it is when it is read, so the last one shows the cancel.
    expect(heard.at(-1)?.status).toBe('cancelled');
    expect(heard.every((change) => change.id === run.id)).toBe(true);
  });

  it('claims a schedule slot once across processes', async () => {
    const [, , pool, schema] = await postgresStores();
    const slots = [new PostgresSlotStore({ pool, schema }), new PostgresSlotStore({ pool, schema })];
    const slot = { id: '2026-12-05T02:00', at: new Date('2026-12-05T02:00:00Z') };
    const claims = await Promise.all(slots.map((store) => store.claim('ledger/nightly', slot)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await slots[1].last('ledger/nightly')).toEqual({ slot: slot.id, at: slot.at.toISOString() });
    // An earlier slot counts as passed once a later one is claimed.
    expect(await slots[0].claim('ledger/nightly', { id: '2026-12-05T01:00', at: new Date('2026-12-05T01:00:00Z') })).toBe(false);
    await slots[0].release('ledger/nightly', slot);
    expect(await slots[1].last('ledger/nightly')).toBeUndefined();
  });
});
