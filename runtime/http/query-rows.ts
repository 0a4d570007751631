// Filtering, sorting and paging of rows held in memory, for queries that read
// an HTTP API. The results match what the SQL wrapper in query-request.ts gives
// on SQLite: a comparison with null is never true, NULLs sort first in
// ascending order, values of different types order as numbers < text, and
// `contains`/`startsWith` ignore ASCII case only.
import type { CursorValue, OrderKey } from './page-cursor.js';
import type { Condition, QueryRequestParts } from './query-request.js';

/** A row as read from a response: column name to JSON value. */
export type MemoryRow = Record<string, unknown>;

/**
 * Applies the filter, order and page of a request; `total` counts the rows
 * that passed the filter. With `page.after` the page starts after the cursor's
 * position in the order instead of at `page.offset`.
 */
export function evaluateRows(rows: MemoryRow[], request: Pick<QueryRequestParts, 'conditions' | 'order' | 'page'>): { rows: MemoryRow[]; total: number } {
  const matching = rows.filter((row) => request.conditions.every((condition) => matches(row[condition.field], condition)));
  if (request.order.length > 0) {
    // Array.prototype.sort is stable, so rows that tie keep the order the API sent them in.
    matching.sort((a, b) => compareInOrder(request.order, (key) => a[key.field], (key) => b[key.field]));
  }
  const { offset, size, after } = request.page;
  if (after !== undefined) {
    const cursor = new Map(request.order.map((key, index) => [key.field, after[index]]));
    const following = matching.filter((row) => compareInOrder(request.order, (key) => row[key.field], (key) => cursor.get(key.field) as CursorValue) > 0);
    return { rows: following.slice(0, size), total: matching.length };
  }
  return { rows: matching.slice(offset, offset + size), total: matching.length };
}

/** Compares two rows, given as readers of their values, key by key; descending keys reverse the comparison. */
function compareInOrder(order: OrderKey[], left: (key: OrderKey) => unknown, right: (key: OrderKey) => unknown): number {
  for (const key of order) {
    const result = compareForSort(left(key), right(key));
    if (result !== 0) return key.dir === 'asc' ? result : -result;
  }
  return 0;
}

function matches(cell: unknown, condition: Condition): boolean {
  const isNull = cell === null || cell === undefined;
  if (condition.op === 'isNull') return isNull === condition.value;
  if (isNull || condition.value === null) return false;
  if (condition.op === 'contains' || condition.op === 'startsWith') {
    const text = asciiLower(cellText(cell));
    const expected = asciiLower(String(condition.value));
    return condition.op === 'contains' ? text.includes(expected) : text.startsWith(expected);
  }
  const order = compareValues(cell, condition.value);
  switch (condition.op) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'lt':
      return order < 0;
    case 'lte':
      return order <= 0;
    case 'gt':
      return order > 0;
    case 'gte':
      return order >= 0;
  }
}

/** Orders null first, then numbers (booleans count as 1 and 0, as SQLite stores them), then text, then objects and lists by their JSON text. */
function compareForSort(a: unknown, b: unknown): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? -1 : 1;
  return compareValues(a, b);
}

function compareValues(a: unknown, b: unknown): number {
  const left = comparable(a);
  const right = comparable(b);
  if (left.rank !== right.rank) return left.rank - right.rank;
  if (left.value < right.value) return -1;
  return left.value > right.value ? 1 : 0;
}

function comparable(value: unknown): { rank: number; value: number | string } {
  if (typeof value === 'number') return { rank: 1, value };
  if (typeof value === 'boolean') return { rank: 1, value: value ? 1 : 0 };
  if (typeof value === 'string') return { rank: 2, value };
  return { rank: 3, value: JSON.stringify(value) };
}

function cellText(cell: unknown): string {
  return typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (char) => char.toLowerCase());
}
