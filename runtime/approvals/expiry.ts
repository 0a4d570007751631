// Expiry of approval requests: a pending request past its expiresAt becomes
// expired, once, with an audit record. This happens whenever a request is
// read or decided, and on a timer, so requests that no one reads expire too.
import type { AuditLog } from '../audit.js';
import type { Logger } from '../log.js';
import { tryAudit } from '../http/execution-errors.js';
import { ApprovalConflict, type ApprovalRequest, type ApprovalStore, type KeyedLock } from './store.js';

/** Default time a request waits for a decision when the spec gives no `expiresAfter`. */
export const DEFAULT_EXPIRES_AFTER = '72h';

/** How often the timer looks for requests past their expiry. */
export const EXPIRY_CHECK_MS = 60_000;

export interface ExpiryDeps {
  store: ApprovalStore;
  audit: AuditLog;
  log: Logger;
  locks: KeyedLock;
}

/**
 * Marks the request expired when it is pending and past expiresAt; returns it
 * as it is now. Call it inside the request's lock. The lock is per process:
 * when another process sharing the store expired or decided the request
 * first, this returns the request as that process left it, with no audit record.
 */
export async function expireIfDue(deps: ExpiryDeps, request: ApprovalRequest, now = Date.now()): Promise<ApprovalRequest> {
  if (request.status !== 'pending' || Date.parse(request.expiresAt) > now) return request;
  let expired: ApprovalRequest;
  try {
    expired = await deps.store.record({ type: 'expired', id: request.id, at: new Date(now).toISOString() });
  } catch (err) {
    if (!(err instanceof ApprovalConflict)) throw err;
    const latest = await deps.store.get(request.app, request.id);
    if (latest === undefined || latest.status === 'pending') throw err;
    return latest;
  }
  const { requester } = request;
  await tryAudit(deps.audit, deps.log, {
    user: requester.id,
    groups: requester.groups,
    app: request.app,
    object: `action:${request.action}`,
    action: request.action,
    specVersion: request.specVersion,
    outcome: 'expired',
    params: request.maskedParams,
    approval: request.id,
    requester: requester.id,
  });
  deps.log.info({ app: request.app, action: request.action, approval: request.id }, 'approval request expired');
  return expired;
}

/** Expires every due request of the app, each under its lock; returns the app's requests as they are now. */
export async function expireDue(deps: ExpiryDeps, app: string, now = Date.now()): Promise<ApprovalRequest[]> {
  const requests = await deps.store.list(app);
  const current: ApprovalRequest[] = [];
  for (const request of requests) {
    if (request.status !== 'pending' || Date.parse(request.expiresAt) > now) {
      current.push(request);
      continue;
    }
    current.push(
      await deps.locks.run(request.id, async () => {
        const latest = (await deps.store.get(app, request.id)) ?? request;
        return expireIfDue(deps, latest, now);
      }),
    );
  }
  return current;
}

/**
 * Checks the apps `appIds()` returns every EXPIRY_CHECK_MS. The timer does not
 * keep the process alive; a failed check is logged and the next one runs as usual.
 */
export function startExpiryTimer(deps: ExpiryDeps, appIds: () => string[], intervalMs = EXPIRY_CHECK_MS): { stop(): void } {
  const timer = setInterval(() => {
    void (async () => {
      for (const app of appIds()) {
        try {
          await expireDue(deps, app);
        } catch (err) {
          deps.log.error({ err, app }, 'approval expiry check failed');
        }
      }
    })();
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
