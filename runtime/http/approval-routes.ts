// Approvals (four eyes) over HTTP. Running an action whose spec has
// `approval:` creates a pending request instead of running it. A member of an
// approving role other than the requester then approves it, and the action
// runs with the requester's parameters and identity, or rejects it. The
// Approvals section of docs/actions.md describes the API.
import type Router from '@koa/router';
import { NO_RULE } from '../audit-events.js';
import type { Context } from 'koa';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ActionModel } from '../../core/model.js';
import { parseDuration } from '../../core/duration.js';
import { MASK, maskParams, type AuditEntry, type AuditLog } from '../audit.js';
import { previewAction, type PreviewResult } from '../actions/preview.js';
import { unsafeRequestParams } from '../actions/run-steps.js';
import { ExpectationFailed } from '../datasources/datasource.js';
import { makeIdentity, type Identity } from '../identity.js';
import type { Logger } from '../log.js';
import { checkParams } from '../params.js';
import type { LiveApp, Registry } from '../registry.js';
import { FileApprovalStore } from '../approvals/file-store.js';
import { DEFAULT_EXPIRES_AFTER, expireDue, expireIfDue, startExpiryTimer } from '../approvals/expiry.js';
import { ApprovalConflict, ApprovalStoreUnavailable, KeyedLock, type ApprovalRequest, type ApprovalStore } from '../approvals/store.js';
import { readJsonObject } from './body.js';
import { HttpError, forbidden, invalid, notFound } from './errors.js';
import { executionError, requireAvailable, tryAudit } from './execution-errors.js';
import { requireIdentity } from './identify.js';
import type { OpsdeckMetrics } from './metrics.js';
import { runAction, type ActionRun, type AuditBase } from './run-action.js';

/** Maximum length of a comment on an approval or rejection, in characters. */
export const MAX_COMMENT_LENGTH = 1000;

export interface ApprovalDeps {
  registry: Registry;
  audit: AuditLog;
  log: Logger;
  store: ApprovalStore;
  locks: KeyedLock;
  /** Times the actions that run once approved, as for actions without approval. */
  metrics?: OpsdeckMetrics;
}

/** Opens the approval store of the served folder (`.opsdeck/approvals.jsonl`, unless the system store gives one) and starts the expiry timer. */
export function openApprovals(registry: Registry, audit: AuditLog, log: Logger, given?: ApprovalStore, metrics?: OpsdeckMetrics): ApprovalDeps {
  const store = given ?? new FileApprovalStore(join(registry.root, '.opsdeck', 'approvals.jsonl'), log);
  const deps: ApprovalDeps = { registry, audit, log, store, locks: new KeyedLock(), ...(metrics === undefined ? {} : { metrics }) };
  // NOTE: the timer is never stopped; it does not keep the process alive, and after the registry closed it has no app to check.
  startExpiryTimer(deps, () => registry.list().map((app) => app.id));
  return deps;
}

/**
 * Creates a pending request for an action that passed its checks, with the
 * preview result when the action offers one, and returns the 202 response.
 * The audit record comes first (outcome `pending`): no record, no request.
 */
export async function requestApproval(deps: ApprovalDeps, run: ActionRun): Promise<{ status: number; body: Record<string, unknown> }> {
  const { audit, log, store } = deps;
  const { app, action, identity, params, masked, base } = run;
  const id = randomUUID();
  const preview = action.preview === undefined ? undefined : await previewForRequest(app, action, identity, params, log);

  const createdAt = new Date();
  const expiresAfter = action.spec.approval?.expiresAfter ?? DEFAULT_EXPIRES_AFTER;
  const expiresAt = new Date(createdAt.getTime() + (parseDuration(expiresAfter) ?? parseDuration(DEFAULT_EXPIRES_AFTER)!));
  try {
    await audit.append({ ...base, outcome: 'pending', params: masked, approval: id, requester: identity.id });
  } catch (err) {
    log.error({ err, app: app.id, action: action.id }, 'audit log unavailable; approval request not created');
    throw new HttpError(503, 'audit_unavailable', 'The request was not sent for approval because its audit record could not be written. Try again later or tell an administrator.');
  }
  try {
    await store.create({
      id,
      app: app.id,
      action: action.id,
      params,
      maskedParams: masked,
      requester: { id: identity.id, name: identity.name, groups: identity.groups, attributes: identity.attributes },
      createdAt: createdAt.toISOString(),
      expiresAt: expiresAt.toISOString(),
      ...(preview === undefined ? {} : { preview: maskPreview(preview, params, action.secretParams) }),
      specVersion: app.specVersion,
    });
  } catch (err) {
    await tryAudit(audit, log, { ...base, outcome: 'failed', params: masked, approval: id, requester: identity.id, error: 'approval request not stored' });
    throw storeError(err, log, 'The request was not sent for approval');
  }
  log.info({ user: identity.id, app: app.id, action: action.id, approval: id }, 'approval requested');
  return { status: 202, body: { approval: { id, status: 'pending', expiresAt: expiresAt.toISOString() } } };
}

