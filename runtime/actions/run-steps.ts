// Runs the steps of a multi-step action. Consecutive SQL steps form a group
// that runs in one transaction per data source; the group commits before the
// HTTP step that follows it, because an HTTP call cannot be rolled back. A
// failure stops the action: the failing group rolls back, later steps are
// skipped, and when something already took effect the `onFailure:` step runs.
import type { ActionModel, HttpStepModel, SqlStepModel, StepModel } from '../../core/model.js';
import type { HttpRequestSpec } from '../../core/spec.js';
import { parsePathTemplate, renderJson, type StepScope } from '../../core/step-templates.js';
import { parseTemplate } from '../../core/template.js';
import type { FieldError } from '../http/errors.js';
import { bindValues, statementFor } from '../bind.js';
import { DatasourceUnavailable, ExpectationFailed, StatementTimeout, type Datasource, type StatementResult, type WriteTransaction } from '../datasources/datasource.js';
import { HttpRequestFailed, type HttpDatasource } from '../datasources/http.js';
import { buildStepUrl, headerValue, segmentProblem, UnsafeRequestValue } from '../datasources/http-url.js';
import type { Identity } from '../identity.js';

/** What happened to one step. `rolledBack`: it ran, but its transaction was rolled back, so it changed nothing. */
export type StepStatus = 'done' | 'failed' | 'rolledBack' | 'skipped';

export interface StepOutcome {
  id: string;
  status: StepStatus;
  /** Why the step failed, in words safe to show: no SQL, URL or header. */
  error?: string;
  /** Rows a SQL step changed. */
  changes?: number;
}

export interface StepsResult {
  ok: boolean;
  steps: StepOutcome[];
  /** Id of the step that failed. */
  failedStep?: string;
  /** Whether the failure was a timeout (SQL statement or HTTP request). */
  timedOut?: boolean;
  /** The failure as raised, for the log. */
  cause?: unknown;
  /** Outcome of the `onFailure:` step, when it ran. */
  onFailure?: StepOutcome;
  /** Rows changed by committed SQL steps. */
  changes: number;
}

/** The data sources and request values a run needs. */
export interface StepContext {
  sql: Map<string, Datasource>;
  http: Map<string, HttpDatasource>;
  params: Record<string, unknown>;
  identity: Identity;
}

/** Splits steps into runs: consecutive SQL steps together, each HTTP step alone. */
export function groupSteps(steps: StepModel[]): Array<SqlStepModel[] | HttpStepModel> {
  const groups: Array<SqlStepModel[] | HttpStepModel> = [];
  for (const step of steps) {
    const last = groups[groups.length - 1];
    if (step.kind === 'http') groups.push(step);
    else if (Array.isArray(last)) last.push(step);
    else groups.push([step]);
  }
  return groups;
}

/** Returns the scope that templates and SQL of the steps read. */
export function initialScope(context: StepContext): StepScope {
  const { identity } = context;
  return { params: context.params, user: { id: identity.id, email: identity.email ?? null, name: identity.name }, steps: {} };
}

/** Runs every step of `action` in order; never throws for a step failure, which is reported in the result. */
export async function runSteps(action: ActionModel, context: StepContext): Promise<StepsResult> {
  const steps = action.steps ?? [];
  const outcomes = new Map<string, StepOutcome>(steps.map((step) => [step.id, { id: step.id, status: 'skipped' }]));
  const scope = initialScope(context);
  const result: StepsResult = { ok: true, steps: [], changes: 0 };

  for (const group of groupSteps(steps)) {
    const failure = Array.isArray(group) ? await runSqlGroup(group, context, scope, outcomes) : await runHttpStep(group, context, scope, outcomes);
    if (failure === undefined) continue;
    result.ok = false;
    result.failedStep = failure.step;
    result.timedOut = failure.timedOut;
    result.cause = failure.cause;
    break;
  }
  result.steps = steps.map((step) => outcomes.get(step.id)!);
  result.changes = result.steps.reduce((sum, step) => sum + (step.status === 'done' ? step.changes ?? 0 : 0), 0);

  const tookEffect = result.steps.some((step) => step.status === 'done');
  if (!result.ok && tookEffect && action.onFailure !== undefined) {
    const compensation = action.onFailure;
    const own = new Map<string, StepOutcome>([[compensation.id, { id: compensation.id, status: 'skipped' }]]);
    const failureScope: StepScope = { ...scope, failedStep: result.failedStep };
    if (compensation.kind === 'sql') await runSqlGroup([compensation], context, failureScope, own);
    else await runHttpStep(compensation, context, failureScope, own);
    result.onFailure = own.get(compensation.id);
  }
  return result;
}

