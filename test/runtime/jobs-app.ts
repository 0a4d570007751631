// A small SQLite app with jobs, written into a temporary folder for the job
// tests: `rebuild` copies 5,000 items into `totals` in chunks, `flaky` calls a
// service that fails as often as the test's mock says, `chain` starts
// `rebuild`, and `nightly` has a schedule.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TempRoot } from '../helpers/apps.js';

export const ANA = 'ana@jobs.example';
export const OLE = 'ole@jobs.example';
export const ITEMS = 5000;

export function jobsSpec(options: { chunk?: number; retryBackoff?: string; slowCount?: number } = {}): string {
  return `
opsdeck: 1
id: ledger
title: Ledger
datasources:
  main: { kind: sqlite, file: data/ledger.sqlite, migrations: migrations }
  # A service the flaky job calls; tests start a mock on 127.0.0.1 and name it in OPSDECK_TEST_FLAKY_URL.
  service: { kind: http, baseUrl: "\${env:OPSDECK_TEST_FLAKY_URL:-http://127.0.0.1:9}", retries: 0, timeoutMs: 2000 }
roles:
  ops: { members: { groups: [ops] } }
  viewer: { members: { groups: [viewers] } }
devUsers:
  - { id: ${ANA}, name: Ana Ops, groups: [ops] }
  - { id: ${OLE}, name: Ole Viewer, groups: [viewers] }
actions:
  makeReady:
    title: Make the flaky job ready
    datasource: main
    sql: "update flags set ready = 1 where name = 'flaky'"
    allow: [ops]
queries:
  factors:
    datasource: main
    sql: select 1 as factor union all select 2 union all select 3
    allow: [ops]
  totals:
    datasource: main
    sql: select id, amount from totals
    allow: [ops, viewer]
  items:
    datasource: main
    sql: |
      select id, amount, case when id % 1000 = 0 then '=1+2' else 'plain, "quoted"' end as note from items where amount >= :minimum
    params: { minimum: { type: integer } }
    required: [minimum]
    key: id
    allow: [ops, viewer]
    export: { allow: [ops] }
jobs:
  rebuild:
    title: Rebuild totals
    description: Copies every item into the totals table, multiplied by a factor.
    params:
      factor: { type: integer, minimum: 1, maximum: 100, title: Factor }
      token: { type: string, secret: true }
    required: [factor]
    allow: [ops]
    steps:
      - { id: clear, title: Clear totals, datasource: main, sql: delete from totals }
      - id: copy
        title: Copy items
        datasource: main
        batch: { query: 'select id from items where amount >= 0', key: id, size: ${options.chunk ?? 250} }
        # A crash between a chunk's commit and its checkpoint runs that chunk again on resume, so the statement is an upsert.
        sql: |
          insert into totals (id, amount) select id, amount * :factor from items where id between :batch.first and :batch.last
          on conflict (id) do update set amount = excluded.amount
      - { id: stamp, datasource: main, sql: "insert into runs_log (note) values ('rebuilt ' || :steps.copy.rows)" }
  slowCopy:
    title: Slow copy
    description: Copies like rebuild, but each chunk also counts to ${options.slowCount ?? 4000}, so a run lasts long enough to watch and stop.
    params:
      factor: { type: integer, minimum: 1, maximum: 100 }
    required: [factor]
    allow: [ops]
    steps:
      - { id: clear, datasource: main, sql: delete from totals }
      - id: copy
        datasource: main
        batch: { query: select id from items, key: id, size: ${options.chunk ?? 250} }
        sql: |
          insert into totals (id, amount) select id, amount * :factor from items
          where id between :batch.first and :batch.last
            and (with recursive n(i) as (select 1 union all select i + 1 from n where i < ${options.slowCount ?? 4000}) select count(*) from n) > 0
          on conflict (id) do update set amount = excluded.amount
  scaled:
    title: Scaled copy
    params:
      factor: { type: integer, title: Factor, options: { query: factors, value: factor } }
    required: [factor]
    allow: [ops]
    steps:
      - { id: stamp, datasource: main, sql: "insert into runs_log (note) values ('scaled ' || :factor)" }
  flaky:
    title: Flaky job
    allow: [ops]
    retry: { attempts: 3, backoff: ${options.retryBackoff ?? '1s'} }
    steps:
      - { id: count, datasource: main, sql: "update flags set tries = tries + 1 where name = 'flaky'" }
      - id: check
        datasource: service
        request: { method: POST, path: /check }
  chain:
    title: Chain
    params: { factor: { type: integer } }
    required: [factor]
    allow: [ops]
    steps:
      - { id: start, job: rebuild, params: { factor: '{{ params.factor }}' } }
  nightly:
    title: Nightly stamp
    allow: [ops]
    schedule: { cron: '0 2 * * *', timeZone: Europe/Berlin, missed: run }
    steps:
      - { id: stamp, datasource: main, sql: "insert into runs_log (note) values ('nightly')" }
pages:
  totals:
    title: Totals
    allow: [ops, viewer]
    components:
      - job: { job: rebuild }
      - table: { query: totals, columns: [id, amount] }
`;
}

const MIGRATION = `
create table items (id integer primary key, amount integer not null);
with recursive n(i) as (select 1 union all select i + 1 from n where i < ${ITEMS})
insert into items (id, amount) select i, i % 97 from n;
create table totals (id integer primary key, amount integer not null);
create table runs_log (id integer primary key, note text not null);
create table flags (name text primary key, tries integer not null, ready integer not null default 0);
insert into flags (name, tries) values ('flaky', 0);
`;

/** Writes the ledger app into a new temporary root with the development sign-in. */
export function writeJobsApp(spec = jobsSpec()): TempRoot {
  const root = mkdtempSync(join(tmpdir(), 'opsdeck-jobs-'));
  const appDir = join(root, 'ledger');
  mkdirSync(join(appDir, 'migrations'), { recursive: true });
  writeFileSync(join(appDir, 'app.yaml'), spec);
  writeFileSync(join(appDir, 'migrations', '001_items.sql'), MIGRATION);
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  return { root, appDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}
