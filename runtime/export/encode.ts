// Encodes exported rows as CSV (RFC 4180) or JSON lines. Values arrive as the
// binding layer gives them (runtime/datasources/values.ts): numbers, strings,
// booleans, null and, for blobs, Uint8Array.
import type { CellValue } from '../datasources/values.js';

/** Export formats and their media types. */
export const EXPORT_FORMATS = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  jsonl: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'jsonl' },
} as const;

export type ExportFormat = keyof typeof EXPORT_FORMATS;

/** UTF-8 byte order mark, which spreadsheet programs need to read a CSV file as UTF-8. */
export const UTF8_BOM = '\uFEFF';

/** Text a spreadsheet program would run as a formula: it starts with =, +, -, @, tab or carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A plain decimal number, such as an int8 or numeric value the binding layer sends as a string; a spreadsheet reads it as a number, never a formula. */
const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Characters that make RFC 4180 quote a field. */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * Returns one CSV field. Null is an empty field, numbers and booleans are
 * written as they are, and text a spreadsheet would run as a formula gets a
 * leading `'`, unless it is a plain number such as `-12.5`.
 */
export function csvField(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = value instanceof Uint8Array ? Buffer.from(value).toString('base64') : String(value);
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Returns one CSV record with its CRLF line end. */
export function csvRecord(values: Array<CellValue | undefined>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Returns one JSON line of a row, its keys in `columns` order; blobs become base64 text. */
export function jsonLine(row: Record<string, CellValue>, columns: string[]): string {
  const ordered: Record<string, unknown> = {};
  for (const column of columns) {
    const value = row[column];
    ordered[column] = value instanceof Uint8Array ? Buffer.from(value).toString('base64') : (value ?? null);
  }
  return `${JSON.stringify(ordered)}\n`;
}

/** Encodes the rows of one chunk in `format`; the CSV header is written separately by `exportHeader`. */
export function encodeRows(format: ExportFormat, rows: Array<Record<string, CellValue>>, columns: string[]): string {
  let text = '';
  if (format === 'csv') for (const row of rows) text += csvRecord(columns.map((column) => row[column]));
  else for (const row of rows) text += jsonLine(row, columns);
  return text;
}

/** Returns what precedes the rows: the optional byte order mark and, for CSV, the header record of column names. */
export function exportHeader(format: ExportFormat, columns: string[], bom: boolean): string {
  const mark = bom ? UTF8_BOM : '';
  return format === 'csv' ? `${mark}${csvRecord(columns)}` : mark;
}

/**
 * Returns a Content-Disposition value for `<app>-<query>-<date>.<extension>`.
 * Ids are letters, digits, `_` and `-` by the schema, but every other
 * character is still replaced, so no quote or path reaches the header.
 */
export function contentDisposition(app: string, query: string, format: ExportFormat, now: Date = new Date()): string {
  const safe = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
  const name = `${safe(app)}-${safe(query)}-${now.toISOString().slice(0, 10)}.${EXPORT_FORMATS[format].extension}`;
  return `attachment; filename="${name}"`;
}