interface GroupFailure {
  step: string;
  timedOut: boolean;
  cause: unknown;
}

/** Runs SQL steps in one transaction per data source; commits all of them at the end, or rolls all of them back. */
async function runSqlGroup(group: SqlStepModel[], context: StepContext, scope: StepScope, outcomes: Map<string, StepOutcome>): Promise<GroupFailure | undefined> {
  let current: SqlStepModel | undefined;
  try {
    await withTransactions(group, context.sql, 'commit', async (transactions) => {
      for (const step of group) {
        current = step;
        const result = await runSqlStep(step, transactions.get(step.datasource)!, context.sql.get(step.datasource)!, scope, context.identity);
        outcomes.set(step.id, { id: step.id, status: 'rolledBack', changes: result.changes });
      }
      // Every statement succeeded; the commits below make them done.
      current = undefined;
    });
  } catch (err) {
    const failed = current ?? group[group.length - 1];
    for (const step of group) {
      const outcome = outcomes.get(step.id)!;
      if (step === failed) outcomes.set(step.id, { id: step.id, status: 'failed', error: describeSqlFailure(step, err) });
      else if (outcome.status === 'rolledBack') outcomes.set(step.id, { id: step.id, status: 'rolledBack' });
    }
    return { step: failed.id, timedOut: err instanceof StatementTimeout, cause: err };
  }
  for (const step of group) outcomes.set(step.id, { ...outcomes.get(step.id)!, status: 'done' });
  return undefined;
}

/** Runs one SQL step in its transaction and stores its outputs: the first RETURNING row's columns, `changes` and `lastInsertId`. */
export async function runSqlStep(step: SqlStepModel, tx: WriteTransaction, source: Datasource, scope: StepScope, identity: Identity): Promise<StatementResult> {
  const sql = statementFor(source, step);
  const values = bindValues(sql, flatScope(scope), identity, source.dialect, step.paramsSchema);
  const result = await tx.run(sql.text, values, step.expectRows);
  scope.steps[step.id] = { ...(result.rows[0] ?? {}), changes: result.changes, lastInsertId: result.lastInsertId };
  return result;
}

/**
 * Opens one transaction on each data source the steps use, in order of first
 * use, nested, and runs `work` inside all of them. The innermost commits
 * first; a failure anywhere rolls back every transaction not yet committed.
 */
export async function withTransactions<T>(steps: Array<{ datasource: string }>, sources: Map<string, Datasource>, end: 'commit' | 'rollback', work: (transactions: Map<string, WriteTransaction>) => Promise<T>): Promise<T> {
  const names = [...new Set(steps.map((step) => step.datasource))];
  const open = new Map<string, WriteTransaction>();
  const enter = async (index: number): Promise<T> => {
    if (index === names.length) return work(open);
    return sources.get(names[index])!.transaction(end, async (tx) => {
      open.set(names[index], tx);
      return enter(index + 1);
    });
  };
  return enter(0);
}

/** Sends one HTTP step and stores its outputs, read from the response with JSON pointers. */
async function runHttpStep(step: HttpStepModel, context: StepContext, scope: StepScope, outcomes: Map<string, StepOutcome>): Promise<GroupFailure | undefined> {
  try {
    await sendHttpStep(step, context.http.get(step.datasource)!, scope);
    outcomes.set(step.id, { id: step.id, status: 'done' });
    return undefined;
  } catch (err) {
    let error: string;
    if (err instanceof HttpRequestFailed) error = `${err.message}${err.attempts > 1 ? ` (after ${err.attempts} attempts)` : ''}`;
    else if (err instanceof UnsafeRequestValue) error = `the request was not sent: ${err.message}`;
    else throw err;
    outcomes.set(step.id, { id: step.id, status: 'failed', error });
    return { step: step.id, timedOut: err instanceof HttpRequestFailed && err.kind === 'timeout', cause: err };
  }
}

