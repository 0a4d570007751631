// Comparing query results with the rows a test expects. An expected row lists
// only the columns it checks, so volatile columns such as timestamps can be left out.
import type { CellValue } from '../datasources/values.js';
import type { DocPath } from '../../core/load.js';
import { toSqlValue } from '../bind.js';
import type { Row, RowsExpectation } from './test-file.js';

/** Result rows shown in a failure message at most. */
const MAX_SHOWN_ROWS = 5;

/** A difference between a result and the expectation: its path relative to the expectation, and a message. */
export interface Mismatch {
  path: DocPath;
  message: string;
}

type ResultRow = Record<string, CellValue>;

/** Compares result rows with `rows:` (in order unless `unordered:`), `contains:` or `total:`; returns undefined when they match. */
export function compareRows(expectation: RowsExpectation, actual: ResultRow[]): Mismatch | undefined {
  if (expectation.total !== undefined) {
    if (actual.length === expectation.total) return undefined;
    return { path: ['total'], message: `expected ${expectation.total} row(s), got ${actual.length}` };
  }

  if (expectation.contains !== undefined) {
    for (let i = 0; i < expectation.contains.length; i++) {
      const expected = expectation.contains[i];
      if (actual.some((row) => rowMatches(expected, row))) continue;
      return { path: ['contains', i], message: `no result row matches ${showRow(expected)}; ${describeResult(actual, expected)}` };
    }
    return undefined;
  }

  const rows = expectation.rows;
  if (rows === undefined) return undefined;
  if (rows.length !== actual.length) {
    return { path: ['rows'], message: `expected ${rows.length} row(s), got ${actual.length}; ${describeResult(actual, rows[0])}` };
  }
  if (expectation.unordered === true) {
    const unused = [...actual];
    for (let i = 0; i < rows.length; i++) {
      const index = unused.findIndex((row) => rowMatches(rows[i], row));
      if (index === -1) return { path: ['rows', i], message: `no result row left that matches ${showRow(rows[i])}; ${describeResult(actual, rows[i])}` };
      unused.splice(index, 1);
    }
    return undefined;
  }
  for (let i = 0; i < rows.length; i++) {
    if (rowMatches(rows[i], actual[i])) continue;
    return { path: ['rows', i], message: `row ${i + 1}: expected ${showRow(rows[i])}, got ${showRow(project(actual[i], rows[i]))}` };
  }
  return undefined;
}

/** Returns true when every column the expected row lists has the same value in the result row. */
export function rowMatches(expected: Row, actual: ResultRow): boolean {
  return Object.entries(expected).every(([column, value]) => Object.hasOwn(actual, column) && sameValue(value, actual[column]));
}

function sameValue(expected: Row[string], actual: CellValue): boolean {
  // YAML booleans compare as SQLite stores them (1 and 0), the same conversion the server applies to parameters.
  const wanted = toSqlValue(expected);
  if (actual instanceof Uint8Array) return false;
  return wanted === actual;
}

/** Keeps the columns the expected row lists, so messages show what was compared. */
function project(row: ResultRow, expected: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of Object.keys(expected)) out[column] = Object.hasOwn(row, column) ? row[column] : '(no such column)';
  return out;
}

function describeResult(actual: ResultRow[], sample: Row | undefined): string {
  if (actual.length === 0) return 'the result is empty';
  const columns = Object.keys(actual[0]);
  const missing = sample === undefined ? [] : Object.keys(sample).filter((column) => !columns.includes(column));
  if (missing.length > 0) return `the result has no column ${missing.join(', ')} (its columns: ${columns.join(', ')})`;
  const shown = actual.slice(0, MAX_SHOWN_ROWS).map((row) => showRow(sample === undefined ? row : project(row, sample)));
  const more = actual.length > MAX_SHOWN_ROWS ? ` and ${actual.length - MAX_SHOWN_ROWS} more` : '';
  return `got ${shown.join(', ')}${more}`;
}

function showRow(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_key, value: unknown) => (value instanceof Uint8Array ? `(blob of ${value.length} bytes)` : value));
}
