// Jobs over HTTP (see docs/jobs.md): list jobs and runs, start a run, cancel
// and resume it, and stream run changes as server-sent events. A user sees
// and acts on the runs of jobs they may run (`job:<id>` `run`); export runs
// are seen by the person who started them only.
import type Router from '@koa/router';
import { PassThrough } from 'node:stream';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { JobModel } from '../../core/model.js';
import type { AuditLog } from '../audit.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import type { LiveApp, Registry } from '../registry.js';
import { NO_RULE } from '../audit-events.js';
import { JobAuditUnavailable, type JobRunner } from '../jobs/runner.js';
import { RunConflict, RunStoreUnavailable, type JobRun } from '../jobs/run-state.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { publicParams } from './client-view.js';
import { readJsonObject } from './body.js';
import { HttpError, forbidden, invalid, notFound } from './errors.js';
import { tryAudit } from './execution-errors.js';
import { requireIdentity } from './identify.js';
import { checkOptionValues } from './option-values.js';
import { checkParams } from '../params.js';

export interface JobRouteDeps {
  registry: Registry;
  runner: JobRunner;
  scheduler?: Scheduler;
  audit: AuditLog;
  log: Logger;
  heartbeatMs?: number;
}

/** Runs listed by `GET /jobs`, newest first. */
export const LISTED_RUNS = 100;

/** Minimum time between two events of one run on one stream. */
const EVENT_INTERVAL_MS = 250;

