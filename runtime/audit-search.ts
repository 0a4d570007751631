// The audit page's search: which of an app's records match a filter, and one
// page of them, newest first. The PostgreSQL store runs it in SQL
// (runtime/system-store/pg-audit.ts); the file log filters here.
import type { AuditRecord } from './audit.js';

/** A checked filter of the audit page, with its page. */
export interface AuditSearch {
  /** Matches the record's user, ignoring case. */
  user?: string;
  object?: string;
  outcome?: string;
  /** Earliest and latest record time, in milliseconds since 1970, both included. */
  from?: number;
  to?: number;
  limit: number;
  offset: number;
}

/** One page of matching records, newest first, and how many match in all. */
export interface AuditPage {
  records: AuditRecord[];
  total: number;
}

/** Tells whether a record matches the filter's conditions (not its page). */
export function matchesSearch(record: AuditRecord, search: AuditSearch): boolean {
  if (search.user !== undefined && record.user.toLowerCase() !== search.user.toLowerCase()) return false;
  if (search.object !== undefined && record.object !== search.object) return false;
  if (search.outcome !== undefined && record.outcome !== search.outcome) return false;
  const time = Date.parse(record.time);
  if (search.from !== undefined && !(time >= search.from)) return false;
  if (search.to !== undefined && !(time <= search.to)) return false;
  return true;
}

/** Filters and pages records that are already newest first. */
export function searchInMemory(records: AuditRecord[], search: AuditSearch): AuditPage {
  const matching = records.filter((record) => matchesSearch(record, search));
  return { records: matching.slice(search.offset, search.offset + search.limit), total: matching.length };
}