/** Runs the action's preview for the approvers; a preview that would change nothing stops the request. */
async function previewForRequest(app: LiveApp, action: ActionModel, identity: Identity, params: Record<string, unknown>, log: Logger): Promise<PreviewResult> {
  try {
    return await previewAction(action, { sql: app.datasources, http: app.services, params, identity });
  } catch (err) {
    if (err instanceof ExpectationFailed) {
      const reason = action.spec.expect?.message ?? `"${action.spec.title}" would change ${err.actual} row(s) instead of ${err.expected}.`;
      throw new HttpError(409, 'expectation_failed', `The request was not sent for approval, because running it would change nothing. ${reason}`);
    }
    throw executionError(err, app, `The preview of "${action.spec.title}"`, () => {
      log.error({ err, app: app.id, action: action.id }, 'approval preview failed');
      return new HttpError(422, 'action_failed', `The preview of "${action.spec.title}" failed, so the request was not sent for approval. The details are in the server log.`);
    });
  }
}

/**
 * Replaces the cells of a preview sample that hold the value of a secret
 * parameter by the mask, because approvers see the sample but not the secret.
 * NOTE: a value the SQL derives from a secret (such as a concatenation) is not recognized.
 */
function maskPreview(preview: PreviewResult, params: Record<string, unknown>, secretParams: string[]): PreviewResult {
  const secrets = new Set(Object.entries(maskParams(params, secretParams)).filter(([, value]) => value === MASK).map(([name]) => params[name]).filter((value) => value !== '' && value !== null));
  if (secrets.size === 0) return preview;
  const maskRow = (row: Record<string, unknown> | null) => (row === null ? null : Object.fromEntries(Object.entries(row).map(([column, value]) => [column, secrets.has(value) ? MASK : value])));
  return { ...preview, sample: preview.sample.map((entry) => ({ key: secrets.has(entry.key) ? MASK : entry.key, before: maskRow(entry.before), after: maskRow(entry.after) })) as PreviewResult['sample'] };
}

/** Adds `GET /apps/:app/approvals` and `POST /apps/:app/approvals/:id/approve|reject` to the /api router. */
export function addApprovalRoutes(router: Router, deps: ApprovalDeps): void {
  router.get('/apps/:app/approvals', async (ctx) => {
    const identity = requireIdentity(ctx);
    const app = openableApp(deps.registry, ctx.params.app, identity);
    const status = ctx.query.status ?? 'pending';
    if (status !== 'pending' && status !== 'all') {
      throw invalid('invalid_request', [{ field: 'status', message: `must be "pending" or "all" (got ${JSON.stringify(status)}).` }]);
    }
    const requests = (await expireDue(deps, app.id))
      .filter((request) => request.requester.id === identity.id || app.enforcer.allows(identity, `action:${request.action}`, 'approve'))
      .filter((request) => status === 'all' || request.status === 'pending')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    ctx.body = { approvals: requests.map((request) => publicRequest(app, request, identity)) };
  });

  router.post('/apps/:app/approvals/:id/approve', (ctx) => decide(ctx, deps, 'approve'));
  router.post('/apps/:app/approvals/:id/reject', (ctx) => decide(ctx, deps, 'reject'));
}

/** Returns the view of a request that a user gets, without the unmasked parameters or the requester's attributes. */
function publicRequest(app: LiveApp, request: ApprovalRequest, identity: Identity): Record<string, unknown> {
  const action = Object.hasOwn(app.model.actions, request.action) ? app.model.actions[request.action] : undefined;
  const mine = request.requester.id === identity.id;
  return {
    id: request.id,
    action: request.action,
    actionTitle: action?.spec.title ?? request.action,
    status: request.status,
    params: request.maskedParams,
    requester: { id: request.requester.id, name: request.requester.name },
    createdAt: request.createdAt,
    expiresAt: request.expiresAt,
    approvers: action?.spec.approval?.by ?? [],
    mine,
    mayDecide: !mine && request.status === 'pending' && app.enforcer.allows(identity, `action:${request.action}`, 'approve'),
    ...(request.preview === undefined ? {} : { preview: request.preview }),
    ...(request.decision === undefined ? {} : { decision: request.decision }),
    ...(request.result === undefined ? {} : { result: request.result }),
  };
}

/**
 * Approves or rejects one request. Decisions on one request run one at a
 * time, so of two approvals sent at once exactly one runs the action and the
 * other gets 409.
 */
