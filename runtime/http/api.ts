// The JSON API under /api (see docs/http-api.md). Each query and action
// request goes: identify -> authorize -> validate -> execute -> audit -> respond.
import Router from '@koa/router';
import type { Context } from 'koa';
import { PassThrough } from 'node:stream';
import { relative } from 'node:path';
import type { Diagnostic } from '../../core/diagnostics.js';
import type { Registry, LiveApp } from '../registry.js';
import type { AppEvents, AppEventName } from '../events.js';
import { maskParams, type AuditLog } from '../audit.js';
import { previewAction } from '../actions/preview.js';
import { unsafeRequestParams } from '../actions/run-steps.js';
import { statementFor } from '../bind.js';
import { ExpectationFailed } from '../datasources/datasource.js';
import { BindError } from '../datasources/values.js';
import { canonicalUserId, makeIdentity, type Identity } from '../identity.js';
import type { Logger } from '../log.js';
import { checkParams } from '../params.js';
import { readJsonObject } from './body.js';
import { clientView } from './client-view.js';
import { HttpError, forbidden, invalid, notFound } from './errors.js';
import { requireIdentity } from './identify.js';
import { runHttpQuery } from './http-query.js';
import { buildPagedSql, usableColumns } from './query-request.js';
import { applyColumnRules, queryAccess } from '../access/query-access.js';
import { clearSession, writeSession, type SessionRef } from './sessions.js';
import type { SessionRevocations } from '../session-revocations.js';
import { bindOrReject, executionError, failureSummary, rejectBlockedSearches, requireAvailable, tryAudit } from './execution-errors.js';
import { runAction, scopeError } from './run-action.js';
import { explainApp } from '../access/explain.js';
import { buildScopeCheck, RowOutOfScope } from '../access/row-scope.js';
import type { ActionModel } from '../../core/model.js';
import { NO_RULE, auditHiddenApp, auditQueryRun, denialEntry, queryRunEntry, recordSignOut, signInOrReject } from '../audit-events.js';
import { addApprovalRoutes, openApprovals, requestApproval } from './approval-routes.js';
import type { ApprovalStore } from '../approvals/store.js';
import { addExportRoutes } from './export-routes.js';
import { checkOptionValues } from './option-values.js';
import { addJobRoutes } from './job-routes.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { OidcClient } from '../oidc/client.js';
import type { OpsdeckMetrics } from './metrics.js';

export interface ApiOptions {
  registry: Registry;
  events: AppEvents;
  audit: AuditLog;
  log: Logger;
  mode: 'dev' | 'proxy' | 'oidc';
  sessionMaxAgeMs: number;
  /** OpenID Connect client in `oidc` mode; the sign-out response includes its end-session URL. */
  oidc?: OidcClient;
  /** Interval of SSE keep-alive comments. */
  heartbeatMs?: number;
  /** Approval store from the system store (PostgreSQL); without it approvals live in `.opsdeck/approvals.jsonl`. */
  approvalStore?: ApprovalStore;
  /** The job runner and scheduler; without them the job routes are absent. */
  jobs?: { runner: JobRunner; scheduler?: Scheduler };
  /** Prometheus metrics; absent when `metrics.enabled: false`. */
  metrics?: OpsdeckMetrics;
  /** The signed-out sessions of the system store; sign-out adds to it. */
  sessions: SessionRevocations;
}

const QUERY_BODY_KEYS = ['params', 'sort', 'filter', 'page', 'key'];

