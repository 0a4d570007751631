// Jobs over the HTTP API, on a SQLite app served in-process: start, progress,
// cancel at a chunk boundary, resume without repeating a chunk, retries,
// concurrency, jobs that start jobs, authorization and audit records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import type { TempRoot } from '../helpers/apps.js';
import { ANA, ITEMS, OLE, jobsSpec, writeJobsApp } from './jobs-app.js';

interface AuditLine {
  user: string;
  object: string;
  outcome: string;
  run?: string;
  trigger?: string;
  params?: Record<string, unknown>;
  rows?: number;
  error?: string;
}

describe('jobs API', () => {
  let temp: TempRoot;
  let server: TestServer;
  let api: string;
  const cookies: Record<string, string> = {};

  // The service the flaky job calls: it fails the first two calls and succeeds on the third.
  let checks = 0;
  const service = createServer((req, res) => {
    checks += 1;
    res.writeHead(checks <= 2 ? 500 : 200, { 'content-type': 'application/json' });
    res.end(checks <= 2 ? '{"error":"not ready yet"}' : '{"ok":true}');
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    process.env.OPSDECK_TEST_FLAKY_URL = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
    temp = writeJobsApp(jobsSpec({ chunk: 50, slowCount: 15000, retryBackoff: '1s' }));
    server = await startServer(temp.root);
    api = `${server.url}/api/apps/ledger`;
    for (const user of [ANA, OLE]) cookies[user] = await devLogin(server.url, user);
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    temp?.remove();
    service.close();
    delete process.env.OPSDECK_TEST_FLAKY_URL;
  });

  const start = (job: string, params: Record<string, unknown>, user = ANA) => request(`${api}/jobs/${job}/runs`, { method: 'POST', json: { params }, cookie: cookies[user] });
  const getRun = async (id: string, user = ANA) => (await request(`${api}/jobs/runs/${id}`, { cookie: cookies[user] })).body.run;
  const waitFor = async (id: string, done: (run: any) => boolean, timeoutMs = 20_000): Promise<any> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const run = await getRun(id);
      if (done(run)) return run;
      if (Date.now() > until) throw new Error(`run ${id} did not reach the expected state; last: ${JSON.stringify(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const ended = (run: any): boolean => ['succeeded', 'failed', 'cancelled', 'interrupted'].includes(run.status);
  const totals = async (): Promise<{ count: number; sum: number }> => {
    const response = await request(`${api}/queries/totals`, { method: 'POST', json: { page: { size: 1 } }, cookie: cookies[ANA] });
    expect(response.status).toBe(200);
    return { count: response.body.total, sum: 0 };
  };
  const auditOf = (run: string): AuditLine[] =>
    readFileSync(join(temp.root, '.opsdeck', 'audit.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as AuditLine)
      .filter((line) => line.run === run);

  it('starts a run at once with 202 and runs every chunk in the background', async () => {
    const response = await start('rebuild', { factor: 2, token: 's3cret' });
    expect(response.status).toBe(202);
    expect(['queued', 'running']).toContain(response.body.run.status);
    expect(response.body.run.params).toEqual({ factor: 2, token: '***' });
    expect(response.body.run.startedBy).toEqual({ id: ANA, name: 'Ana Ops' });
    const run = await waitFor(response.body.run.id, ended);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((step: any) => [step.id, step.status])).toEqual([['clear', 'done'], ['copy', 'done'], ['stamp', 'done']]);
    expect(run.steps[1]).toMatchObject({ rows: ITEMS, rowsTotal: ITEMS, changes: ITEMS });
    expect(run.progress).toMatchObject({ stepsDone: 3, stepsTotal: 3, rows: ITEMS, rowsTotal: ITEMS, fraction: 1 });
    expect((await totals()).count).toBe(ITEMS);
    const audit = auditOf(run.id);
    expect(audit.map((line) => line.outcome)).toEqual(['queued', 'succeeded']);
    expect(audit[0]).toMatchObject({ user: ANA, object: 'job:rebuild', trigger: 'operator', params: { factor: 2, token: '***' } });
    expect(JSON.stringify(run)).not.toContain('s3cret');
    expect(readFileSync(join(temp.root, '.opsdeck', 'audit.jsonl'), 'utf8')).not.toContain('s3cret');
  });

  it('streams progress of runs as server-sent events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${api}/jobs/events`, { headers: { cookie: cookies[ANA] }, signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const started = await start('slowCopy', { factor: 1 });
    const seen: any[] = [];
    let text = '';
    const decoder = new TextDecoder();
    while (!seen.some((run) => run.id === started.body.run.id && run.status === 'succeeded')) {
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
    const mine = seen.filter((run) => run.id === started.body.run.id);
    expect(mine.at(-1).status).toBe('succeeded');
    // Progress arrives on the way: some event shows the copy step part done.
    expect(mine.some((run) => run.status === 'running' && run.progress.rows > 0 && run.progress.rows < ITEMS)).toBe(true);
  });

  it('cancels at a chunk boundary, keeping whole chunks, and resumes after the last one', async () => {
    const started = await start('slowCopy', { factor: 3 });
    const id = started.body.run.id;
    await waitFor(id, (run) => (run.steps[1]?.rows ?? 0) >= 500);
    const cancelled = await request(`${api}/jobs/runs/${id}/cancel`, { method: 'POST', json: {}, cookie: cookies[ANA] });
    expect(cancelled.status).toBe(200);
    const run = await waitFor(id, ended);
    expect(run.status).toBe('cancelled');
    const copied = run.steps[1].rows;
    expect(copied).toBeGreaterThanOrEqual(500);
    expect(copied).toBeLessThan(ITEMS);
    expect(copied % 50).toBe(0);
    expect((await totals()).count).toBe(copied);
    expect(run.canResume).toBe(true);

    const resumed = await request(`${api}/jobs/runs/${id}/resume`, { method: 'POST', json: {}, cookie: cookies[ANA] });
    expect(resumed.status).toBe(202);
    const finished = await waitFor(id, ended);
    // The clear step does not run again: every row is there, from before and after the cancel.
    expect(finished.status).toBe('succeeded');
    expect(finished.steps[1].rows).toBe(ITEMS);
    expect((await totals()).count).toBe(ITEMS);
    expect(auditOf(id).map((line) => line.outcome)).toEqual(['queued', 'cancelling', 'cancelled', 'queued', 'succeeded']);

    const again = await request(`${api}/jobs/runs/${id}/resume`, { method: 'POST', json: {}, cookie: cookies[ANA] });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('only an interrupted, failed or cancelled run');
    const late = await request(`${api}/jobs/runs/${id}/cancel`, { method: 'POST', json: {}, cookie: cookies[ANA] });
    expect(late.status).toBe(409);
  });

  it('runs one run of a job at a time; the next waits as queued', async () => {
    const first = await start('rebuild', { factor: 1 });
    const second = await start('rebuild', { factor: 1 });
    const during = await getRun(second.body.run.id);
    expect(during.status).toBe('queued');
    const firstDone = await waitFor(first.body.run.id, ended);
    const secondDone = await waitFor(second.body.run.id, ended);
    expect(firstDone.status).toBe('succeeded');
    expect(secondDone.status).toBe('succeeded');
    expect(Date.parse(secondDone.startedAt)).toBeGreaterThanOrEqual(Date.parse(firstDone.finishedAt));
  });

  it('retries a failed run with doubling backoff, from the step that failed, counting attempts', async () => {
    const started = await start('flaky', {});
    const id = started.body.run.id;
    const run = await waitFor(id, ended, 30_000);
    // The run and its audit records explain a failure here.
    expect(run.status, JSON.stringify({ run, audit: auditOf(id) })).toBe('succeeded');
    expect(run.attempt).toBe(3);
    expect(checks).toBe(3);
    // Each attempt called the service once, so it saw three calls; each failure is audited with its step.
    const failures = auditOf(id).filter((line) => line.outcome === 'failed');
    expect(failures).toHaveLength(2);
    expect(failures.every((line) => /^step check: .*500/.test(line.error ?? ''))).toBe(true);
    // The second wait is twice the first (1 s, then 2 s).
    // A failure with a retry is one event, so the run is never seen failed between attempts.
    const times = readFileSync(join(temp.root, '.opsdeck', 'jobs.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)).filter((event) => event.id === id && event.type === 'finished' && event.retryAt !== undefined);
    const waits = times.map((event) => Date.parse(event.retryAt) - Date.parse(event.at));
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(1000);
    expect(waits[0]).toBeLessThan(1500);
    expect(waits[1]).toBeGreaterThanOrEqual(2000);
    expect(waits[1]).toBeLessThan(2500);
    expect(auditOf(id).at(-1)!.outcome).toBe('succeeded');
  }, 40_000);

  it('starts another job from a job step, as the same user', async () => {
    const started = await start('chain', { factor: 4 });
    const run = await waitFor(started.body.run.id, ended);
    expect(run.status).toBe('succeeded');
    const list = await request(`${api}/jobs`, { cookie: cookies[ANA] });
    const child = list.body.runs.find((candidate: any) => candidate.job === 'rebuild' && candidate.trigger === 'job');
    expect(child).toMatchObject({ startedBy: { id: ANA }, params: { factor: 4 } });
    await waitFor(child.id, ended);
  });

  it('refuses users without the role (audited) and bad parameters with the field named', async () => {
    const denied = await start('rebuild', { factor: 1 }, OLE);
    expect(denied.status).toBe(403);
    const list = await request(`${api}/jobs`, { cookie: cookies[OLE] });
    expect(list.body).toEqual({ jobs: [], runs: [] });
    const bad = await start('rebuild', { factor: 500 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('params.factor');
    const extra = await request(`${api}/jobs/rebuild/runs`, { method: 'POST', json: { params: { factor: 1 }, sql: 'drop table items' }, cookie: cookies[ANA] });
    expect(extra.status).toBe(400);
    expect(extra.body.error.field).toBe('sql');
    // A value its options query does not return is refused, as for actions.
    const offered = await start('scaled', { factor: 2 });
    expect(offered.status).toBe(202);
    const notOffered = await start('scaled', { factor: 7 });
    expect(notOffered.status).toBe(400);
    expect(notOffered.body.error.field).toBe('params.factor');
    const unknown = await start('nope', {});
    expect(unknown.status).toBe(404);
    const someone = (await request(`${api}/jobs`, { cookie: cookies[ANA] })).body.runs[0].id;
    expect((await request(`${api}/jobs/runs/${someone}`, { cookie: cookies[OLE] })).status).toBe(404);
    expect((await request(`${api}/jobs/runs/${someone}/cancel`, { method: 'POST', json: {}, cookie: cookies[OLE] })).status).toBe(404);
    const lines = readFileSync(join(temp.root, '.opsdeck', 'audit.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as AuditLine);
    expect(lines.some((line) => line.user === OLE && line.object === 'job:rebuild' && line.outcome === 'denied')).toBe(true);
    expect(lines.some((line) => line.user === ANA && line.object === 'job:rebuild' && line.outcome === 'invalid')).toBe(true);
  });

  it('lists jobs with their forms and schedules, never their SQL', async () => {
    const list = await request(`${api}/jobs`, { cookie: cookies[ANA] });
    // Each response names its request, as the log lines of that request do.
    const again = await request(`${api}/jobs`, { cookie: cookies[ANA] });
    expect(list.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(again.headers.get('x-request-id')).not.toBe(list.headers.get('x-request-id'));
    const ids = list.body.jobs.map((job: any) => job.id);
    expect(ids).toEqual(['rebuild', 'slowCopy', 'scaled', 'flaky', 'chain', 'nightly']);
    const nightly = list.body.jobs.find((job: any) => job.id === 'nightly');
    expect(nightly.schedule).toMatchObject({ cron: '0 2 * * *', timeZone: 'Europe/Berlin' });
    expect(Date.parse(nightly.schedule.next)).toBeGreaterThan(Date.now());
    expect(JSON.stringify(list.body)).not.toMatch(/insert into|delete from|datasource/i);
    const view = await request(`${api}/spec`, { cookie: cookies[ANA] });
    expect(Object.keys(view.body.jobs)).toEqual(ids);
    expect(view.body.pages[0].components[0]).toEqual({ type: 'job', job: 'rebuild' });
    const viewer = await request(`${api}/spec`, { cookie: cookies[OLE] });
    expect(viewer.body.jobs).toEqual({});
    expect(viewer.body.pages[0].components.map((component: any) => component.type)).toEqual(['table']);
  });
});
