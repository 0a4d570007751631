// Row conditions of row actions: which rows a row action shows on.
import type { Row, RowCondition } from './client-spec.js';

/**
 * Tells whether a row meets a row action's `when` condition: every listed
 * column must hold the given value, or one of the values when a list is given.
 * Values compare with `===`, so `null` matches only a null cell, `1` does not
 * match `"1"`, and a column the row lacks matches nothing. No condition always
 * matches. A condition that is not an object matches no row, because the
 * server's schema never sends one.
 */
export function matchesRowCondition(row: Row, condition: RowCondition | undefined): boolean {
  if (condition === undefined || condition === null) return true;
  if (typeof condition !== 'object' || Array.isArray(condition)) return false;
  for (const [column, expected] of Object.entries(condition)) {
    if (!Object.hasOwn(row, column)) return false;
    const value = row[column];
    const allowed: unknown[] = Array.isArray(expected) ? expected : [expected];
    if (!allowed.some((candidate) => candidate === value)) return false;
  }
  return true;
}
