// The audit record of an export, written (and fsynced) before any row is
// read, by the export endpoint and by background export runs alike.
import type { SqlQueryModel } from '../../core/model.js';
import type { AuditEntry, AuditLog } from '../audit.js';
import { appEntryBase, queryRunEntry } from '../audit-events.js';
import { HttpError } from '../http/errors.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import type { LiveApp } from '../registry.js';

/** The audit record of an export: always written, whatever the query's `audit:` says, because an export sends every row. */
export function exportEntry(app: LiveApp, identity: Identity, query: SqlQueryModel, rule: string | undefined, params: Record<string, unknown>, rows: number): AuditEntry {
  return queryRunEntry(app, identity, query, rule, params, rows) ?? { ...appEntryBase(app, identity), object: `query:${query.id}`, outcome: 'succeeded', rule, rows };
}

/** Writes (and fsyncs) the export's record before any row is read; without it no row leaves the server. */
export async function writeExportRecord(audit: AuditLog, log: Logger, entry: AuditEntry): Promise<void> {
  try {
    await audit.append(entry);
  } catch (err) {
    log.error({ err, app: entry.app, object: entry.object }, 'audit log unavailable; export not sent');
    throw new HttpError(503, 'audit_unavailable', 'The export was not started because its audit record could not be written. Try again later or tell an administrator.');
  }
}
