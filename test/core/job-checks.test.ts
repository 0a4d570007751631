// Load-time checks of `jobs:`, each with the code, line and column a
// developer sees, and the exact message where the wording matters.
import { describe, expect, test } from 'vitest';
import { buildApp } from '../../core/build-app.js';

/** Builds a spec whose `jobs:` map is `jobLines` (YAML at job indentation). */
function specWith(jobLines: string, pageJob = 'sync'): string {
  return `opsdeck: 1
id: s
title: S
datasources:
  main: { kind: sqlite, file: a.sqlite }
  api: { kind: http, baseUrl: "http://127.0.0.1:9/v1" }
roles:
  r: { members: { users: [u] } }
jobs:
${jobLines}
pages:
  p: { title: P, allow: [r], components: [{ job: { job: ${pageJob} } }] }
`;
}

const build = (jobLines: string, pageJob?: string) => buildApp({ file: 'app.yaml', text: specWith(jobLines, pageJob) });
const errors = (jobLines: string, pageJob?: string) => build(jobLines, pageJob).diagnostics.filter((d) => d.severity === 'error').map((d) => ({ code: d.code, line: d.line, col: d.col, message: d.message }));
const codes = (jobLines: string) => errors(jobLines).map((d) => `${d.code}@${d.line}:${d.col}`);

const VALID = `  sync:
    title: Sync
    params: { month: { type: string }, limit: { type: integer } }
    required: [month]
    allow: [r]
    concurrency: 2
    retry: { attempts: 3, backoff: 30s }
    schedule: { cron: '0 2 * * MON-FRI', timeZone: Europe/Berlin, missed: run, params: { month: '2026-01', limit: 5 } }
    steps:
      - { id: clear, datasource: main, sql: "delete from t where month = :month" }
      - id: walk
        datasource: main
        batch: { query: "select id from src where month = :month", key: id, size: 100 }
        sql: "insert into t select * from src where id between :batch.first and :batch.last and :batch.rows > 0"
      - id: call
        datasource: api
        request: { method: POST, path: "/sync/{month}", body: { rows: "{{ steps.walk.rows }}" } }
      - { id: next, job: other, params: { month: "{{ params.month }}" } }
  other:
    title: Other
    params: { month: { type: string } }
    required: [month]
    allow: [r]
    steps:
      - { id: one, datasource: main, sql: "select :month" }`;

describe('job checks', () => {
  test('a valid job builds into a model with its steps, batch and policy grant', () => {
    const result = build(VALID);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const job = result.model!.jobs.sync;
    expect(job.steps.map((step) => step.kind)).toEqual(['sql', 'sql', 'http', 'job']);
    const walk = job.steps[1] as { batch?: { key: string; size: number } };
    expect(walk.batch).toMatchObject({ key: 'id', size: 100 });
    expect(result.model!.policy.policies).toContainEqual(['role:r', 's', 'job:sync', 'run']);
  });

  test('a step with no kind, or two kinds', () => {
    expect(codes(`  sync:
    title: Sync
    allow: [r]
    steps:
      - { id: a, datasource: main }
      - { id: b, datasource: main, sql: "select 1", job: sync2 }`)).toEqual(['step-kind-missing@14:9', 'step-kind-missing@15:9']);
  });

  test('cron errors point into the expression; unknown zones at timeZone', () => {
    const found = errors(`  sync:
    title: Sync
    allow: [r]
    schedule: { cron: '0 25 * * *', timeZone: Europe/Berln }
    steps:
      - { id: a, datasource: main, sql: "select 1" }`);
    expect(found.map((d) => `${d.code}@${d.line}:${d.col}`)).toEqual(['schedule-cron@13:26', 'schedule-time-zone@13:47']);
    expect(found[0].message).toBe('hour field "25" is out of range 0-23');
    expect(found[1].message).toContain('unknown time zone "Europe/Berln"');
  });

  test('schedule parameters: unknown, wrong type, missing required', () => {
    const found = errors(`  sync:
    title: Sync
    params: { month: { type: string }, limit: { type: integer } }
    required: [month]
    allow: [r]
    schedule: { cron: '@daily', timeZone: UTC, params: { limit: 2.5, mnth: x } }
    steps:
      - { id: a, datasource: main, sql: "select :month, :limit" }`);
    expect(found.map((d) => d.code)).toEqual(['schedule-param-invalid', 'unknown-param', 'job-params-missing']);
    expect(found[0].message).toBe('scheduled value 2.5 of `limit` is not a whole number');
  });

  test('names a job step reads: undeclared parameters, batch values outside a batch, later steps', () => {
    const found = errors(`  sync:
    title: Sync
    params: { month: { type: string } }
    allow: [r]
    steps:
      - { id: a, datasource: main, sql: "select :mnth, :batch.first, :steps.b.changes" }
      - { id: b, datasource: main, sql: "select 1" }`);
    expect(found.map((d) => `${d.code}@${d.line}:${d.col}`)).toEqual(['sql-undeclared-param@15:49', 'step-unknown-ref@15:70', 'template-unknown-scope@15:56']);
    expect(found[0].message).toBe('`:mnth` names parameter `mnth`, which the job does not declare under `params:`');
  });

  test('batch settings: no sql, expect on a batch, a walk query reading a step', () => {
    expect(codes(`  sync:
    title: Sync
    allow: [r]
    steps:
      - { id: a, datasource: main, batch: { query: "select id from t", key: id } }
      - id: b
        datasource: main
        batch: { query: "select id from t where x = :steps.a.changes", key: id }
        sql: "update t set y = 1 where id between :batch.first and :batch.last"
        expect: { rows: 1 }`)).toEqual(['step-kind-missing@14:9', 'step-option-mismatch@19:9', 'template-unknown-scope@17:53']);
  });

  test('job steps: unknown job with a suggestion, unknown and missing parameters, a loop of jobs', () => {
    const found = errors(`  sync:
    title: Sync
    params: { month: { type: string } }
    allow: [r]
    steps:
      - { id: a, job: othr }
      - { id: b, job: other, params: { mnth: "{{ params.month }}" } }
  other:
    title: Other
    params: { month: { type: string } }
    required: [month]
    allow: [r]
    steps:
      - { id: c, job: sync }`);
    expect(found.map((d) => `${d.code}@${d.line}:${d.col}`)).toEqual(['unknown-job@15:23', 'unknown-param@16:40', 'job-params-missing@16:23', 'job-cycle@23:23']);
    expect(found[3].message).toBe('jobs start each other in a loop: `sync` → `other` → `sync`');
  });

  test('roles, retry backoff and the page component are checked', () => {
    const found = errors(`  sync:
    title: Sync
    allow: [nobody]
    retry: { attempts: 2, backoff: soon }
    steps:
      - { id: a, datasource: main, sql: "select 1" }`, 'snyc');
    expect(found.map((d) => d.code)).toEqual(['unknown-role', 'job-duration', 'unknown-job']);
  });
});
