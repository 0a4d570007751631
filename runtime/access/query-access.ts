// What one caller may see of one query: the row rules of the roles that grant
// it (any of them), and the columns hidden or masked for all of them. Built
// per request from the compiled restrictions; the server applies it to every
// response of the query, whatever the client asks for.
import type { QueryModel } from '../../core/model.js';
import { combineRestrictions, type CombinedRestriction } from '../../core/restrictions.js';

/** Value sent in place of a masked column's value. */
export const MASKED_VALUE = '••••••';

/** What one caller may see of one query; see core/restrictions.ts for how the roles combine. */
export type QueryAccess = CombinedRestriction;

/** Combines the restrictions of `roles`, the roles through which the caller may run the query. */
export function queryAccess(query: QueryModel, roles: string[]): QueryAccess {
  return combineRestrictions(query.restrict, roles);
}

/** Replaces masked values (null stays null) and drops hidden columns, in place. */
export function applyColumnRules<T extends Record<string, unknown>>(rows: T[], access: QueryAccess): T[] {
  if (access.hidden.size === 0 && access.masked.size === 0) return rows;
  for (const row of rows) {
    for (const column of access.hidden) delete row[column];
    for (const column of access.masked) if (row[column] !== null && row[column] !== undefined) (row as Record<string, unknown>)[column] = MASKED_VALUE;
  }
  return rows;
}

/** Parameters the caller may not send because they search a hidden or masked column: parameter name to the column. */
export function blockedSearchParams(query: QueryModel, access: QueryAccess): Map<string, string> {
  const blocked = new Map<string, string>();
  for (const [name, param] of Object.entries(query.spec.params ?? {})) {
    const column = (param.searches ?? []).find((searched) => access.hidden.has(searched) || access.masked.has(searched));
    if (column !== undefined) blocked.set(name, column);
  }
  return blocked;
}

/** Returns the parameters the caller sent a value for although they search a hidden or masked column: parameter name to that column. */
export function sentBlockedSearches(query: QueryModel, access: QueryAccess, params: Record<string, unknown>): Array<[string, string]> {
  return [...blockedSearchParams(query, access)].filter(([name]) => params[name] !== undefined && params[name] !== null && params[name] !== '');
}