/** Adds the job routes to the /api router. */
export function addJobRoutes(router: Router, deps: JobRouteDeps): void {
  const { registry, runner, audit, log } = deps;

  router.get('/apps/:app/jobs', async (ctx) => {
    const identity = requireIdentity(ctx);
    const app = appOf(registry, ctx.params.app);
    const next = deps.scheduler?.nextSlots(app) ?? {};
    const jobs = Object.values(app.model.jobs)
      .filter((job) => app.enforcer.allows(identity, `job:${job.id}`, 'run'))
      .map((job) => ({ id: job.id, ...jobInfo(job, next[job.id]?.at) }));
    const runs = (await runner.store.list(app.id, LISTED_RUNS * 4)).filter((run) => mayView(app, identity, run)).slice(0, LISTED_RUNS);
    ctx.body = { jobs, runs: runs.map((run) => runView(run, app, identity)) };
  });

  router.get('/apps/:app/jobs/events', (ctx) => {
    const identity = requireIdentity(ctx);
    const appId = appOf(registry, ctx.params.app).id;
    const stream = new PassThrough();
    const last = new Map<string, { sentAt: number; timer?: NodeJS.Timeout; run?: JobRun }>();
    const send = (run: JobRun): void => {
      const app = registry.get(appId);
      if (app === undefined || !mayView(app, identity, run)) return;
      stream.write(`event: run\ndata: ${JSON.stringify(runView(run, app, identity))}\n\n`);
    };
    // Chunks can change a run many times a second; each stream sends a run at most every EVENT_INTERVAL_MS, always ending with its latest state.
    const unsubscribe = runner.subscribe((run) => {
      if (run.app !== appId) return;
      const entry = last.get(run.id) ?? { sentAt: 0 };
      last.set(run.id, entry);
      entry.run = run;
      const wait = entry.sentAt + EVENT_INTERVAL_MS - Date.now();
      if (wait <= 0 && entry.timer === undefined) {
        entry.sentAt = Date.now();
        send(run);
        return;
      }
      entry.timer ??= setTimeout(() => {
        entry.timer = undefined;
        entry.sentAt = Date.now();
        if (entry.run !== undefined) send(entry.run);
      }, Math.max(0, wait));
    });
    const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), deps.heartbeatMs ?? 25_000);
    const stop = (): void => {
      clearInterval(heartbeat);
      for (const entry of last.values()) clearTimeout(entry.timer);
      unsubscribe();
      stream.end();
    };
    ctx.req.on('close', stop);
    ctx.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    ctx.status = 200;
    ctx.body = stream;
    stream.write(': connected\n\n');
  });

  router.get('/apps/:app/jobs/runs/:run', async (ctx) => {
    const identity = requireIdentity(ctx);
    const app = appOf(registry, ctx.params.app);
    const run = await visibleRun(runner, app, identity, ctx.params.run);
    ctx.body = { run: runView(run, app, identity) };
  });

  // The file of a background export, for the person who started it while they may still export the query.
  router.get('/apps/:app/jobs/runs/:run/download', async (ctx) => {
    if (ctx.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'Downloads support GET only.');
    const identity = requireIdentity(ctx);
    if (ctx.get('Sec-Fetch-Site') === 'cross-site') throw new HttpError(403, 'cross_site_request', 'Downloads cannot be started from another site. Open the app\'s Jobs page and use its link.');
    const app = appOf(registry, ctx.params.app);
    const run = await visibleRun(runner, app, identity, ctx.params.run);
    if (run.kind !== 'export' || run.status !== 'succeeded' || run.result === undefined) throw notFound(`A file of run "${run.id}"`);
    if (!mayAct(app, identity, run)) throw forbidden();
    const file = join(registry.root, '.opsdeck', 'exports', basename(run.result.file));
    let stream: ReturnType<typeof createReadStream>;
    try {
      await access(file);
      stream = createReadStream(file);
    } catch {
      throw new HttpError(410, 'gone', `The file of this export was removed from the server. Export again from the table.`);
    }
    const base = { user: identity.id, groups: identity.groups, app: app.id, object: `query:${run.job}`, specVersion: app.specVersion, contentHash: app.model.version, run: run.id, rows: run.result.rows };
    try {
      await audit.append({ ...base, outcome: 'downloaded' });
    } catch (err) {
      stream.destroy();
      log.error({ err, app: app.id, run: run.id }, 'audit log unavailable; export file not sent');
      throw new HttpError(503, 'audit_unavailable', 'The file was not sent because its audit record could not be written. Try again later or tell an administrator.');
    }
    const jsonl = run.result.file.endsWith('.jsonl');
    ctx.set({ 'Content-Disposition': `attachment; filename="${run.result.filename.replace(/[^A-Za-z0-9_.-]/g, '_')}"`, 'Cache-Control': 'no-store' });
    ctx.type = jsonl ? 'application/x-ndjson; charset=utf-8' : 'text/csv; charset=utf-8';
    ctx.body = stream;
  });

  router.post('/apps/:app/jobs/:job/runs', async (ctx) => {
    const identity = requireIdentity(ctx);
    const app = appOf(registry, ctx.params.app);
    const job = Object.hasOwn(app.model.jobs, ctx.params.job) ? app.model.jobs[ctx.params.job] : undefined;
    if (job === undefined) throw notFound(`Job "${ctx.params.job}" of app "${app.id}"`);
    const decision = app.enforcer.decide(identity, `job:${job.id}`, 'run');
    const base = { user: identity.id, groups: identity.groups, app: app.id, object: `job:${job.id}`, rule: decision.rule ?? NO_RULE, specVersion: app.specVersion, contentHash: app.model.version };
    if (!decision.allowed) {
      log.warn({ user: identity.id, app: app.id, object: `job:${job.id}`, act: 'run', rule: NO_RULE }, 'denied');
      await tryAudit(audit, log, { ...base, outcome: 'denied' });
      throw forbidden();
    }
    const body = await readJsonObject(ctx);
    const extra = Object.keys(body).filter((key) => key !== 'params');
    if (extra.length > 0) throw invalid('invalid_request', extra.map((key) => ({ field: key, message: 'is not part of this request; send only params.' })));
    let run: JobRun;
    try {
      // Values of parameters with `options: { query }` must be among those the options query returns for this user.
      const params = checkParams(job.paramsSchema, body.params ?? {});
      await checkOptionValues(app, identity, job.spec.params, params, log);
      run = await runner.start({ app, job, user: { id: identity.id, name: identity.name, groups: identity.groups, attributes: identity.attributes }, params, trigger: 'operator' });
    } catch (err) {
      if (err instanceof HttpError) {
        await tryAudit(audit, log, { ...base, outcome: 'invalid', error: err.message });
        throw err;
      }
      throw storeError(err, 'The job was not started');
    }
    ctx.status = 202;
    ctx.body = { run: runView(run, app, identity) };
  });

  router.post('/apps/:app/jobs/runs/:run/cancel', async (ctx) => {
    const identity = requireIdentity(ctx);
    const app = appOf(registry, ctx.params.app);
    const run = await visibleRun(runner, app, identity, ctx.params.run);
    if (!mayAct(app, identity, run)) throw forbidden();
    try {
      ctx.body = { run: runView(await runner.cancel(run, identity), app, identity) };
    } catch (err) {
      if (err instanceof RunConflict) throw new HttpError(409, 'conflict', `The run is ${run.status}, so it cannot be cancelled.`);
      throw storeError(err, 'The run was not cancelled');
    }
  });

  router.post('/apps/:app/jobs/runs/:run/resume', async (ctx) => {
    const identity = requireIdentity(ctx);
    const app = appOf(registry, ctx.params.app);
    const run = await visibleRun(runner, app, identity, ctx.params.run);
    if (!mayAct(app, identity, run)) throw forbidden();
    try {
      const resumed = await runner.resume(run, app.model.jobs[run.job], identity);
      ctx.status = 202;
      ctx.body = { run: runView(resumed, app, identity) };
    } catch (err) {
      if (err instanceof RunConflict) throw new HttpError(409, 'conflict', `The run cannot be resumed: ${err.message}.`);
      throw storeError(err, 'The run was not resumed');
    }
  });
}

