// Turns a preview response into what the confirmation step shows: the row
// count and, per sampled key, only the columns whose values change.
import type { PreviewResult, PreviewSample, Row } from './client-spec.js';

/** Kind of change to a sampled row. */
export type RowChangeKind = 'inserted' | 'updated' | 'deleted';

/** One column of a sampled row whose value changes; `before` is absent for an inserted row and `after` for a deleted one. */
export interface ColumnChange {
  column: string;
  before?: string;
  after?: string;
}

/** One sampled row as the confirmation step lists it. */
export interface RowChange {
  key: string;
  kind: RowChangeKind;
  columns: ColumnChange[];
}

/** Returns "This will change 1 row" or "This will change N rows". */
export function changesText(changes: number): string {
  return `This will change ${changes} ${changes === 1 ? 'row' : 'rows'}`;
}

/**
 * Returns a value as display text. Null reads "null" so that it differs from
 * empty text, which reads as a pair of quotes.
 */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value === '') return '""';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/**
 * Lists the columns of one sampled row whose values differ. A missing row
 * counts as a row of nulls, so an inserted or deleted row lists its non-null
 * columns.
 */
export function diffSample(sample: PreviewSample): RowChange {
  let kind: RowChangeKind = 'updated';
  if (sample.before === null) kind = 'inserted';
  else if (sample.after === null) kind = 'deleted';
  const before = sample.before ?? {};
  const after = sample.after ?? {};
  const names = [...Object.keys(before), ...Object.keys(after).filter((name) => !Object.hasOwn(before, name))];
  const columns: ColumnChange[] = [];
  for (const name of names) {
    const old = before[name] ?? null;
    const now = after[name] ?? null;
    if (sameValue(old, now)) continue;
    const change: ColumnChange = { column: name };
    if (kind !== 'inserted') change.before = valueText(old);
    if (kind !== 'deleted') change.after = valueText(now);
    columns.push(change);
  }
  return { key: valueText(sample.key), kind, columns };
}

function sameValue(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  // Row values are JSON, so two objects or arrays with the same text hold the same value.
  return typeof left === 'object' && typeof right === 'object' && JSON.stringify(left) === JSON.stringify(right);
}

/**
 * Checks the shape of a preview response and returns it typed. Throws an
 * Error naming the first field that breaks the documented shape.
 */
export function parsePreview(body: unknown): PreviewResult {
  if (!isObject(body)) throw new Error('The preview response is not a JSON object.');
  const { changes, sample, steps, notPreviewed, note } = body;
  if (typeof changes !== 'number' || !Number.isInteger(changes) || changes < 0) {
    throw new Error(`The preview response has an invalid "changes" (${JSON.stringify(changes)}); expected a whole number of rows.`);
  }
  if (!Array.isArray(sample)) throw new Error('The preview response has no "sample" list.');
  const rows: PreviewSample[] = sample.map((entry: unknown, index) => {
    if (!isObject(entry) || !isRowOrNull(entry.before) || !isRowOrNull(entry.after)) {
      throw new Error(`The preview response has an invalid "sample[${index}]"; expected { key, before, after } with rows or null.`);
    }
    return { key: entry.key, before: entry.before, after: entry.after };
  });

  const result: PreviewResult = { changes, sample: rows };
  if (Array.isArray(steps)) {
    result.steps = steps
      .filter((step: unknown) => isObject(step) && typeof step.id === 'string' && typeof step.changes === 'number')
      .map((step) => ({ id: (step as Row).id as string, changes: (step as Row).changes as number }));
  }
  if (Array.isArray(notPreviewed)) result.notPreviewed = notPreviewed.filter((id: unknown): id is string => typeof id === 'string');
  if (typeof note === 'string' && note !== '') result.note = note;
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRowOrNull(value: unknown): value is Row | null {
  return value === null || isObject(value);
}
