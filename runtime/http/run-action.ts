// Runs an action that passed its checks: a single statement or its steps,
// with a `started` audit record first (no record, no run) and the outcome
// after. The approval flow calls it too, with the original request's values.
import type { ActionModel } from '../../core/model.js';
import { maskRow, type AuditEntry, type AuditLog, type AuditRecord } from '../audit.js';
import { runSteps } from '../actions/run-steps.js';
import { statementFor, type StatementModel } from '../bind.js';
import { ExpectationFailed } from '../datasources/datasource.js';
import type { BindValue } from '../datasources/values.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import type { LiveApp } from '../registry.js';
import { HttpError } from './errors.js';
import { buildScopeCheck, RowOutOfScope, runScoped } from '../access/row-scope.js';
import { sampleActionChanges } from '../actions/preview.js';
import { bindOrReject, executionError, failureSummary, tryAudit } from './execution-errors.js';
import { actionOutcomeOf, type OpsdeckMetrics } from './metrics.js';

/** The fields every audit record of one action request shares. */
export type AuditBase = Omit<AuditEntry, 'outcome'>;

export interface ActionRun {
  app: LiveApp;
  action: ActionModel;
  identity: Identity;
  /** Checked parameter values. */
  params: Record<string, unknown>;
  /** The same values with secrets masked, for audit records. */
  masked: Record<string, unknown>;
  base: AuditBase;
}

/** Status and body of the response to a run. Failures before anything took effect are thrown as HttpError instead. */
export interface ActionOutcome {
  status: number;
  body: Record<string, unknown>;
}

/** Writes the `started` record; an action whose record cannot be written does not run. */
export async function startAudit(audit: AuditLog, log: Logger, base: AuditBase, masked: Record<string, unknown>): Promise<AuditRecord> {
  try {
    return await audit.append({ ...base, outcome: 'started', params: masked });
  } catch (err) {
    log.error({ err, app: base.app, action: base.action }, 'audit log unavailable; action not run');
    throw new HttpError(503, 'audit_unavailable', 'The action did not run because its audit record could not be written. Try again later or tell an administrator.');
  }
}

/** Runs the action and audits its outcome; with `metrics`, times it by outcome. */
export async function runAction(deps: { audit: AuditLog; log: Logger; metrics?: OpsdeckMetrics }, run: ActionRun): Promise<ActionOutcome> {
  const done = deps.metrics?.startAction(run.app.id, run.action.id);
  try {
    const outcome = run.action.steps !== undefined ? await runStepAction(deps, run) : await runStatementAction(deps, run);
    done?.(actionOutcomeOf(outcome));
    return outcome;
  } catch (err) {
    done?.(actionOutcomeOf(err));
    throw err;
  }
}

/** Runs an action that is a single statement. */
async function runStatementAction(deps: { audit: AuditLog; log: Logger }, run: ActionRun): Promise<ActionOutcome> {
  const { audit, log } = deps;
  const { app, action, base, params, masked, identity } = run;
  const source = app.datasources.get(action.datasource!)!;
  const statement = action as StatementModel & typeof action;
  const sql = statementFor(source, statement);
  let values: BindValue[];
  try {
    values = bindOrReject(source, statement, params, identity);
  } catch (err) {
    await tryAudit(audit, log, { ...base, outcome: 'invalid', error: (err as Error).message });
    throw err;
  }

  const started = await startAudit(audit, log, base, masked);
  try {
    const expectRows = action.spec.expect?.rows;
    const capture = action.preview?.table !== undefined;
    let rowChanges: AuditRecord['rowChanges'];
    const result =
      action.scope === undefined && !capture
        ? await source.write(sql.text, values, expectRows)
        : await source.transaction('commit', async (tx) => {
            // The sample runs the statement under a savepoint that is undone, then the statement runs for real.
            const sample = capture ? await sampleActionChanges(action, tx, source, { sql: app.datasources, http: app.services, params, identity }) : undefined;
            rowChanges = sample?.map((row) => ({ key: row.key, before: maskRow(row.before), after: maskRow(row.after) }));
            if (action.scope === undefined) return tx.run(sql.text, values, expectRows);
            return runScoped(tx, buildScopeCheck(app.model, app.enforcer, action, source, identity, params), sql.text, values, expectRows);
          });
    await tryAudit(audit, log, { ...base, outcome: 'succeeded', params: masked, attempt: started.id, changes: result.changes, ...(rowChanges === undefined ? {} : { rowChanges }) });
    log.info({ user: identity.id, app: app.id, action: action.id, changes: result.changes }, 'action succeeded');
    return { status: 200, body: { ok: true, changes: result.changes, lastInsertId: result.lastInsertId } };
  } catch (err) {
    const expectation = err instanceof ExpectationFailed;
    if (err instanceof RowOutOfScope) {
      await tryAudit(audit, log, { ...base, outcome: 'denied', params: masked, attempt: started.id, error: err.message });
      log.warn({ user: identity.id, app: app.id, action: action.id, scope: action.scope?.query, moved: err.moved }, 'row outside the caller\'s rows');
      throw scopeError(err, action);
    }
    await tryAudit(audit, log, { ...base, outcome: 'failed', params: masked, attempt: started.id, error: expectation ? err.message : failureSummary(err) });
    if (expectation) {
      const reason = action.spec.expect?.message ?? `"${action.spec.title}" would have changed ${err.actual} row(s) instead of ${err.expected}. Reload to see the current data.`;
      throw new HttpError(409, 'expectation_failed', `Nothing was changed. ${reason}`);
    }
    throw executionError(err, app, `"${action.spec.title}"`, () => {
      log.error({ err, app: app.id, action: action.id }, 'action failed');
      return new HttpError(422, 'action_failed', `"${action.spec.title}" failed and nothing was changed. The details are in the server log.`);
    });
  }
}