/** Builds the router for /api. */
export function apiRouter(options: ApiOptions): Router {
  const { registry, events, audit, log, mode } = options;
  const router = new Router({ prefix: '/api' });
  const approvals = openApprovals(registry, audit, log, options.approvalStore, options.metrics);
  addApprovalRoutes(router, approvals);
  addExportRoutes(router, { registry, audit, log, runner: options.jobs?.runner });
  if (options.jobs !== undefined) addJobRoutes(router, { registry, audit, log, runner: options.jobs.runner, scheduler: options.jobs.scheduler, heartbeatMs: options.heartbeatMs });

  router.get('/session', (ctx) => {
    const identity = requireIdentity(ctx);
    ctx.body = { user: publicUser(identity), mode };
  });

  if (mode === 'dev') {
    // Development only: what the signed-in user may do in an app and why (see `opsdeck explain`).
    router.get('/apps/:app/explain', (ctx) => {
      const identity = requireIdentity(ctx);
      const app = knownApp(registry, ctx.params.app);
      ctx.body = { user: publicUser(identity), entries: explainApp(app.model, app.enforcer, identity) };
    });
    router.get('/dev/users', (ctx) => {
      ctx.body = { users: registry.devUsers().map((user) => ({ id: user.id, name: user.name ?? user.id, groups: user.groups ?? [] })) };
    });
    router.post('/dev/login', async (ctx) => {
      const body = await readJsonObject(ctx);
      const user = typeof body.user === 'string' ? registry.devUsers().find((candidate) => canonicalUserId(candidate.id) === canonicalUserId(body.user as string)) : undefined;
      if (typeof body.user !== 'string' || !user) {
        throw invalid('invalid_request', [{ field: 'user', message: `must be the id of a development user (got ${JSON.stringify(body.user ?? null)}).` }]);
      }
      const identity = makeIdentity(user.id, user.name, user.groups ?? [], user.attributes ?? {});
      await signInOrReject(audit, log, identity, 'dev');
      writeSession(ctx, identity, options.sessionMaxAgeMs);
      log.info({ user: identity.id }, 'dev sign-in');
      ctx.body = { user: publicUser(identity) };
    });
  }

  router.post('/logout', async (ctx) => {
    await readJsonObject(ctx);
    const signedIn = ctx.state.identity as Identity | undefined;
    const session = ctx.state.session as SessionRef | undefined;
    clearSession(ctx);
    if (session !== undefined) {
      try {
        await options.sessions.revoke(session.id, session.exp);
      } catch (err) {
        log.error({ requestId: ctx.state.requestId, user: signedIn?.id, reason: (err as Error).message }, 'sign-out not recorded');
        throw new HttpError(
          503,
          'sign_out_not_recorded',
          `You are signed out in this browser, but the server could not record the sign-out, so a copy of this session's cookie would still work until ${new Date(session.exp).toISOString().slice(0, 16).replace('T', ' ')} UTC. Sign in and out again once the server is ready.`,
        );
      }
    }
    if (signedIn !== undefined) await recordSignOut(audit, log, signedIn);
    const endSessionUrl = options.oidc?.endSessionUrl();
    ctx.body = endSessionUrl === undefined ? {} : { endSessionUrl };
  });

  router.get('/apps', (ctx) => {
    const identity = requireIdentity(ctx);
    const apps = registry
      .list()
      .filter((app) => Object.keys(app.model.pages).some((page) => app.enforcer.allows(identity, `page:${page}`, 'view')))
      .map((app) => ({ id: app.id, title: app.model.title, description: app.model.spec.description, ...appStatus(app) }));
    ctx.body = { apps };
  });

  router.get('/apps/:app/spec', async (ctx) => {
    const identity = requireIdentity(ctx);
    await auditHiddenApp(audit, log, registry.get(ctx.params.app), identity);
    const app = openableApp(registry, ctx.params.app, identity);
    ctx.body = clientView(app.model, app.enforcer, identity, app.specVersion);
  });

  router.get('/version', (ctx) => {
    const identity = requireIdentity(ctx);
    const apps = registry
      .list()
      .filter((app) => Object.keys(app.model.pages).some((page) => app.enforcer.allows(identity, `page:${page}`, 'view')))
      .map((app) => ({ id: app.id, specVersion: app.specVersion, contentHash: app.model.version }));
    // Which server process answered: the id its job runs carry as their owner, new at each start.
    ctx.body = { apps, ...(options.jobs === undefined ? {} : { replica: options.jobs.runner.owner }) };
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
    const decision = app.enforcer.decide(identity, `query:${query.id}`, 'run');
    if (!decision.allowed) {
      log.warn({ user: identity.id, app: app.id, object: `query:${query.id}`, act: 'run', rule: NO_RULE }, 'denied');
      await tryAudit(audit, log, denialEntry(app, identity, `query:${query.id}`));
      throw forbidden();
    }
    const body = await readJsonObject(ctx);
    rejectUnknownKeys(body, QUERY_BODY_KEYS);
    const params = checkParams(query.paramsSchema, body.params);
    const access = queryAccess(query, app.enforcer.grantingRoles(identity, `query:${query.id}`, 'run'));
    rejectBlockedSearches(query, access, params);
    requireAvailable(app);
    await checkOptionValues(app, identity, query.spec.params, params, log);
    const stopTimer = options.metrics?.startQuery(app.id, query.id);
    try {
      if (query.kind === 'http') {
        const result = await runHttpQuery(query, app.services.get(query.datasource)!, params, identity, body, log, access);
        await auditQueryRun(audit, log, queryRunEntry(app, identity, query, decision.rule, params, result.total));
        ctx.body = result;
        return;
      }
      const source = app.datasources.get(query.datasource)!;
      const sql = statementFor(source, query);
      const values = bindOrReject(source, query, params, identity);
      const title = query.spec.title ?? query.id;
      try {
        const columns = await source.columnsOf(sql.text, sql.bindings.length);
        const paged = buildPagedSql(source, sql.text, values, columns, body, { access, identity }, query.spec.key);
        const [page, count] = await source.queryAll([
          { sql: paged.select, values: paged.selectValues },
          { sql: paged.count, values: paged.countValues },
        ]);
        const total = Number(count.rows[0]?.total ?? 0);
        await auditQueryRun(audit, log, queryRunEntry(app, identity, query, decision.rule, params, total));
        ctx.body = { columns: usableColumns(columns, access).visible, rows: applyColumnRules(page.rows, access), total, page: paged.pageOf(page.rows) };
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw executionError(err, app, `The query "${title}"`, () => {
          log.error({ err, app: app.id, query: query.id }, 'query failed');
          return new HttpError(500, 'query_failed', `The query "${title}" failed. The details are in the server log.`);
        });
      }
    } finally {
      stopTimer?.();
    }
  });

  /** Identifies, authorizes and validates an action request; audits a denial or invalid parameters. */
  const prepareAction = async (ctx: Context) => {
    const identity = requireIdentity(ctx);
    const app = knownApp(registry, ctx.params.app);
    const action = Object.hasOwn(app.model.actions, ctx.params.action) ? app.model.actions[ctx.params.action] : undefined;
    if (!action) throw notFound(`Action "${ctx.params.action}" of app "${app.id}"`);
    const decision = app.enforcer.decide(identity, `action:${action.id}`, 'run');
    const base = { user: identity.id, groups: identity.groups, app: app.id, object: `action:${action.id}`, action: action.id, rule: decision.rule ?? NO_RULE, specVersion: app.specVersion, contentHash: app.model.version };

    if (!decision.allowed) {
      log.warn({ user: identity.id, app: app.id, object: `action:${action.id}`, act: 'run', rule: NO_RULE }, 'denied');
      await tryAudit(audit, log, { ...base, outcome: 'denied' });
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
      await tryAudit(audit, log, { ...base, outcome: 'invalid', error: (err as Error).message });
      throw err;
    }
    const masked = maskParams(params, action.secretParams);
    requireAvailable(app);
    try {
      await checkOptionValues(app, identity, action.spec.params, params, log);
    } catch (err) {
      if (err instanceof HttpError && err.status === 400) await tryAudit(audit, log, { ...base, outcome: 'invalid', error: err.message });
      throw err;
    }
    return { identity, app, action, base, params, masked };
  };

  router.post('/apps/:app/actions/:action/preview', async (ctx) => {
    const { identity, app, action, base, params, masked } = await prepareAction(ctx);
    if (action.preview === undefined) throw notFound(`A preview of action "${action.id}"`);
    await requireRowInScope(app, action, identity, params);
    try {
      const result = await previewAction(action, { sql: app.datasources, http: app.services, params, identity });
      await tryAudit(audit, log, { ...base, outcome: 'previewed', params: masked, changes: result.changes });
      ctx.body = result;
    } catch (err) {
      if (err instanceof BindError) throw invalid('invalid_params', [{ field: `params.${err.param}`, message: 'must be a string, number, boolean or null.' }]);
      await tryAudit(audit, log, { ...base, outcome: 'previewed', params: masked, error: err instanceof ExpectationFailed ? err.message : failureSummary(err) });
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
    const run = { app, action, base, params, masked, identity };
    const outcome = action.spec.approval === undefined ? await runAction({ audit, log, metrics: options.metrics }, run) : await requestApproval(approvals, run);
    ctx.status = outcome.status;
    ctx.body = outcome.body;
  });

  return router;
}

/** Returns the app's status for the app list: `unavailable` (with the reason) wins over `error` (a rejected change). */
function appStatus(app: LiveApp): { status: 'ok' | 'error' | 'unavailable'; reason?: string } {
  if (!app.health.available) return { status: 'unavailable', reason: app.health.reason };
  return { status: app.rejected ? 'error' : 'ok' };
}

/** Diagnostics for the browser: paths relative to the served folder, no source excerpts. */
function browserDiagnostics(root: string, diagnostics: Diagnostic[]): Array<Record<string, unknown>> {
  return diagnostics.map((d) => ({ code: d.code, severity: d.severity, file: relative(root, d.file) || d.file, line: d.line, col: d.col, message: d.message, hint: d.hint }));
}

function publicUser(identity: Identity): Record<string, unknown> {
  return { id: identity.id, name: identity.name, groups: identity.groups, attributes: identity.attributes };
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

/** For a scoped action, answers 404 unless the row is one the caller may change; the run checks again in its transaction. */
async function requireRowInScope(app: LiveApp, action: ActionModel, identity: Identity, params: Record<string, unknown>): Promise<void> {
  if (action.scope === undefined) return;
  const source = app.datasources.get(action.datasource!)!;
  let found = false;
  try {
    const check = buildScopeCheck(app.model, app.enforcer, action, source, identity, params);
    found = (await source.query(check.sql, check.values)).rows.length > 0;
  } catch (err) {
    if (!(err instanceof RowOutOfScope)) throw err;
  }
  if (!found) throw scopeError(new RowOutOfScope(false), action);
}

function rejectUnknownKeys(body: Record<string, unknown>, allowed: string[]): void {
  const extra = Object.keys(body).filter((key) => !allowed.includes(key));
  if (extra.length > 0) {
    throw invalid('invalid_request', extra.map((key) => ({ field: key, message: `is not part of this request; send only ${allowed.join(', ')}.` })));
  }
}

