// Jobs on two real `opsdeck serve` processes sharing one PostgreSQL system
// store and one PostgreSQL data source, as replicas behind a load balancer:
// a run started on one shows its progress on the other and can be cancelled
// there, runs queued on both start once each, a schedule slot runs once in
// total, and the runs of a replica that was killed are marked interrupted by
// the other, which can resume them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kill, spawnServer, type ServerProcess } from '../helpers/process.js';
import { devLogin, request } from '../helpers/server.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';

const ANA = 'ana@replicas.example';
const ITEMS = 3000;

let root: string;
let schema: TestSchema;
let one: ServerProcess;
let two: ServerProcess;
const env = { OPSDECK_TEST_STORE_URL: TEST_POSTGRES_URL, OPSDECK_TEST_APP_URL: TEST_POSTGRES_URL, OPSDECK_RUN_STALE_MS: '3000' };

function writeApp(): void {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-replicas-'));
  const appDir = join(root, 'ledger');
  mkdirSync(join(appDir, 'migrations'), { recursive: true });
  writeFileSync(
    join(appDir, 'app.yaml'),
    `opsdeck: 1
id: ledger
title: Ledger
datasources:
  main: { kind: postgres, url: "\${env:OPSDECK_TEST_APP_URL}", schema: ${schema.name}, migrations: migrations }
roles:
  ops: { members: { groups: [ops] } }
devUsers:
  - { id: ${ANA}, name: Ana Ops, groups: [ops] }
queries:
  totals: { datasource: main, sql: "select id, amount from totals", key: id, allow: [ops] }
jobs:
  slowCopy:
    title: Slow copy
    allow: [ops]
    steps:
      - id: copy
        datasource: main
        batch: { query: select id from items, key: id, size: 100 }
        sql: |
          insert into totals (id, amount)
          select id, amount from items, (select pg_sleep(0.1)) as pause
          where id between :batch.first and :batch.last
          on conflict (id) do update set amount = excluded.amount
  stamp:
    title: Stamp
    allow: [ops]
    concurrency: 2
    params: { tag: { type: string } }
    required: [tag]
    steps:
      - { id: stamp, datasource: main, sql: "insert into stamps (tag) select :tag from (select pg_sleep(0.2)) as pause" }
  tick:
    title: Tick
    allow: [ops]
    schedule: { cron: '* * * * *', timeZone: UTC }
    steps:
      - { id: tick, datasource: main, sql: "insert into ticks (at) values (now())" }
pages:
  totals: { title: Totals, allow: [ops], components: [{ table: { query: totals, columns: [id, amount] } }] }
`,
  );
  writeFileSync(
    join(appDir, 'migrations', '001_items.sql'),
    `create table items (id integer primary key, amount integer not null);
insert into items select i, i % 97 from generate_series(1, ${ITEMS}) as i;
create table totals (id integer primary key, amount integer not null);
create table ticks (id serial primary key, at timestamptz not null);
create table stamps (id serial primary key, tag text not null);
`,
  );
  writeFileSync(join(root, 'opsdeck.yaml'), `identity:\n  mode: dev\nsession:\n  secret: a-fixed-secret-for-two-replicas-0123456789\nstore:\n  kind: postgres\n  url: \${env:OPSDECK_TEST_STORE_URL}\n  schema: ${schema.name}_sys\n`);
}