async function decide(ctx: Context, deps: ApprovalDeps, verdict: 'approve' | 'reject'): Promise<void> {
  const identity = requireIdentity(ctx);
  const app = deps.registry.get(ctx.params.app);
  if (!app) throw notFound(`App "${ctx.params.app}"`);
  const comment = readComment(await readJsonObject(ctx));
  const found = await deps.store.get(app.id, ctx.params.id);
  if (!found) throw notFound(`Approval request "${ctx.params.id}" of app "${app.id}"`);

  await deps.locks.run(found.id, async () => {
    const request = await expireIfDue(deps, (await deps.store.get(app.id, found.id)) ?? found);
    if (request.status !== 'pending') {
      throw new HttpError(409, 'approval_not_pending', `This request is ${request.status}, so it can no longer be ${verdict === 'approve' ? 'approved' : 'rejected'}.`);
    }
    const action = Object.hasOwn(app.model.actions, request.action) ? app.model.actions[request.action] : undefined;
    if (!action || action.spec.approval === undefined) {
      await markFailed(deps, request, `the action "${request.action}" no longer exists or no longer needs approval`);
      throw new HttpError(409, 'approval_stale', `The action "${request.action}" was removed or no longer needs approval since this request was sent, so the request was marked failed. Run the action again if it is still needed.`);
    }
    const base = { user: identity.id, groups: identity.groups, app: app.id, object: `action:${action.id}`, action: action.id, specVersion: app.specVersion, contentHash: app.model.version, approval: request.id, requester: request.requester.id };
    if (request.requester.id === identity.id) {
      await tryAudit(deps.audit, deps.log, { ...base, outcome: 'denied', error: `own request cannot be ${verdict}d` });
      throw new HttpError(403, 'forbidden', `You cannot ${verdict} your own request; a member of ${action.spec.approval.by.join(' or ')} has to decide it.`);
    }
    if (!app.enforcer.allows(identity, `action:${action.id}`, 'approve')) {
      deps.log.warn({ user: identity.id, app: app.id, object: `action:${action.id}`, act: 'approve', rule: NO_RULE }, 'denied');
      await tryAudit(deps.audit, deps.log, { ...base, outcome: 'denied' });
      throw forbidden();
    }
    if (verdict === 'reject') {
      await reject(deps, request, identity, comment, base);
      ctx.body = { approval: { id: request.id, status: 'rejected' } };
      return;
    }
    const outcome = await approveAndRun(deps, app, action, request, identity, comment, base);
    ctx.status = outcome.status;
    ctx.body = outcome.body;
  });
}


async function reject(deps: ApprovalDeps, request: ApprovalRequest, identity: Identity, comment: string | undefined, base: AuditBase): Promise<void> {
  await appendDecision(deps, { ...base, outcome: 'rejected', params: request.maskedParams, approver: identity.id, ...(comment === undefined ? {} : { comment }) });
  try {
    await deps.store.record({ type: 'rejected', id: request.id, at: new Date().toISOString(), by: { id: identity.id, name: identity.name }, ...(comment === undefined ? {} : { comment }) });
  } catch (err) {
    throw storeError(err, deps.log, 'The request was not rejected');
  }
  deps.log.info({ user: identity.id, app: request.app, action: request.action, approval: request.id }, 'approval request rejected');
}

/**
 * Checks the stored parameters against the current spec, records the
 * approval, and runs the action as the requester. A spec that no longer
 * accepts the parameters marks the request failed (409) without running it.
 */
async function approveAndRun(
  deps: ApprovalDeps,
  app: LiveApp,
  action: ActionModel,
  request: ApprovalRequest,
  approver: Identity,
  comment: string | undefined,
  base: AuditBase,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let params: Record<string, unknown>;
  try {
    params = checkParams(action.paramsSchema, request.params);
    const unsafe = unsafeRequestParams(action, params);
    if (unsafe.length > 0) throw invalid('invalid_params', unsafe);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    await markFailed(deps, request, `the parameters no longer fit the action: ${err.message}`);
    throw new HttpError(409, 'approval_stale', `The parameters of "${action.spec.title}" changed since this request was sent (${err.message}), so it was marked failed and did not run. Run the action again with the new parameters.`);
  }
  requireAvailable(app);

  await appendDecision(deps, { ...base, outcome: 'approved', params: request.maskedParams, approver: approver.id, ...(comment === undefined ? {} : { comment }) });
  try {
    await deps.store.record({ type: 'approved', id: request.id, at: new Date().toISOString(), by: { id: approver.id, name: approver.name }, ...(comment === undefined ? {} : { comment }) });
  } catch (err) {
    throw storeError(err, deps.log, 'The request was not approved');
  }
  deps.log.info({ user: approver.id, app: app.id, action: action.id, approval: request.id, requester: request.requester.id }, 'approval request approved');

  const { requester } = request;
  const identity = makeIdentity(requester.id, requester.name, requester.groups, requester.attributes);
  const masked = maskParams(params, action.secretParams);
  const runBase = { user: identity.id, groups: identity.groups, app: app.id, object: `action:${action.id}`, action: action.id, specVersion: app.specVersion, contentHash: app.model.version, approval: request.id, requester: requester.id, approver: approver.id };
  let outcome: { status: number; body: Record<string, unknown> };
  try {
    outcome = await runAction({ audit: deps.audit, log: deps.log, metrics: deps.metrics }, { app, action, identity, params, masked, base: runBase });
  } catch (err) {
    await markFailed(deps, request, err instanceof HttpError ? err.message : 'the action failed');
    throw err;
  }
  const status = await recordEnd(deps, request, outcome);
  return { status: outcome.status, body: { ...outcome.body, approval: { id: request.id, status } } };
}

