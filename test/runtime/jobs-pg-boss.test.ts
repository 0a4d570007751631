// Job runs dispatched through pg-boss on the PostgreSQL system store. Two
// servers in this process act as two replicas, each with its own
// connections, pg-boss worker and owner id. The tests check that pg-boss's
// tables sit in `<store>_boss` and that a job of concurrency 1 runs one run
// at a time across both. They also check that a retry starts after its
// backoff, and that a run cancelled while queued never starts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PgBoss from 'pg-boss';
import { pino } from 'pino';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';
import { RUN_QUEUE } from '../../runtime/system-store/pg-boss-dispatch.js';
import { openSystemStore, SystemStoreUnavailable } from '../../runtime/system-store/open.js';

const ANA = 'ana@queue.example';

let root: string;
let schema: TestSchema;
let storeSchema: string;
let one: TestServer;
let two: TestServer;
const cookies = new Map<TestServer, string>();

function writeApp(): void {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-pg-boss-'));
  const appDir = join(root, 'queue');
  mkdirSync(join(appDir, 'migrations'), { recursive: true });
  writeFileSync(
    join(appDir, 'app.yaml'),
    `opsdeck: 1
id: queue
title: Queue
datasources:
  main: { kind: postgres, url: "\${env:OPSDECK_TEST_APP_URL}", schema: ${schema.name}, migrations: migrations }
roles:
  ops: { members: { groups: [ops] } }
devUsers:
  - { id: ${ANA}, name: Ana Ops, groups: [ops] }
jobs:
  single:
    title: One at a time
    allow: [ops]
    concurrency: 1
    params: { tag: { type: string } }
    required: [tag]
    steps:
      - { id: mark, datasource: main, sql: "insert into marks (tag) values (:tag)" }
      - { id: pause, datasource: main, sql: "update marks set paused = true from (select pg_sleep(0.3)) as pause where tag = :tag" }
  flaky:
    title: Fails on its first attempt
    allow: [ops]
    retry: { attempts: 2, backoff: 2s }
    # A sequence is not rolled back with the failed statement, so the first attempt divides by zero and the second does not.
    steps:
      - { id: check, datasource: main, sql: "update tries set checked = 1 / (nextval('attempts') - 1)" }
queries:
  marks: { datasource: main, sql: "select id, tag from marks", key: id, allow: [ops] }
pages:
  marks: { title: Marks, allow: [ops], components: [{ table: { query: marks, columns: [id, tag] } }] }
`,
  );
  writeFileSync(
    join(appDir, 'migrations', '001_marks.sql'),
    `create table marks (id serial primary key, tag text not null, paused boolean not null default false);
create sequence attempts;
create table tries (checked integer);
insert into tries default values;
`,
  );
  writeFileSync(join(root, 'opsdeck.yaml'), `identity:\n  mode: dev\nsession:\n  secret: a-fixed-secret-for-two-replicas-0123456789\nstore:\n  kind: postgres\n  url: \${env:OPSDECK_TEST_STORE_URL}\n  schema: ${storeSchema}\n`);
}

/** Reads a run from job_runs, with the process that claimed it. */
async function storedRun(id: string): Promise<any> {
  const { rows } = await schema.admin(`SELECT run, owner FROM ${storeSchema}.job_runs WHERE id = '${id}'`);
  return rows[0] === undefined ? undefined : { ...rows[0].run, ownerColumn: rows[0].owner };
}

