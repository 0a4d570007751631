// Filtering, sorting and paging of rows held in memory, for queries that read
// an HTTP API. The results match what the SQL wrapper in query-request.ts gives
// on SQLite: a comparison with null is never true, NULLs sort first in
// ascending order, values of different types order as numbers < text, and
// `contains`/`startsWith` ignore ASCII case only.
import type { Condition, QueryRequestParts } from './query-request.js';

/** A row as read from a response: column name to JSON value. */
export type MemoryRow = Record<string, unknown>;

/** Applies the filter, sort and page of a request; `total` counts the rows that passed the filter. */
export function evaluateRows(rows: MemoryRow[], request: QueryRequestParts): { rows: MemoryRow[]; total: number } {
  const matching = rows.filter((row) => request.conditions.every((condition) => matches(row[condition.field], condition)));
  if (request.sort.length > 0) {
    // Array.prototype.sort is stable, so rows that tie keep the order the API sent them in.
    matching.sort((a, b) => {
      for (const key of request.sort) {
        const order = compareForSort(a[key.field], b[key.field]);
        if (order !== 0) return key.dir === 'asc' ? order : -order;
      }
      return 0;
    });
  }
  const { offset, size } = request.page;
  return { rows: matching.slice(offset, offset + size), total: matching.length };
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
