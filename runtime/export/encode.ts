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

/** A plain decimal number, such as an int8 or numeric value the binding layer sends as a string; a spreadsheet reads it as a number, never a formula. */
const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Characters that make RFC 4180 quote a field. */
const NEEDS_QUOTES = /[",\r\n]/;

/** Character codes that start a formula: =, +, -, @, tab and carriage return. */
const FORMULA_CODES = new Set([0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d]);

/** Returns text as a CSV field: a leading `'` if a spreadsheet would run it as a formula and it is no plain number, and quotes where RFC 4180 needs them. */
function csvText(value: string): string {
  let text = value;
  if (FORMULA_CODES.has(text.charCodeAt(0)) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Returns one CSV field. Null is an empty field, numbers and booleans are
 * written as they are, and text a spreadsheet would run as a formula gets a
 * leading `'`, unless it is a plain number such as `-12.5`.
 */
export function csvField(value: CellValue | undefined): string {
  switch (typeof value) {
    case 'string':
      return csvText(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : '';
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return value instanceof Uint8Array ? csvText(Buffer.from(value).toString('base64')) : '';
  }
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

/** Returns the JSON text of one value of a JSON line; blobs become base64 text. */
function jsonValue(value: CellValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  return JSON.stringify(value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value);
}

/**
 * Encodes rows read as arrays, one value per result column, into the text of
 * one chunk: only the `visible` columns, in their order, with the masked ones
 * replaced (null stays null), exactly as applyColumnRules does to row objects.
 */
export type ChunkEncoder = (rows: ReadonlyArray<ReadonlyArray<CellValue>>) => string;

/** The column rules an encoder applies: the columns sent, in order, and those whose values are masked. */
export interface EncodedColumns {
  /** Result columns of the statement, in the order of the values of each row. */
  result: string[];
  /** Columns sent, in order; each must be one of `result`. */
  visible: string[];
  masked: ReadonlySet<string>;
  /** Value sent in place of a masked one. */
  maskedValue: string;
}

/**
 * Returns the encoder of one export's rows in `format`. A name the result
 * has twice takes its last value, as in a row object. Raises when a visible
 * column is not among the result columns, which would send an empty column.
 */
export function chunkEncoder(format: ExportFormat, columns: EncodedColumns): ChunkEncoder {
  const names = format === 'jsonl' ? [...new Set(columns.visible)] : columns.visible;
  const indexes = names.map((name) => {
    const index = columns.result.lastIndexOf(name);
    if (index === -1) throw new Error(`the export column "${name}" is not among the statement's result columns (${columns.result.join(', ')})`);
    return index;
  });
  const masked = names.map((name) => columns.masked.has(name));
  const width = names.length;
  if (format === 'csv') {
    const maskedField = csvText(columns.maskedValue);
    return (rows) => {
      let text = '';
      for (const row of rows) {
        for (let column = 0; column < width; column++) {
          const value = row[indexes[column]];
          if (column > 0) text += ',';
          if (value === null || value === undefined) continue;
          text += masked[column] ? maskedField : csvField(value);
        }
        text += '\r\n';
      }
      return text;
    };
  }
  const keys = names.map((name, column) => `${column === 0 ? '{' : ','}${JSON.stringify(name)}:`);
  const maskedJson = JSON.stringify(columns.maskedValue);
  return (rows) => {
    let text = '';
    for (const row of rows) {
      if (width === 0) text += '{';
      for (let column = 0; column < width; column++) {
        const value = row[indexes[column]];
        text += keys[column];
        text += masked[column] && value !== null && value !== undefined ? maskedJson : jsonValue(value);
      }
      text += '}\n';
    }
    return text;
  };
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