/** Builds the client form of a job: what its start form needs, never its SQL or data sources. */
export function jobInfo(job: JobModel, next?: Date): Record<string, unknown> {
  const schedule = job.spec.schedule;
  return {
    title: job.spec.title,
    ...(job.spec.description === undefined ? {} : { description: job.spec.description }),
    ...publicParams(job.spec.params, job.spec.required),
    ...(schedule === undefined ? {} : { schedule: { cron: schedule.cron, timeZone: schedule.timeZone, ...(next === undefined ? {} : { next: next.toISOString() }) } }),
  };
}

/** Works out a run's progress: steps done, rows walked against their count, the fraction done and, for a running batch step, the seconds left. */
export function runProgress(run: JobRun, now = Date.now()): Record<string, number> {
  const stepsDone = run.steps.filter((step) => step.status === 'done').length;
  const current = run.steps.find((step) => step.status === 'running');
  const rows = run.steps.reduce((sum, step) => sum + (step.rows ?? 0), 0);
  const totals = run.steps.filter((step) => step.rowsTotal !== undefined);
  const rowsTotal = totals.length === 0 ? undefined : totals.reduce((sum, step) => sum + step.rowsTotal!, 0);

  let fraction: number | undefined;
  if (run.status === 'succeeded') fraction = 1;
  // A run that has not begun has no fraction, so the browser shows it as waiting rather than at 0 %.
  else if (run.steps.length > 0 && !(run.status === 'queued' && stepsDone === 0)) {
    const within = current?.rowsTotal ? Math.min(1, (current.rows ?? 0) / current.rowsTotal) : 0;
    fraction = (stepsDone + within) / run.steps.length;
  }

  let etaSeconds: number | undefined;
  if (current?.rowsTotal && current.startedAt !== undefined && (run.status === 'running' || run.status === 'cancelling')) {
    const walked = (current.rows ?? 0) - (current.rowsAtStart ?? 0);
    const elapsed = (now - Date.parse(current.startedAt)) / 1000;
    if (walked > 0 && elapsed > 0) etaSeconds = Math.round(((current.rowsTotal - (current.rows ?? 0)) * elapsed) / walked);
  }
  return { stepsDone, stepsTotal: run.steps.length, rows, ...(rowsTotal === undefined ? {} : { rowsTotal }), ...(fraction === undefined ? {} : { fraction }), ...(etaSeconds === undefined ? {} : { etaSeconds }) };
}

