// The JSON API under /api (see docs/http-api.md). Each query and action
// request goes: identify -> authorize -> validate -> execute -> audit -> respond.
import Router from '@koa/router';
import type { Context } from 'koa';
import { PassThrough } from 'node:stream';
import { relative } from 'node:path';
import type { Diagnostic } from '../../core/diagnostics.js';
import type { Registry, LiveApp } from '../registry.js';
import type { AppEvents, AppEventName } from '../events.js';
import { AuditUnavailable, maskParams, type AuditLog, type AuditRecord } from '../audit.js';
import { previewAction } from '../actions/preview.js';
import { runSteps, unsafeRequestParams } from '../actions/run-steps.js';
import type { ActionModel } from '../../core/model.js';
import { bindValues, statementFor, type StatementModel } from '../bind.js';
import { DatasourceUnavailable, ExpectationFailed, StatementTimeout, type Datasource } from '../datasources/datasource.js';
import { BindError, type BindValue } from '../datasources/values.js';
import { makeIdentity, type Identity } from '../identity.js';
import type { Logger } from '../log.js';
import { checkParams } from '../params.js';
import { readJsonObject } from './body.js';
import { clientView } from './client-view.js';
import { HttpError, forbidden, invalid, notFound } from './errors.js';
import { requireIdentity } from './identify.js';
import { runHttpQuery } from './http-query.js';
import { buildPagedSql } from './query-request.js';
import { clearSession, writeSession } from './sessions.js';

export interface ApiOptions {
  registry: Registry;
  events: AppEvents;
  audit: AuditLog;
  log: Logger;
  mode: 'dev' | 'proxy';
  sessionMaxAgeMs: number;
  /** Interval of SSE keep-alive comments. */
  heartbeatMs?: number;
}

const QUERY_BODY_KEYS = ['params', 'sort', 'filter', 'page'];

/** The fields every audit record of one action request shares. */
type AuditBase = Omit<AuditRecord, 'id' | 'time' | 'outcome'>;