/** Fills in the step's request from `scope`, sends it, and stores its outputs (the status and each `outputs:` pointer) in `scope`; returns them. */
export async function sendHttpStep(step: HttpStepModel, source: HttpDatasource, scope: StepScope): Promise<Record<string, unknown>> {
  const url = buildStepUrl(source.base, step.request.path, step.request.query, scope);
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(step.request.headers ?? {})) headers[name] = headerValue(name, template, scope);
  const body = step.request.body === undefined ? undefined : renderJson(step.request.body, scope);
  const response = await source.send({ method: step.request.method, url, headers, body });
  const outputs: Record<string, unknown> = { status: response.status };
  for (const [name, pointer] of Object.entries(step.outputs)) outputs[name] = readPointer(response.body, pointer) ?? null;
  scope.steps[step.id] = outputs;
  return outputs;
}

/** Reads a JSON pointer (RFC 6901) such as `/data/id` from a value; undefined when the path does not exist. */
export function readPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  let current = value;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (current !== null && typeof current === 'object' && Object.hasOwn(current, part)) current = (current as Record<string, unknown>)[part];
    else return undefined;
  }
  return current;
}

/** The scope as the flat names SQL binds: `name` for parameters, `steps.<id>.<field>` and `failedStep`. */
export function flatScope(scope: StepScope): Record<string, unknown> {
  const flat: Record<string, unknown> = { ...scope.params };
  for (const [id, outputs] of Object.entries(scope.steps)) {
    for (const [field, value] of Object.entries(outputs)) flat[`steps.${id}.${field}`] = value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
  }
  if (scope.failedStep !== undefined) flat.failedStep = scope.failedStep;
  return flat;
}

function describeSqlFailure(step: SqlStepModel, err: unknown): string {
  if (err instanceof ExpectationFailed) return step.expectMessage ?? `the statement would have changed ${err.actual} row(s) instead of ${err.expected}`;
  if (err instanceof StatementTimeout) return err.message;
  if (err instanceof DatasourceUnavailable) return 'the database cannot be reached';
  return 'the statement failed; the details are in the server log';
}

/**
 * Checks, before anything runs, the parameter values the HTTP steps put in
 * a path segment or a header: a value that could leave its segment or split
 * a header is a 400 naming the parameter, not a failed step after a commit.
 */
export function unsafeRequestParams(action: ActionModel, params: Record<string, unknown>): FieldError[] {
  const http = [...(action.steps ?? []), ...(action.onFailure === undefined ? [] : [action.onFailure])].filter((step): step is HttpStepModel => step.kind === 'http');
  return unsafeParamsOfRequests(http.map((step) => step.request), params);
}

/** Characters an HTTP header value cannot carry: controls (tab aside) and anything beyond Latin-1, which fetch refuses to send. */
const UNSENDABLE_IN_HEADER = /[^\t\u0020-\u007e\u0080-\u00ff]/;

/** Lists the parameter values that cannot fill a path segment or a header of `requests`, each as a 400 field error. */
export function unsafeParamsOfRequests(requests: HttpRequestSpec[], params: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const add = (name: string, message: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    errors.push({ field: `params.${name}`, message });
  };
  for (const request of requests) {
    for (const placeholder of parsePathTemplate(request.path).placeholders) {
      const [scope, name] = placeholder.name.split('.');
      if (scope !== 'params' || !Object.hasOwn(params, name) || params[name] === null) continue;
      const problem = segmentProblem(String(params[name]));
      if (problem !== undefined) add(name, `${problem}; it fills one segment of a request path, so it may not contain \`/\`, \`\\\`, control characters, or be \`.\` or \`..\`.`);
    }
    for (const template of Object.values(request.headers ?? {})) {
      for (const placeholder of parseTemplate(template).placeholders) {
        const [scope, name] = placeholder.path;
        if (scope !== 'params' || !Object.hasOwn(params, name)) continue;
        if (typeof params[name] === 'string' && UNSENDABLE_IN_HEADER.test(params[name] as string)) {
          add(name, 'must not contain line breaks, control characters or characters beyond Latin-1 (such as €); it is sent in a request header.');
        }
      }
    }
  }
  return errors;
}
