// Bulk actions: one action run once per selected row, in order, each through
// the normal action endpoint, so the server authorizes, checks scope and
// audits every row on its own.
import { ApiError, apiPost, segment } from './api.js';
import type { ClientAction, Row } from './client-spec.js';

/** Outcome of a bulk run: how many rows ran, and the first failure, after which nothing more ran. */
export interface BulkOutcome {
  done: number;
  /** Runs that only sent a request for approval; counted in `done` too. */
  requested: number;
  failure?: { index: number; row: Row; error: ApiError };
}

/**
 * Maps a row to the action's parameters: `map` (parameter to column) when
 * given and not empty, else every parameter with a column of the same name.
 */
export function paramsFromRow(action: ClientAction, row: Row, map: Record<string, string> = {}): Record<string, unknown> {
  const params = action.params ?? {};
  const entries = Object.keys(map).length > 0 ? Object.entries(map) : Object.keys(params).map((name) => [name, name] as const);
  const values: Record<string, unknown> = {};
  for (const [param, column] of entries) {
    if (Object.hasOwn(params, param) && Object.hasOwn(row, column)) values[param] = row[column];
  }
  return values;
}

/** Required parameters of `action` that `paramsFromRow` cannot fill from rows with these columns. */
export function missingBulkParams(action: ClientAction, columns: string[], map: Record<string, string> = {}): string[] {
  const filled = Object.keys(map).length > 0 ? Object.entries(map).filter(([, column]) => columns.includes(column)).map(([param]) => param) : columns;
  return (action.required ?? []).filter((param) => !filled.includes(param));
}

/** Runs `actionId` once per row, in order, stopping at the first failure; `onProgress` hears after each successful run. */
export async function runBulk(
  appId: string,
  actionId: string,
  paramsList: Array<{ row: Row; params: Record<string, unknown> }>,
  onProgress: (done: number) => void = () => {},
): Promise<BulkOutcome> {
  let requested = 0;
  for (const [index, { row, params }] of paramsList.entries()) {
    try {
      const result = await apiPost<Record<string, unknown>>(`/api/apps/${segment(appId)}/actions/${segment(actionId)}`, { params });
      if (result !== null && typeof result === 'object' && 'approval' in result) requested++;
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));
      return { done: index, requested, failure: { index, row, error: apiError } };
    }
    onProgress(index + 1);
  }
  return { done: paramsList.length, requested };
}
