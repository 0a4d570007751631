// A faster text parser for PostgreSQL timestamps in exports, which read a
// million of them: the session time zone is UTC (postgres.ts), so most values
// print as `2024-01-02 03:04:05.123456+00` and only need their characters
// moved. Anything else goes to isoTimestamp in values.ts, which gives the
// same result for every input (test/runtime/export-encode.test.ts checks it).
import { isoTimestamp, PG_TYPES, type CellValue } from '../datasources/values.js';

/** A timestamp with a four-digit year, whole seconds, an optional fraction and an offset of +00 or none. */
const UTC_TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?:\+00)?$/;

/** Returns what isoTimestamp returns for `text`, without its date arithmetic for UTC values. */
export function exportTimestamp(text: string): string {
  if (!UTC_TIMESTAMP.test(text)) return isoTimestamp(text);
  const end = text.endsWith('+00') ? text.length - 3 : text.length;
  const fraction = end > 19 ? text.slice(20, end) : '';
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction.padEnd(3, '0')}Z`;
}

/** Text parsers an export uses in place of the data source's, by PostgreSQL type id. */
export function exportParserOf(oid: number): ((text: string) => CellValue) | undefined {
  return oid === PG_TYPES.timestamp || oid === PG_TYPES.timestamptz ? exportTimestamp : undefined;
}