/** Builds the browser's view of a run: masked parameters, its progress, and no checkpoint keys or step outputs. */
export function runView(run: JobRun, app: LiveApp, identity: Identity): Record<string, unknown> {
  const act = mayAct(app, identity, run);
  return {
    id: run.id,
    app: run.app,
    job: run.job,
    title: run.title,
    kind: run.kind,
    status: run.status,
    trigger: run.trigger,
    startedBy: { id: run.startedBy.id, name: run.startedBy.name },
    params: run.maskedParams,
    createdAt: run.createdAt,
    ...(run.startedAt === undefined ? {} : { startedAt: run.startedAt }),
    ...(run.finishedAt === undefined ? {} : { finishedAt: run.finishedAt }),
    attempt: run.attempt,
    maxAttempts: run.maxAttempts,
    ...(run.retryAt === undefined ? {} : { retryAt: run.retryAt }),
    steps: run.steps.map((step) => ({
      id: step.id,
      ...(step.title === undefined ? {} : { title: step.title }),
      status: step.status,
      ...(step.rows === undefined ? {} : { rows: step.rows }),
      ...(step.rowsTotal === undefined ? {} : { rowsTotal: step.rowsTotal }),
      ...(step.changes === undefined ? {} : { changes: step.changes }),
    })),
    progress: runProgress(run),
    ...(run.error === undefined ? {} : { error: run.error }),
    ...(run.result === undefined ? {} : { result: { filename: run.result.filename, bytes: run.result.bytes, rows: run.result.rows, url: `/api/apps/${encodeURIComponent(run.app)}/jobs/runs/${encodeURIComponent(run.id)}/download` } }),
    canCancel: act && (run.status === 'queued' || run.status === 'running'),
    canResume: act && (run.status === 'interrupted' || run.status === 'failed' || run.status === 'cancelled'),
  };
}

/** Job runs: visible to those who may run the job. Export runs: to the person who started them. */
export function mayView(app: LiveApp, identity: Identity, run: JobRun): boolean {
  if (run.kind === 'export') return run.startedBy.id === identity.id;
  return app.enforcer.allows(identity, `job:${run.job}`, 'run');
}

function mayAct(app: LiveApp, identity: Identity, run: JobRun): boolean {
  if (run.kind === 'export') return run.startedBy.id === identity.id && app.enforcer.allows(identity, `query:${run.job}`, 'export');
  return app.enforcer.allows(identity, `job:${run.job}`, 'run');
}

/** Returns a run the user may see. Unknown runs and runs they may not see both raise 404, so run ids do not leak. */
export async function visibleRun(runner: JobRunner, app: LiveApp, identity: Identity, id: string): Promise<JobRun> {
  const run = await runner.store.get(app.id, id);
  if (run === undefined || !mayView(app, identity, run)) throw notFound(`Run "${id}" of app "${app.id}"`);
  return run;
}

function appOf(registry: Registry, id: string): LiveApp {
  const app = registry.get(id);
  if (app === undefined) throw notFound(`App "${id}"`);
  return app;
}

function storeError(err: unknown, what: string): HttpError {
  if (err instanceof JobAuditUnavailable) return new HttpError(503, 'audit_unavailable', `${what} because its audit record could not be written. Try again later or tell an administrator.`);
  if (err instanceof RunStoreUnavailable) return new HttpError(503, 'store_unavailable', `${what} because the server could not record it. Try again later or tell an administrator.`);
  throw err;
}
