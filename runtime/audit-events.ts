// Builds and writes the audit records of sign-ins, sign-outs, denials and
// query runs, so the HTTP handlers and the OIDC sign-in write them alike.
import type { QueryModel } from '../core/model.js';
import { maskParams, type AuditEntry, type AuditLog, type AuditRecord } from './audit.js';
import type { PolicyObject } from './enforcer.js';
import type { Identity } from './identity.js';
import type { Logger } from './log.js';
import type { LiveApp } from './registry.js';
import { HttpError } from './http/errors.js';

/** The policy object of an app's audit trail; `audit: { viewers }` compiles to `role:<r> view audit`. */
/** Policy object of an app's audit trail; `view` on it lets a role read the audit page. */
export const AUDIT_OBJECT: PolicyObject = 'audit';

/** The `rule` of a denial. */
export const NO_RULE = 'no rule allows it';

/** Sign-in method, recorded as the record's `rule`. */
export type SignInMethod = 'dev' | 'oidc' | 'proxy';

/** Writes the record of a sign-in; rejects with AuditUnavailable when it cannot be written, and the caller should then not sign the user in. */
export function recordSignIn(audit: AuditLog, identity: Identity, method: SignInMethod): Promise<AuditRecord> {
  return audit.append({ user: identity.id, groups: identity.groups, app: '', object: 'session', outcome: 'signed-in', rule: `${method} sign-in`, specVersion: '' });
}

/** Writes the record of a sign-out; a lost record is logged and never keeps the user signed in. */
export async function recordSignOut(audit: AuditLog, log: Logger, identity: Identity): Promise<void> {
  try {
    await audit.append({ user: identity.id, groups: identity.groups, app: '', object: 'session', outcome: 'signed-out', specVersion: '' });
  } catch (err) {
    log.error({ err, user: identity.id, outcome: 'signed-out' }, 'audit record lost');
  }
}

/** Returns the fields every record about one app and user shares. */
export function appEntryBase(app: LiveApp, identity: Identity): Pick<AuditEntry, 'user' | 'groups' | 'app' | 'specVersion' | 'contentHash'> {
  return { user: identity.id, groups: identity.groups, app: app.id, specVersion: app.specVersion, contentHash: app.model.version };
}

/** Builds the record of a denied request for `object`. */
export function denialEntry(app: LiveApp, identity: Identity, object: string): AuditEntry {
  return { ...appEntryBase(app, identity), object, outcome: 'denied', rule: NO_RULE };
}

/**
 * Writes a denial when `identity` requests an app that exists but none of
 * whose pages it may view. The object is the page the app opens first
 * (`home:`, else the first page). A lost record is logged, and the caller
 * responds 404 either way.
 */
export async function auditHiddenApp(audit: AuditLog, log: Logger, app: LiveApp | undefined, identity: Identity): Promise<void> {
  if (app === undefined) return;
  const pages = Object.keys(app.model.pages);
  if (pages.some((page) => app.enforcer.allows(identity, `page:${page}`, 'view'))) return;
  const entry = denialEntry(app, identity, `page:${app.model.spec.home ?? pages[0]}`);
  try {
    await audit.append(entry);
  } catch (err) {
    log.error({ err, app: app.id, object: entry.object, outcome: 'denied' }, 'audit record lost');
  }
}

/**
 * Builds the record of a query run per the query's `audit:` setting, or undefined
 * for `audit: off`. `params` records the values, masked where the spec marks
 * a parameter `secret: true` or its name looks secret.
 */
export function queryRunEntry(app: LiveApp, identity: Identity, query: QueryModel, rule: string | undefined, params: Record<string, unknown>, rows: number): AuditEntry | undefined {
  const setting = query.spec.audit ?? 'metadata';
  if (setting === 'off') return undefined;
  const secret = Object.entries(query.spec.params ?? {})
    .filter(([, param]) => param.secret === true)
    .map(([name]) => name);
  return {
    ...appEntryBase(app, identity),
    object: `query:${query.id}`,
    outcome: 'succeeded',
    rule,
    rows,
    ...(setting === 'params' ? { params: maskParams(params, secret) } : {}),
  };
}

/** Writes the record of a query run before its rows are sent. When it cannot be written, the request fails with 503 and no rows leave the server. */
export async function auditQueryRun(audit: AuditLog, log: Logger, entry: AuditEntry | undefined): Promise<void> {
  if (entry === undefined) return;
  try {
    // Written before the rows leave the server; fsynced with the next action's record (see AuditLog.append).
    await audit.append(entry, { sync: false });
  } catch (err) {
    log.error({ err, app: entry.app, object: entry.object }, 'audit log unavailable; query rows not sent');
    throw new HttpError(503, 'audit_unavailable', 'The query ran, but its rows are not shown because its audit record could not be written. Try again later or tell an administrator.');
  }
}

/** Writes the record of a sign-in; when it cannot be written the sign-in fails with 503 and no session is created. */
export async function signInOrReject(audit: AuditLog, log: Logger, identity: Identity, method: SignInMethod): Promise<void> {
  try {
    await recordSignIn(audit, identity, method);
  } catch (err) {
    log.error({ err, user: identity.id }, 'audit log unavailable; sign-in rejected');
    throw new HttpError(503, 'audit_unavailable', 'You were not signed in because the sign-in could not be recorded in the audit log. Try again later or tell an administrator.');
  }
}