/** Builds the router for /api. */
export function apiRouter(options: ApiOptions): Router {
  const { registry, events, audit, log, mode } = options;
  const router = new Router({ prefix: '/api' });

  router.get('/session', (ctx) => {
    const identity = requireIdentity(ctx);
    ctx.body = { user: publicUser(identity), mode };
  });

  if (mode === 'dev') {
    router.get('/dev/users', (ctx) => {
      ctx.body = { users: registry.devUsers().map((user) => ({ id: user.id, name: user.name ?? user.id, groups: user.groups ?? [] })) };
    });
    router.post('/dev/login', async (ctx) => {
      const body = await readJsonObject(ctx);
      const user = registry.devUsers().find((candidate) => candidate.id === body.user);
      if (typeof body.user !== 'string' || !user) {
        throw invalid('invalid_request', [{ field: 'user', message: `must be the id of a development user (got ${JSON.stringify(body.user ?? null)}).` }]);
      }
      const identity = makeIdentity(user.id, user.name, user.groups ?? []);
      writeSession(ctx, identity, options.sessionMaxAgeMs);
      log.info({ user: identity.id }, 'dev sign-in');
      ctx.body = { user: publicUser(identity) };
    });
  }

  router.post('/logout', async (ctx) => {
    await readJsonObject(ctx);
    clearSession(ctx);
    ctx.body = {};
  });

  router.get('/apps', (ctx) => {
    const identity = requireIdentity(ctx);
    const apps = registry
      .list()
      .filter((app) => Object.keys(app.model.pages).some((page) => app.enforcer.allows(identity, `page:${page}`, 'view')))
      .map((app) => ({ id: app.id, title: app.model.title, description: app.model.spec.description, ...appStatus(app) }));
    ctx.body = { apps };
  });

  router.get('/apps/:app/spec', (ctx) => {
    const identity = requireIdentity(ctx);
    const app = openableApp(registry, ctx.params.app, identity);
    ctx.body = clientView(app.model, app.enforcer, identity, app.specVersion);
  });

  router.get('/version', (ctx) => {
    const identity = requireIdentity(ctx);
    const apps = registry
      .list()
      .filter((app) => Object.keys(app.model.pages).some((page) => app.enforcer.allows(identity, `page:${page}`, 'view')))
      .map((app) => ({ id: app.id, specVersion: app.specVersion, contentHash: app.model.version }));
    ctx.body = { apps };
  });

  router.get('/apps/:app/events', (ctx) => {
    const identity = requireIdentity(ctx);
    const app = openableApp(registry, ctx.params.app, identity);
    const stream = new PassThrough();
    const send = (event: AppEventName | 'hello', data: unknown): void => {
      if (event === 'invalid') data = { diagnostics: mode === 'dev' ? browserDiagnostics(registry.root, (data as { diagnostics: Diagnostic[] }).diagnostics) : [] };
      stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const unsubscribe = events.subscribe(app.id, send);
    const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), options.heartbeatMs ?? 25_000);
    const stop = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      stream.end();
    };
    ctx.req.on('close', stop);
    ctx.req.socket.setTimeout(0);
    ctx.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    ctx.status = 200;
    ctx.body = stream;
    send('hello', { version: app.model.version });
    if (app.rejected) send('invalid', { diagnostics: app.rejected });
  });

  router.post('/apps/:app/queries/:query', async (ctx) => {
    const identity = requireIdentity(ctx);
    const app = knownApp(registry, ctx.params.app);
    const query = Object.hasOwn(app.model.queries, ctx.params.query) ? app.model.queries[ctx.params.query] : undefined;
    if (!query) throw notFound(`Query "${ctx.params.query}" of app "${app.id}"`);
    if (!app.enforcer.allows(identity, `query:${query.id}`, 'run')) {
      log.warn({ user: identity.id, app: app.id, object: `query:${query.id}`, act: 'run' }, 'denied');
      throw forbidden();
    }
    const body = await readJsonObject(ctx);
    rejectUnknownKeys(body, QUERY_BODY_KEYS);
    const params = checkParams(query.paramsSchema, body.params);
    requireAvailable(app);
    if (query.kind === 'http') {
      ctx.body = await runHttpQuery(query, app.services.get(query.datasource)!, params, identity, body, log);
      return;
    }
    const source = app.datasources.get(query.datasource)!;
    const sql = statementFor(source, query);
    const values = bindOrReject(source, query, params, identity);
    const title = query.spec.title ?? query.id;
    try {
      const columns = await source.columnsOf(sql.text, sql.bindings.length);
      const paged = buildPagedSql(source, sql.text, values, columns, body);
      const [page, count] = await source.queryAll([
        { sql: paged.select, values: paged.selectValues },
        { sql: paged.count, values: paged.countValues },
      ]);
      ctx.body = { columns, rows: page.rows, total: Number(count.rows[0]?.total ?? 0), page: paged.page };
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw executionError(err, app, `The query "${title}"`, () => {
        log.error({ err, app: app.id, query: query.id }, 'query failed');
        return new HttpError(500, 'query_failed', `The query "${title}" failed. The details are in the server log.`);
      });
    }
  });

  /** Identifies, authorizes and validates an action request; audits a denial or invalid parameters. */
  const prepareAction = async (ctx: Context) => {
    const identity = requireIdentity(ctx);
    const app = knownApp(registry, ctx.params.app);
    const action = Object.hasOwn(app.model.actions, ctx.params.action) ? app.model.actions[ctx.params.action] : undefined;
    if (!action) throw notFound(`Action "${ctx.params.action}" of app "${app.id}"`);
    const base = { user: identity.id, groups: identity.groups, app: app.id, action: action.id, specVersion: app.specVersion, contentHash: app.model.version };

    if (!app.enforcer.allows(identity, `action:${action.id}`, 'run')) {
      log.warn({ user: identity.id, app: app.id, object: `action:${action.id}`, act: 'run' }, 'denied');
      tryAudit(audit, log, { ...base, outcome: 'denied' });
      throw forbidden();
    }
    const body = await readJsonObject(ctx);
    rejectUnknownKeys(body, ['params']);
    let params: Record<string, unknown>;
    try {
      params = checkParams(action.paramsSchema, body.params);
      const unsafe = unsafeRequestParams(action, params);
      if (unsafe.length > 0) throw invalid('invalid_params', unsafe);
    } catch (err) {
      tryAudit(audit, log, { ...base, outcome: 'invalid', error: (err as Error).message });
      throw err;
    }
    const masked = maskParams(params, action.secretParams);
    requireAvailable(app);
    return { identity, app, action, base, params, masked };
  };

  router.post('/apps/:app/actions/:action/preview', async (ctx) => {
    const { identity, app, action, base, params, masked } = await prepareAction(ctx);
    if (action.preview === undefined) throw notFound(`A preview of action "${action.id}"`);
    try {
      const result = await previewAction(action, { sql: app.datasources, http: app.services, params, identity });
      tryAudit(audit, log, { ...base, outcome: 'previewed', params: masked, changes: result.changes });
      ctx.body = result;
    } catch (err) {
      if (err instanceof BindError) throw invalid('invalid_params', [{ field: `params.${err.param}`, message: 'must be a string, number, boolean or null.' }]);
      tryAudit(audit, log, { ...base, outcome: 'previewed', params: masked, error: err instanceof ExpectationFailed ? err.message : failureSummary(err) });
      if (err instanceof ExpectationFailed) {
        const reason = action.spec.expect?.message ?? `"${action.spec.title}" would change ${err.actual} row(s) instead of ${err.expected}, so running it would change nothing.`;
        throw new HttpError(409, 'expectation_failed', `The preview changed nothing. ${reason}`);
      }
      throw executionError(err, app, `The preview of "${action.spec.title}"`, () => {
        log.error({ err, app: app.id, action: action.id }, 'action preview failed');
        return new HttpError(422, 'action_failed', `The preview of "${action.spec.title}" failed; nothing was changed. The details are in the server log.`);
      });
    }
  });

  router.post('/apps/:app/actions/:action', async (ctx) => {
    const { identity, app, action, base, params, masked } = await prepareAction(ctx);
    if (action.steps !== undefined) {
      await runStepAction(ctx, { app, action, base, params, masked, identity });
      return;
    }
    const source = app.datasources.get(action.datasource!)!;
    const statement = action as StatementModel & typeof action;
    const sql = statementFor(source, statement);
    let values: BindValue[];
    try {
      values = bindOrReject(source, statement, params, identity);
    } catch (err) {
      tryAudit(audit, log, { ...base, outcome: 'invalid', error: (err as Error).message });
      throw err;
    }

    const started = startAudit(base, masked);

    try {
      const result = await source.write(sql.text, values, action.spec.expect?.rows);
      tryAudit(audit, log, { ...base, outcome: 'succeeded', params: masked, attempt: started.id, changes: result.changes });
      log.info({ user: identity.id, app: app.id, action: action.id, changes: result.changes }, 'action succeeded');
      ctx.body = { ok: true, changes: result.changes, lastInsertId: result.lastInsertId };
    } catch (err) {
      const expectation = err instanceof ExpectationFailed;
      tryAudit(audit, log, { ...base, outcome: 'failed', params: masked, attempt: started.id, error: expectation ? err.message : failureSummary(err) });
      if (expectation) {
        const reason = action.spec.expect?.message ?? `"${action.spec.title}" would have changed ${err.actual} row(s) instead of ${err.expected}. Reload to see the current data.`;
        throw new HttpError(409, 'expectation_failed', `Nothing was changed. ${reason}`);
      }
      throw executionError(err, app, `"${action.spec.title}"`, () => {
        log.error({ err, app: app.id, action: action.id }, 'action failed');
        return new HttpError(422, 'action_failed', `"${action.spec.title}" failed and nothing was changed. The details are in the server log.`);
      });
    }
  });

  /** Writes the `started` record; an action whose record cannot be written does not run. */
  const startAudit = (base: AuditBase, masked: Record<string, unknown>): AuditRecord => {
    try {
      return audit.append({ ...base, outcome: 'started', params: masked });
    } catch (err) {
      log.error({ err, app: base.app, action: base.action }, 'audit log unavailable; action not run');
      throw new HttpError(503, 'audit_unavailable', 'The action did not run because its audit record could not be written. Try again later or tell an administrator.');
    }
  };

  /**
   * Runs a multi-step action. A failure before anything took effect answers
   * like a single statement (409, 422, 503, 504); a failure after a step took
   * effect answers 502 `step_failed` (504 `step_timeout` for a timeout) with
   * the outcome of every step and of the `onFailure:` step.
   */
  const runStepAction = async (ctx: Context, run: { app: LiveApp; action: ActionModel; base: AuditBase; params: Record<string, unknown>; masked: Record<string, unknown>; identity: Identity }): Promise<void> => {
    const { app, action, base, masked, identity } = run;
    const started = startAudit(base, masked);
    const result = await runSteps(action, { sql: app.datasources, http: app.services, params: run.params, identity });
    const steps = result.steps.map(({ id, status, error }) => (error === undefined ? { id, status } : { id, status, error }));
    const onFailure = result.onFailure === undefined ? undefined : { status: result.onFailure.status, ...(result.onFailure.error === undefined ? {} : { error: result.onFailure.error }) };
    if (result.ok) {
      tryAudit(audit, log, { ...base, outcome: 'succeeded', params: masked, attempt: started.id, changes: result.changes, steps });
      log.info({ user: identity.id, app: app.id, action: action.id, changes: result.changes }, 'action succeeded');
      ctx.body = { ok: true, changes: result.changes, steps };
      return;
    }
    const failed = result.steps.find((step) => step.id === result.failedStep)!;
    tryAudit(audit, log, { ...base, outcome: 'failed', params: masked, attempt: started.id, changes: result.changes, error: `step ${failed.id}: ${failed.error ?? 'failed'}`, steps, onFailure });
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
    ctx.status = result.timedOut ? 504 : 502;
    ctx.body = { ok: false, error: { code: result.timedOut ? 'step_timeout' : 'step_failed', message }, failedStep: failed.id, steps, ...(onFailure === undefined ? {} : { onFailure }) };
  };

  return router;
}