const runOf = async (server: ServerProcess, cookie: string, id: string): Promise<any> => (await request(`${server.url}/api/apps/ledger/jobs/runs/${id}`, { cookie })).body.run;
const waitFor = async (server: ServerProcess, cookie: string, id: string, done: (run: any) => boolean, timeoutMs = 30_000): Promise<any> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await runOf(server, cookie, id);
    if (run !== undefined && done(run)) return run;
    if (Date.now() > until) throw new Error(`run ${id} did not reach the expected state; last: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

beforeAll(async () => {
  schema = await createTestSchema('jobreplicas');
  writeApp();
  one = await spawnServer(root, ['--no-watch'], env);
  two = await spawnServer(root, ['--no-watch'], env);
}, 60_000);

afterAll(async () => {
  if (process.env.SHOW_OUTPUT) console.log(one?.output(), two?.output());
  await Promise.all([one && kill(one.child, 'SIGTERM'), two && kill(two.child, 'SIGTERM')]);
  await schema?.admin(`DROP SCHEMA IF EXISTS ${schema.name}_sys CASCADE`);
  await schema?.drop();
  rmSync(root, { recursive: true, force: true });
});

describe('jobs on two replicas with one PostgreSQL store', () => {
  it('shows a run of one replica on the other, with its progress, and cancels it from there', async () => {
    const onOne = await devLogin(one.url, ANA);
    const onTwo = await devLogin(two.url, ANA);
    // The second replica's event stream hears the run that the first one works on.
    const controller = new AbortController();
    const stream = await fetch(`${two.url}/api/apps/ledger/jobs/events`, { headers: { cookie: onTwo }, signal: controller.signal });
    const started = await request(`${one.url}/api/apps/ledger/jobs/slowCopy/runs`, { method: 'POST', json: { params: {} }, cookie: onOne });
    expect(started.status).toBe(202);
    const id = started.body.run.id;

    const seen: any[] = [];
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!seen.some((run) => run.id === id && run.progress.rows > 0)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      const blocks = text.split('\n\n');
      text = blocks.pop()!;
      for (const block of blocks) {
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (block.startsWith('event: run') && data) seen.push(JSON.parse(data.slice(6)));
      }
    }
    controller.abort();
    expect(seen.some((run) => run.id === id && run.status === 'running' && run.progress.rows > 0 && run.progress.rows < ITEMS)).toBe(true);

    const cancelled = await request(`${two.url}/api/apps/ledger/jobs/runs/${id}/cancel`, { method: 'POST', json: {}, cookie: onTwo });
    expect(cancelled.status).toBe(200);
    const ended = await waitFor(one, onOne, id, (run) => run.status === 'cancelled');
    expect(ended.steps[0].rows).toBeLessThan(ITEMS);
    expect(ended.steps[0].rows % 100).toBe(0);
    const totals = await request(`${two.url}/api/apps/ledger/queries/totals`, { method: 'POST', json: { page: { size: 1 } }, cookie: onTwo });
    expect(totals.body.total).toBe(ended.steps[0].rows);
  }, 60_000);

  it('starts each run queued on either replica once', async () => {
    const cookies = [await devLogin(one.url, ANA), await devLogin(two.url, ANA)];
    const tags = Array.from({ length: 8 }, (_, i) => `s${i}`);
    const ids = await Promise.all(
      tags.map(async (tag, i) => {
        const started = await request(`${[one, two][i % 2].url}/api/apps/ledger/jobs/stamp/runs`, { method: 'POST', json: { params: { tag } }, cookie: cookies[i % 2] });
        expect(started.status).toBe(202);
        return started.body.run.id as string;
      }),
    );
    for (const id of ids) await waitFor(one, cookies[0], id, (run) => run.status === 'succeeded');

    const stamps = await schema.admin(`SELECT tag, count(*)::int AS n FROM ${schema.name}.stamps GROUP BY tag ORDER BY tag`);
    expect(stamps.rows).toEqual(tags.map((tag) => ({ tag, n: 1 })));
    const outcomes = async (): Promise<string[]> =>
      (await schema.admin(`SELECT string_agg(record->>'outcome', ',' ORDER BY seq) AS outcomes FROM ${schema.name}_sys.audit_records WHERE record->>'run' = ANY(ARRAY['${ids.join("','")}']) GROUP BY record->>'run'`)).rows.map((row) => row.outcomes);
    // Each end's audit record is appended just after the run's status changes.
    for (const until = Date.now() + 5_000; (await outcomes()).some((list) => list !== 'queued,succeeded') && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await outcomes()).toEqual(ids.map(() => 'queued,succeeded'));
    // Each run reached a replica through a pg-boss entry of its own.
    const entries = await schema.admin(`SELECT DISTINCT singleton_key FROM ${schema.name}_sys_boss.job WHERE singleton_key = ANY(ARRAY['${ids.join("','")}'])`);
    expect(entries.rows.length).toBe(ids.length);
    // At most two ran at once, across both replicas.
    const { rows } = await schema.admin(`SELECT (run->>'startedAt')::timestamptz AS started, (run->>'finishedAt')::timestamptz AS finished FROM ${schema.name}_sys.job_runs WHERE id = ANY(ARRAY['${ids.join("','")}'])`);
    for (const run of rows) expect(rows.filter((other) => other.started <= run.started && other.finished > run.started).length).toBeLessThanOrEqual(2);
  }, 60_000);

  it('runs a schedule slot once in total', async () => {
    const cookie = await devLogin(one.url, ANA);
    // Waits for the next minute to start, and a little more, so both replicas had the chance to start the slot.
    const nextMinute = Math.ceil((Date.now() + 1000) / 60_000) * 60_000;
    await new Promise((resolve) => setTimeout(resolve, nextMinute - Date.now() + 4_000));
    const slot = new Date(nextMinute).toISOString().slice(0, 16);
    const list = (await request(`${two.url}/api/apps/ledger/jobs`, { cookie: await devLogin(two.url, ANA) })).body.runs;
    const forSlot = list.filter((run: any) => run.job === 'tick' && run.trigger === 'schedule');
    const ticks = await schema.admin(`SELECT count(*)::int AS n FROM ${schema.name}.ticks WHERE at >= '${slot}:00Z' AND at < '${slot}:00Z'::timestamptz + interval '1 minute'`);
    expect(ticks.rows[0].n).toBe(1);
    expect(forSlot.filter((run: any) => Date.parse(run.createdAt) >= nextMinute).length).toBe(1);
    expect((await request(`${one.url}/api/apps/ledger/jobs`, { cookie })).body.runs.map((run: any) => run.id)).toEqual(list.map((run: any) => run.id));
  }, 90_000);

  it('marks the runs of a killed replica interrupted on the other, which resumes them', async () => {
    const onOne = await devLogin(one.url, ANA);
    const onTwo = await devLogin(two.url, ANA);
    await schema.admin(`DELETE FROM ${schema.name}.totals`);
    const started = await request(`${one.url}/api/apps/ledger/jobs/slowCopy/runs`, { method: 'POST', json: { params: {} }, cookie: onOne });
    const id = started.body.run.id;
    // The run may start on either replica: the one whose id the run carries is killed.
    await waitFor(two, onTwo, id, (run) => run.status === 'running' && run.steps[0].rows >= 300);
    const owner = (await schema.admin(`SELECT owner FROM ${schema.name}_sys.job_runs WHERE id = '${id}'`)).rows[0].owner as string;
    const replicaOf = async (server: ServerProcess, cookie: string): Promise<string> => (await request(`${server.url}/api/version`, { cookie })).body.replica;
    const ownerIsOne = (await replicaOf(one, onOne)) === owner;
    expect(ownerIsOne || (await replicaOf(two, onTwo)) === owner).toBe(true);
    const [victim, survivor, cookie] = ownerIsOne ? [one, two, onTwo] : [two, one, onOne];
    await kill(victim.child, 'SIGKILL');

    // The survivor hears no heartbeat for the run any more and marks it interrupted after OPSDECK_RUN_STALE_MS.
    const interrupted = await waitFor(survivor, cookie, id, (run) => run.status === 'interrupted', 20_000);
    expect(interrupted.canResume).toBe(true);
    expect(interrupted.steps[0].rows).toBeGreaterThanOrEqual(300);
    expect(interrupted.steps[0].rows).toBeLessThan(ITEMS);
    const resumed = await request(`${survivor.url}/api/apps/ledger/jobs/runs/${id}/resume`, { method: 'POST', json: {}, cookie });
    expect(resumed.status).toBe(202);
    const done = await waitFor(survivor, cookie, id, (run) => run.status === 'succeeded', 40_000);
    expect(done.steps[0].rows).toBe(ITEMS);
    const totals = await schema.admin(`SELECT count(*)::int AS n FROM ${schema.name}.totals`);
    expect(totals.rows[0].n).toBe(ITEMS);
    // The end's audit record is appended just after the run's status changes, so it may land a moment after the poll above saw it.
    const outcomes = async (): Promise<string[]> => (await schema.admin(`SELECT record->>'outcome' AS outcome FROM ${schema.name}_sys.audit_records WHERE record->>'run' = '${id}' ORDER BY seq`)).rows.map((row) => row.outcome);
    for (const until = Date.now() + 5_000; (await outcomes()).length < 4 && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await outcomes()).toEqual(['queued', 'interrupted', 'queued', 'succeeded']);
    if (ownerIsOne) one = await spawnServer(root, ['--no-watch'], env);
    else two = await spawnServer(root, ['--no-watch'], env);
  }, 90_000);
});
