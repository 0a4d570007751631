// Runs the steps of one job run, from its first step not yet done. Each SQL
// step is its own transaction; a batch step walks its query in key order and
// commits one transaction per chunk, recording the chunk's last key after the
// commit, so a cancelled, interrupted or failed run keeps whole chunks only
// and a resumed run starts after the last one. Between chunks the loop yields
// to the event loop, so requests are served while a job runs.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { BatchModel, JobModel, JobStepModel, SqlStepModel } from '../../core/model.js';
import type { StepScope } from '../../core/step-templates.js';
import { bindValues, statementFor } from '../bind.js';
import type { Datasource } from '../datasources/datasource.js';
import { ExpectationFailed, StatementTimeout, DatasourceUnavailable } from '../datasources/datasource.js';
import type { CellValue } from '../datasources/values.js';
import type { Identity } from '../identity.js';
import type { LiveApp } from '../registry.js';
import { flatScope, runSqlStep, sendHttpStep } from '../actions/run-steps.js';
import { UnsafeRequestValue } from '../datasources/http-url.js';
import { HttpRequestFailed } from '../datasources/http.js';
import type { ChunkKey, JobRun, RecordOptions, RunEvent } from './run-state.js';

/**
 * Maximum time between two checkpoints of a batch step whose data source
 * defers durability. Each checkpoint rewrites the sql.js file, which blocks
 * the event loop for a time that grows with the database, so they are rare;
 * progress in between is recorded in memory only.
 */
export const CHECKPOINT_MS = checkpointMsFrom(process.env.OPSDECK_CHECKPOINT_MS);

/** Reads `OPSDECK_CHECKPOINT_MS` (a whole number of milliseconds from 10 to 600000); 5000 when unset or invalid. */
function checkpointMsFrom(text: string | undefined): number {
  const value = Number(text);
  return text !== undefined && Number.isInteger(value) && value >= 10 && value <= 600_000 ? value : 5000;
}

/** Callbacks the steps use to record progress, check for a stop and start other jobs. */
export interface StepHooks {
  /** Records an event of this run durably; the run's state after it. */
  record(event: Exclude<RunEvent, { type: 'created' } | { type: 'finished' } | { type: 'interrupted' } | { type: 'requeued' } | { type: 'cancel-requested' }>, options?: RecordOptions): Promise<JobRun>;
  /** True once the run should stop at the next chunk boundary: cancelled, or the server is shutting down. */
  stopRequested(): 'cancel' | 'shutdown' | undefined;
  /** Starts a run of another job as the same user; returns its id. */
  startJob(job: string, params: Record<string, unknown>): Promise<string>;
}

/** The end of a run's steps: succeeded, stopped (cancelled or shut down) or failed at a step. */
export type StepsEnd = { status: 'succeeded' } | { status: 'stopped'; why: 'cancel' | 'shutdown' } | { status: 'failed'; step: string; message: string; cause: unknown };

/** Runs the steps of `run` that are not done yet, and returns a step failure as a result instead of raising it. */
export async function runJobSteps(app: LiveApp, job: JobModel, run: JobRun, identity: Identity, hooks: StepHooks): Promise<StepsEnd> {
  const scope: StepScope = { params: run.params, user: { id: identity.id, email: identity.email ?? null, name: identity.name }, steps: {} };
  for (const state of run.steps) if (state.status === 'done' && state.outputs !== undefined) scope.steps[state.id] = state.outputs;
  for (const step of job.steps) {
    const state = run.steps.find((candidate) => candidate.id === step.id);
    if (state?.status === 'done') continue;
    const stop = hooks.stopRequested();
    if (stop !== undefined) return { status: 'stopped', why: stop };
    try {
      const end = await runStep(app, step, scope, identity, hooks, state?.after, state?.rows ?? 0, state?.changes ?? 0);
      if (end !== undefined) return end;
    } catch (err) {
      return { status: 'failed', step: step.id, message: describeFailure(step, err), cause: err };
    }
  }
  return { status: 'succeeded' };
}