/** Returns the app's status for the app list: `unavailable` (with the reason) wins over `error` (a rejected change). */
function appStatus(app: LiveApp): { status: 'ok' | 'error' | 'unavailable'; reason?: string } {
  if (!app.health.available) return { status: 'unavailable', reason: app.health.reason };
  return { status: app.rejected ? 'error' : 'ok' };
}

function unavailable(app: LiveApp, reason: string | undefined): HttpError {
  const next = app.health.retrying ? 'It becomes available again by itself once the database responds, so try again later.' : 'An administrator has to fix its settings first.';
  return new HttpError(503, 'app_unavailable', `The app "${app.model.title}" is unavailable: ${reason ?? 'its database cannot be reached'}. ${next}`);
}

function requireAvailable(app: LiveApp): void {
  if (!app.health.available) throw unavailable(app, app.health.reason);
}

/** Binds the request's values for the data source; a value that cannot be bound is a 400 naming the parameter. */
function bindOrReject(source: Datasource, statement: StatementModel, params: Record<string, unknown>, identity: Identity): BindValue[] {
  try {
    return bindValues(statementFor(source, statement), params, identity, source.dialect, statement.paramsSchema);
  } catch (err) {
    if (err instanceof BindError) throw invalid('invalid_params', [{ field: `params.${err.param}`, message: 'must be a string, number, boolean or null.' }]);
    throw err;
  }
}