async function waitFor(id: string, done: (run: any) => boolean, timeoutMs = 20_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await storedRun(id);
    if (run !== undefined && done(run)) return run;
    if (Date.now() > until) throw new Error(`run ${id} did not reach the expected state; last: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startRun(server: TestServer, job: string, params: Record<string, unknown>): Promise<string> {
  const started = await request(`${server.url}/api/apps/queue/jobs/${job}/runs`, { method: 'POST', json: { params }, cookie: cookies.get(server) });
  expect(started.status).toBe(202);
  return started.body.run.id as string;
}

const marksOf = async (tag: string): Promise<number> => (await schema.admin(`SELECT count(*)::int AS n FROM ${schema.name}.marks WHERE tag = '${tag}'`)).rows[0].n;

beforeAll(async () => {
  schema = await createTestSchema('pgboss');
  storeSchema = `${schema.name}_sys`;
  process.env.OPSDECK_TEST_STORE_URL = TEST_POSTGRES_URL;
  process.env.OPSDECK_TEST_APP_URL = TEST_POSTGRES_URL;
  writeApp();
  one = await startServer(root);
  two = await startServer(root);
  for (const server of [one, two]) cookies.set(server, await devLogin(server.url, ANA));
}, 60_000);

afterAll(async () => {
  await one?.close();
  await two?.close();
  await schema?.admin(`DROP SCHEMA IF EXISTS ${storeSchema}_boss CASCADE`);
  await schema?.admin(`DROP SCHEMA IF EXISTS ${storeSchema} CASCADE`);
  await schema?.drop();
  rmSync(root, { recursive: true, force: true });
  delete process.env.OPSDECK_TEST_STORE_URL;
  delete process.env.OPSDECK_TEST_APP_URL;
});

describe('job runs dispatched through pg-boss', () => {
  it('keeps pg-boss tables beside the store', async () => {
    const tables = await schema.admin(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('${storeSchema}', '${storeSchema}_boss')`);
    const bossTables = tables.rows.filter((row) => row.table_schema === `${storeSchema}_boss`).map((row) => row.table_name);
    const storeTables = tables.rows.filter((row) => row.table_schema === storeSchema).map((row) => row.table_name);
    expect(bossTables).toEqual(expect.arrayContaining(['job', 'queue', 'version']));
    expect(storeTables).toContain('job_runs');
    expect(storeTables).not.toContain('job');
    const queues = await schema.admin(`SELECT name, policy FROM ${storeSchema}_boss.queue`);
    expect(queues.rows).toEqual([{ name: RUN_QUEUE, policy: 'short' }]);
  });

  it('rejects a store schema too long for the queue', async () => {
    const long = `${schema.name}_`.padEnd(46, 'x');
    const opened = openSystemStore({ kind: 'postgres', url: TEST_POSTGRES_URL, schema: long }, { root, auditFile: 'audit.jsonl', log: pino({ level: 'silent' }) });
    await expect(opened).rejects.toThrow(SystemStoreUnavailable);
    await expect(opened).rejects.toThrow(`store.schema "${long}" in opsdeck.yaml is 46 characters long, so the job queue's schema "${long}_boss" would exceed pg-boss's limit of 50; use at most 45 characters`);
    const created = await schema.admin(`SELECT nspname FROM pg_namespace WHERE nspname = '${long}'`);
    expect(created.rows).toEqual([]);
  });

  it('names the queue schema when pg-boss cannot prepare it', async () => {
    // A version table that pg-boss cannot read as a number, in a schema without its other tables: its start skips the install, and its create_queue function is missing.
    const broken = `${schema.name}_q`;
    await schema.admin(`CREATE SCHEMA ${broken}_boss; CREATE TABLE ${broken}_boss.version (version text); INSERT INTO ${broken}_boss.version VALUES ('not a number')`);
    const opened = openSystemStore({ kind: 'postgres', url: TEST_POSTGRES_URL, schema: broken }, { root, auditFile: 'audit.jsonl', log: pino({ level: 'silent' }) });
    await expect(opened).rejects.toThrow(SystemStoreUnavailable);
    await expect(opened).rejects.toThrow(new RegExp(`^cannot prepare the job queue in PostgreSQL schema "${broken}_boss" \\(store.url in opsdeck.yaml\\): a function of the store is missing$`));
  });

  it('prepares the queue once when two processes start together', async () => {
    // Each round starts two stores at once on a new schema, as two replicas deployed together do.
    for (const round of [1, 2, 3]) {
      const fresh = `${schema.name}_p${round}`;
      const settings = { kind: 'postgres' as const, url: TEST_POSTGRES_URL, schema: fresh };
      const log = pino({ level: 'silent' });
      const opened = await Promise.allSettled([1, 2].map(() => openSystemStore(settings, { root, auditFile: 'audit.jsonl', log })));
      for (const outcome of opened) if (outcome.status === 'fulfilled') await outcome.value.close();
      expect(opened.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'opened'))).toEqual(['opened', 'opened']);
    }
  });

  it('runs concurrency 1 one at a time across replicas', async () => {
    const tags = ['c1', 'c2', 'c3', 'c4', 'c5'];
    const ids = await Promise.all(tags.map((tag, i) => startRun(i % 2 === 0 ? one : two, 'single', { tag })));
    const runs: any[] = [];
    for (const id of ids) runs.push(await waitFor(id, (run) => run.status === 'succeeded', 30_000));

    for (const tag of tags) expect(await marksOf(tag)).toBe(1);
    const byStart = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    for (let i = 1; i < byStart.length; i++) expect(Date.parse(byStart[i].startedAt)).toBeGreaterThanOrEqual(Date.parse(byStart[i - 1].finishedAt));
    // Each run went through a pg-boss entry of its own, keyed by the run's id.
    const entries = await schema.admin(`SELECT DISTINCT singleton_key FROM ${storeSchema}_boss.job WHERE name = '${RUN_QUEUE}' AND singleton_key = ANY(ARRAY['${ids.join("','")}'])`);
    expect(entries.rows.length).toBe(5);
    // The first run starts promptly, and each later one soon after the one before it ended.
    expect(Date.parse(byStart[0].startedAt) - Date.parse(byStart[0].createdAt)).toBeLessThan(1_500);
    for (let i = 1; i < byStart.length; i++) expect(Date.parse(byStart[i].startedAt) - Date.parse(byStart[i - 1].finishedAt)).toBeLessThan(1_500);
  }, 60_000);

  it('dispatches a retry after its backoff', async () => {
    const id = await startRun(one, 'flaky', {});
    const waiting = await waitFor(id, (run) => run.status === 'queued' && run.retryAt !== undefined);
    expect(waiting.attempt).toBe(2);
    const retryAt = Date.parse(waiting.retryAt);
    // The runner sends the entry after it recorded the failure and appended its audit record.
    const delayedEntries = async () => (await schema.admin(`SELECT start_after FROM ${storeSchema}_boss.job WHERE name = '${RUN_QUEUE}' AND singleton_key = '${id}' AND start_after > created_on`)).rows;
    for (const until = Date.now() + 1_500; (await delayedEntries()).length === 0 && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 20));
    const entry = { rows: await delayedEntries() };
    expect(entry.rows.length).toBe(1);
    expect(Math.abs((entry.rows[0].start_after as Date).getTime() - retryAt)).toBeLessThan(5);

    const done = await waitFor(id, (run) => run.status === 'succeeded');
    expect(done.attempt).toBe(2);
    expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(retryAt);
    expect(Date.parse(done.startedAt) - retryAt).toBeLessThan(2_000);
  }, 30_000);

  it('never starts a run cancelled while queued', async () => {
    const blocker = await startRun(one, 'single', { tag: 'blocker' });
    await waitFor(blocker, (run) => run.status === 'running');
    const id = await startRun(two, 'single', { tag: 'cancelled' });
    const cancelled = await request(`${one.url}/api/apps/queue/jobs/runs/${id}/cancel`, { method: 'POST', json: {}, cookie: cookies.get(one) });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.run.status).toBe('cancelled');

    // An entry that reaches a worker after the cancel, as a late or repeated send would, is completed without starting the run.
    const boss = new PgBoss({ connectionString: TEST_POSTGRES_URL, schema: `${storeSchema}_boss`, supervise: false, schedule: false, migrate: false });
    boss.on('error', () => undefined);
    await boss.start();
    try {
      const late = await boss.send(RUN_QUEUE, { id, app: 'queue' }, { singletonKey: `${id}-late` });
      expect(late).not.toBeNull();
      const until = Date.now() + 10_000;
      while ((await boss.getJobById(RUN_QUEUE, late!))?.state !== 'completed') {
        if (Date.now() > until) throw new Error('the late entry was not completed');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await boss.stop({ graceful: false });
    }
    await waitFor(blocker, (run) => run.status === 'succeeded');
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const run = await storedRun(id);
    expect(run.status).toBe('cancelled');
    expect(run.startedAt).toBeUndefined();
    expect(run.ownerColumn).toBeNull();
    expect(await marksOf('cancelled')).toBe(0);
  }, 30_000);
});