async function runStep(app: LiveApp, step: JobStepModel, scope: StepScope, identity: Identity, hooks: StepHooks, after: ChunkKey | undefined, rowsSoFar: number, changesSoFar: number): Promise<StepsEnd | undefined> {
  const at = (): string => new Date().toISOString();
  if (step.kind === 'job') {
    await hooks.record({ type: 'step-started', id: '', at: at(), step: step.id });
    const params = fillParams(step.params, scope);
    const runId = await hooks.startJob(step.job, params);
    scope.steps[step.id] = { run: runId };
    await hooks.record({ type: 'step-done', id: '', at: at(), step: step.id, outputs: { run: runId } });
    return undefined;
  }
  if (step.kind === 'http') {
    await hooks.record({ type: 'step-started', id: '', at: at(), step: step.id });
    const outputs = await sendHttpStep(step, app.services.get(step.datasource)!, scope);
    await hooks.record({ type: 'step-done', id: '', at: at(), step: step.id, outputs });
    return undefined;
  }
  const source = app.datasources.get(step.datasource)!;
  if (step.batch === undefined) {
    await hooks.record({ type: 'step-started', id: '', at: at(), step: step.id });
    const result = await source.transaction('commit', (tx) => runSqlStep(step, tx, source, scope, identity));
    await hooks.record({ type: 'step-done', id: '', at: at(), step: step.id, changes: result.changes, outputs: scope.steps[step.id] });
    return undefined;
  }
  return runBatchStep(source, step as SqlStepModel & { batch: BatchModel }, scope, identity, hooks, after, rowsSoFar, changesSoFar);
}

/** Walks the batch query chunk by chunk; each chunk's statement commits before its last key is recorded. */
async function runBatchStep(source: Datasource, step: SqlStepModel & { batch: BatchModel }, scope: StepScope, identity: Identity, hooks: StepHooks, after: ChunkKey | undefined, rowsSoFar: number, changesSoFar: number): Promise<StepsEnd | undefined> {
  const { batch } = step;
  const walk = statementFor(source, batch);
  const walkValues = bindValues(walk, scope.params, identity, source.dialect, batch.paramsSchema);
  const key = source.quoteIdentifier(batch.key);
  const counted = await source.query(`SELECT count(*) AS n FROM (${walk.text}) AS opsdeck_walk`, walkValues);
  const rowsTotal = Number(counted.rows[0]?.n ?? 0);
  await hooks.record({ type: 'step-started', id: '', at: new Date().toISOString(), step: step.id, rowsTotal });

  const next = walkValues.length + 1;
  const firstChunk = `SELECT ${key} AS k FROM (${walk.text}) AS opsdeck_walk ORDER BY ${key} LIMIT ${batch.size}`;
  const laterChunk = `SELECT ${key} AS k FROM (${walk.text}) AS opsdeck_walk WHERE ${key} > ${source.placeholder(next)} ORDER BY ${key} LIMIT ${batch.size}`;
  let rows = rowsSoFar;
  let changes = changesSoFar;
  let last = after;
  // Where commits can defer their durability (sql.js rewrites its whole file on each durable commit), chunks are made durable
  // together at most every CHECKPOINT_MS. A chunk's key is recorded only after that, so the checkpoint never runs ahead of the data.
  const deferred = source.flush !== undefined;
  let recorded = last;
  let recordedAt = Date.now();
  const checkpoint = async (): Promise<void> => {
    if (last === recorded || last === undefined) return;
    if (deferred) await source.flush!();
    await hooks.record({ type: 'chunk', id: '', at: new Date().toISOString(), step: step.id, after: last, rows, changes });
    recorded = last;
    recordedAt = Date.now();
  };
  try {
    for (;;) {
      const stop = hooks.stopRequested();
      if (stop !== undefined) {
        await checkpoint();
        return { status: 'stopped', why: stop };
      }
      const chunk = last === undefined ? await source.query(firstChunk, walkValues) : await source.query(laterChunk, [...walkValues, last]);
      if (chunk.rows.length === 0) break;
      const keys = chunk.rows.map((row) => chunkKey(row.k));
      if (keys.some((value) => value === null)) throw new BatchKeyInvalid(step.id, batch.key);
      const first = keys[0]!;
      const lastKey = keys[keys.length - 1]!;
      const values = { ...flatScope(scope), 'batch.first': first, 'batch.last': lastKey, 'batch.rows': keys.length };
      const sql = statementFor(source, step);
      const bound = bindValues(sql, values, identity, source.dialect, step.paramsSchema);
      const result = await source.transaction('commit', (tx) => tx.run(sql.text, bound), { deferDurability: deferred });
      rows += keys.length;
      changes += result.changes;
      last = lastKey;
      if (!deferred || Date.now() - recordedAt >= CHECKPOINT_MS) await checkpoint();
      else await hooks.record({ type: 'chunk', id: '', at: new Date().toISOString(), step: step.id, after: last, rows, changes }, { durable: false });
      if (keys.length < batch.size) break;
      await yieldToEventLoop();
    }
    await checkpoint();
  } catch (err) {
    // The chunks committed before the failure stay, and so does their checkpoint.
    await checkpoint().catch(() => undefined);
    throw err;
  }
  scope.steps[step.id] = { changes, rows };
  await hooks.record({ type: 'step-done', id: '', at: new Date().toISOString(), step: step.id, changes, rows, outputs: { changes, rows } });
  return undefined;
}