/**
 * Maps a failure while running a statement to the client's error: an
 * unreachable database marks the app unavailable (503), a timeout is a 504,
 * and anything else is what `otherwise` returns.
 */
function executionError(err: unknown, app: LiveApp, subject: string, otherwise: () => HttpError): HttpError {
  if (err instanceof DatasourceUnavailable) {
    app.health.markUnavailable(err.reason);
    return unavailable(app, err.reason);
  }
  if (err instanceof StatementTimeout) {
    return new HttpError(504, 'statement_timeout', `${subject} took longer than ${err.timeoutMs} ms and was cancelled; nothing was changed. Narrow the search or try again later.`);
  }
  return otherwise();
}

/** Returns a short cause for the audit record, without secrets. */
function failureSummary(err: unknown): string {
  if (err instanceof DatasourceUnavailable) return 'database unavailable';
  if (err instanceof StatementTimeout) return 'statement timed out';
  return 'statement failed';
}

/** Diagnostics for the browser: paths relative to the served folder, no source excerpts. */
function browserDiagnostics(root: string, diagnostics: Diagnostic[]): Array<Record<string, unknown>> {
  return diagnostics.map((d) => ({ code: d.code, severity: d.severity, file: relative(root, d.file) || d.file, line: d.line, col: d.col, message: d.message, hint: d.hint }));
}

function publicUser(identity: Identity): Record<string, unknown> {
  return { id: identity.id, name: identity.name, groups: identity.groups };
}

function knownApp(registry: Registry, id: string): LiveApp {
  const app = registry.get(id);
  if (!app) throw notFound(`App "${id}"`);
  return app;
}

/** Returns an app the user may open. Unknown and fully hidden apps both respond 404, so app ids do not leak. */
function openableApp(registry: Registry, id: string, identity: Identity): LiveApp {
  const app = registry.get(id);
  if (!app || !Object.keys(app.model.pages).some((page) => app.enforcer.allows(identity, `page:${page}`, 'view'))) throw notFound(`App "${id}"`);
  return app;
}

function rejectUnknownKeys(body: Record<string, unknown>, allowed: string[]): void {
  const extra = Object.keys(body).filter((key) => !allowed.includes(key));
  if (extra.length > 0) {
    throw invalid('invalid_request', extra.map((key) => ({ field: key, message: `is not part of this request; send only ${allowed.join(', ')}.` })));
  }
}

function tryAudit(audit: AuditLog, log: Logger, entry: Parameters<AuditLog['append']>[0]): void {
  try {
    audit.append(entry);
  } catch (err) {
    if (err instanceof AuditUnavailable) log.error({ err, app: entry.app, action: entry.action, outcome: entry.outcome }, 'audit record lost');
    else throw err;
  }
}

