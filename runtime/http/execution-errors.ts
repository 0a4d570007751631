// Maps what went wrong while running a query or action to the client's error,
// and the helpers that write audit records without ever leaking a secret.
import type { LiveApp } from '../registry.js';
import { AuditUnavailable, type AuditLog } from '../audit.js';
import { DatasourceUnavailable, StatementTimeout, type Datasource } from '../datasources/datasource.js';
import { BindError, type BindValue } from '../datasources/values.js';
import { bindValues, statementFor, type StatementModel } from '../bind.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import { HttpError, invalid } from './errors.js';
import type { QueryModel } from '../../core/model.js';
import { sentBlockedSearches, type QueryAccess } from '../access/query-access.js';

export function unavailable(app: LiveApp, reason: string | undefined): HttpError {
  const next = app.health.retrying ? 'It becomes available again by itself once the database responds, so try again later.' : 'An administrator has to fix its settings first.';
  return new HttpError(503, 'app_unavailable', `The app "${app.model.title}" is unavailable: ${reason ?? 'its database cannot be reached'}. ${next}`);
}

export function requireAvailable(app: LiveApp): void {
  if (!app.health.available) throw unavailable(app, app.health.reason);
}

/** Binds the request's values for the data source; a value that cannot be bound is a 400 naming the parameter. */
export function bindOrReject(source: Datasource, statement: StatementModel, params: Record<string, unknown>, identity: Identity): BindValue[] {
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
export function executionError(err: unknown, app: LiveApp, subject: string, otherwise: () => HttpError): HttpError {
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
export function failureSummary(err: unknown): string {
  if (err instanceof DatasourceUnavailable) return 'database unavailable';
  if (err instanceof StatementTimeout) return 'statement timed out';
  return 'statement failed';
}

/** Appends a record whose loss must not fail the request (denials, outcomes); a lost record is logged as an error. */
export async function tryAudit(audit: AuditLog, log: Logger, entry: Parameters<AuditLog['append']>[0]): Promise<void> {
  try {
    await audit.append(entry);
  } catch (err) {
    if (err instanceof AuditUnavailable) log.error({ err, app: entry.app, object: entry.object, outcome: entry.outcome }, 'audit record lost');
    else throw err;
  }
}

/** Raises 400 for parameters that search a column hidden or masked for the caller: their matches would reveal the column. */
export function rejectBlockedSearches(query: QueryModel, access: QueryAccess, params: Record<string, unknown>): void {
  const errors = sentBlockedSearches(query, access, params).map(([name, column]) => ({ field: `params.${name}`, message: `searches column "${column}", which is hidden or masked for you, so it cannot be used; leave it empty.` }));
  if (errors.length > 0) throw invalid('invalid_params', errors);
}