/** Records how the run ended. The action already ran, so a store that cannot record it is logged and the response still reports the run. */
async function recordEnd(deps: ApprovalDeps, request: ApprovalRequest, outcome: { status: number; body: Record<string, unknown> }): Promise<string> {
  const at = new Date().toISOString();
  const changes = typeof outcome.body.changes === 'number' ? outcome.body.changes : undefined;
  try {
    const ended = outcome.status === 200
      ? await deps.store.record({ type: 'executed', id: request.id, at, ...(changes === undefined ? {} : { changes }) })
      : await deps.store.record({ type: 'failed', id: request.id, at, error: errorMessage(outcome.body) });
    return ended.status;
  } catch (err) {
    deps.log.error({ err, app: request.app, approval: request.id }, 'the end of an approved run could not be recorded');
    return outcome.status === 200 ? 'executed' : 'failed';
  }
}

/** Writes an `approved` or `rejected` audit record; the decision is not taken when it cannot be written. */
async function appendDecision(deps: ApprovalDeps, entry: AuditEntry): Promise<void> {
  try {
    await deps.audit.append(entry);
  } catch (err) {
    deps.log.error({ err, app: entry.app, action: entry.action, approval: entry.approval }, 'audit log unavailable; decision not taken');
    throw new HttpError(503, 'audit_unavailable', 'The decision was not taken because its audit record could not be written. Try again later or tell an administrator.');
  }
}

/** Records that a request failed; a store that cannot record it is logged, since the response already explains the failure. */
async function markFailed(deps: ApprovalDeps, request: ApprovalRequest, error: string): Promise<void> {
  try {
    await deps.store.record({ type: 'failed', id: request.id, at: new Date().toISOString(), error });
  } catch (err) {
    deps.log.error({ err, app: request.app, approval: request.id }, 'approval request could not be marked failed');
  }
}

function errorMessage(body: Record<string, unknown>): string {
  const error = body.error as { message?: unknown } | undefined;
  return typeof error?.message === 'string' ? error.message : 'the action failed';
}

function storeError(err: unknown, log: Logger, what: string): HttpError {
  // Another server process decided the request between our read and our write (see runtime/system-store/pg-approvals.ts).
  if (err instanceof ApprovalConflict) return new HttpError(409, 'approval_not_pending', `${what}, because it was decided at the same moment on another server. Reload to see its status.`);
  if (!(err instanceof ApprovalStoreUnavailable)) throw err;
  log.error({ err }, 'approval store unavailable');
  return new HttpError(503, 'approvals_unavailable', `${what}, because the approval store could not be written. Try again later or tell an administrator.`);
}

/** Reads the body of a decision: only an optional `comment` of at most 1000 characters. */
function readComment(body: Record<string, unknown>): string | undefined {
  const extra = Object.keys(body).filter((key) => key !== 'comment');
  if (extra.length > 0) {
    throw invalid('invalid_request', extra.map((key) => ({ field: key, message: 'is not part of a decision; send only comment. The action runs with the parameters of the request.' })));
  }
  const comment = body.comment;
  if (comment === undefined || comment === null) return undefined;
  if (typeof comment !== 'string') throw invalid('invalid_request', [{ field: 'comment', message: 'must be a string.' }]);
  if (comment.length > MAX_COMMENT_LENGTH) throw invalid('invalid_request', [{ field: 'comment', message: `must have at most ${MAX_COMMENT_LENGTH} characters (got ${comment.length}).` }]);
  if (comment.includes('\u0000')) throw invalid('invalid_request', [{ field: 'comment', message: 'must not contain NUL characters.' }]);
  return comment.trim() === '' ? undefined : comment;
}

/** Returns an app the user may open; unknown and fully hidden apps both respond 404, so app ids do not leak. */
function openableApp(registry: Registry, id: string, identity: Identity): LiveApp {
  const app = registry.get(id);
  if (!app || !Object.keys(app.model.pages).some((page) => app.enforcer.allows(identity, `page:${page}`, 'view'))) throw notFound(`App "${id}"`);
  return app;
}