/** Raised when the walk query gives a null key, which cannot order a walk. */
export class BatchKeyInvalid extends Error {
  constructor(step: string, key: string) {
    super(`the batch query of step ${step} returned a null \`${key}\`; the key must be a unique, non-null column`);
  }
}

/** Converts a key to the form stored in the run (a number or a string, as the database returned it), or null when it cannot order a walk. */
function chunkKey(value: CellValue | undefined): ChunkKey | null {
  if (typeof value === 'number' || typeof value === 'string') return value;
  return null;
}

/** Fills the `{{ params.<name> }}` templates of a `job:` step's parameters. A string that is one placeholder keeps the value's type. */
function fillParams(params: Record<string, string | number | boolean | null>, scope: StepScope): Record<string, unknown> {
  const filled: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== 'string') {
      filled[name] = value;
      continue;
    }
    const whole = /^\{\{\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(value);
    if (whole) {
      filled[name] = scope.params[whole[1]] ?? null;
      continue;
    }
    filled[name] = value.replace(/\{\{\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, param: string) => String(scope.params[param] ?? ''));
  }
  return filled;
}

/** Describes a failure in words safe to show operators, without SQL, URL or header. */
function describeFailure(step: JobStepModel, err: unknown): string {
  if (err instanceof BatchKeyInvalid) return err.message;
  if (err instanceof ExpectationFailed) return (step.kind === 'sql' ? step.expectMessage : undefined) ?? `the statement would have changed ${err.actual} row(s) instead of ${err.expected}`;
  if (err instanceof StatementTimeout) return err.message;
  if (err instanceof DatasourceUnavailable) return 'the database cannot be reached';
  if (err instanceof HttpRequestFailed) return `${err.message}${err.attempts > 1 ? ` (after ${err.attempts} attempts)` : ''}`;
  if (err instanceof UnsafeRequestValue) return `the request was not sent: ${err.message}`;
  if (err instanceof JobStartRefused) return err.message;
  return step.kind === 'sql' ? 'the database refused the statement; the details are in the server log' : 'an unexpected error stopped it; the details are in the server log';
}

/** Raised by startJob when the started job cannot run (unknown job, invalid parameters). */
export class JobStartRefused extends Error {}