/** The answer to a scope failure: a row outside the caller's rows reads as missing; moving a row out is refused. */
export function scopeError(err: RowOutOfScope, action: ActionModel): HttpError {
  const key = action.scope === undefined ? 'row' : `row ${action.scope.key}`;
  if (!err.moved) return new HttpError(404, 'not_found', `The ${key} that "${action.spec.title}" would change was not found among the rows you may change. Nothing was changed.`);
  return new HttpError(403, 'row_rule', `"${action.spec.title}" would move the row out of the rows you may change, so nothing was changed.`);
}

/**
 * Runs a multi-step action. A failure before anything took effect answers
 * like a single statement (409, 422, 503, 504); a failure after a step took
 * effect answers 502 `step_failed` (504 `step_timeout` for a timeout) with
 * the outcome of every step and of the `onFailure:` step.
 */
async function runStepAction(deps: { audit: AuditLog; log: Logger }, run: ActionRun): Promise<ActionOutcome> {
  const { audit, log } = deps;
  const { app, action, base, masked, identity } = run;
  const started = await startAudit(audit, log, base, masked);
  const result = await runSteps(action, { sql: app.datasources, http: app.services, params: run.params, identity });
  const steps = result.steps.map(({ id, status, error }) => (error === undefined ? { id, status } : { id, status, error }));
  const onFailure = result.onFailure === undefined ? undefined : { status: result.onFailure.status, ...(result.onFailure.error === undefined ? {} : { error: result.onFailure.error }) };
  if (result.ok) {
    await tryAudit(audit, log, { ...base, outcome: 'succeeded', params: masked, attempt: started.id, changes: result.changes, steps });
    log.info({ user: identity.id, app: app.id, action: action.id, changes: result.changes }, 'action succeeded');
    return { status: 200, body: { ok: true, changes: result.changes, steps } };
  }
  const failed = result.steps.find((step) => step.id === result.failedStep)!;
  await tryAudit(audit, log, { ...base, outcome: 'failed', params: masked, attempt: started.id, changes: result.changes, error: `step ${failed.id}: ${failed.error ?? 'failed'}`, steps, onFailure });
  log.warn({ err: result.cause, app: app.id, action: action.id, step: failed.id, onFailure: onFailure?.status }, 'action step failed');

  const tookEffect = result.steps.some((step) => step.status === 'done');
  const failedStep = action.steps!.find((step) => step.id === failed.id)!;
  if (!tookEffect && failedStep.kind === 'sql') {
    if (result.cause instanceof ExpectationFailed) {
      throw new HttpError(409, 'expectation_failed', `Nothing was changed. ${failedStep.expectMessage ?? `Step "${failed.id}" of "${action.spec.title}" would have changed ${result.cause.actual} row(s) instead of ${result.cause.expected}. Reload to see the current data.`}`);
    }
    throw executionError(result.cause, app, `Step "${failed.id}" of "${action.spec.title}"`, () => new HttpError(422, 'action_failed', `Step "${failed.id}" of "${action.spec.title}" failed and nothing was changed. The details are in the server log.`));
  }
  const done = result.steps.filter((step) => step.status === 'done').map((step) => step.id);
  const compensation = onFailure === undefined ? '' : onFailure.status === 'done' ? ' The onFailure step ran.' : ' The onFailure step failed too.';
  const message = `Step "${failed.id}" of "${action.spec.title}" failed: ${failed.error ?? 'unknown error'}. ${done.length > 0 ? `Steps ${done.join(', ')} had already taken effect and were not undone.` : 'Nothing was changed.'}${compensation}`;
  return { status: result.timedOut ? 504 : 502, body: { ok: false, error: { code: result.timedOut ? 'step_timeout' : 'step_failed', message }, failedStep: failed.id, steps, ...(onFailure === undefined ? {} : { onFailure }) } };
}
