// Runs a query that reads its rows from an HTTP API. It sends one GET request,
// built with the templates and URL rules of HTTP action steps, and applies
// filter, sort and page in this process to the array the `rows:` pointer names.
// There is no upstream paging, so the rows are those of one response, which
// the data source caps at `maxResponseBytes`.
import type { HttpQueryModel } from '../../core/model.js';
import type { StepScope } from '../../core/step-templates.js';
import { readPointer, unsafeParamsOfRequests } from '../actions/run-steps.js';
import { HttpRequestFailed, type HttpDatasource } from '../datasources/http.js';
import { buildStepUrl, headerValue, UnsafeRequestValue } from '../datasources/http-url.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import { HttpError, invalid } from './errors.js';
import { describePage, parseQueryRequest, usableColumns, type PageResponse } from './query-request.js';
import { applyColumnRules, type QueryAccess } from '../access/query-access.js';
import { rowPasses } from '../access/row-rule-sql.js';
import { evaluateRows, type MemoryRow } from './query-rows.js';

/** One page of an HTTP query, shaped like the result of a SQL query. */
export interface HttpQueryPage {
  columns: string[];
  rows: MemoryRow[];
  total: number;
  page: PageResponse;
}

/**
 * Fetches the rows of `query` and returns the requested page. Raises an
 * HttpError: 400 for unsafe parameter values and an invalid sort, filter or
 * page, 502 for a failed upstream request or a response without an array of
 * objects at the pointer, and 504 when the API timed out.
 */
export async function runHttpQuery(
  query: HttpQueryModel,
  source: HttpDatasource,
  params: Record<string, unknown>,
  identity: Identity,
  body: { sort?: unknown; filter?: unknown; page?: unknown },
  log: Logger,
  access?: QueryAccess,
): Promise<HttpQueryPage> {
  const title = query.spec.title ?? query.id;
  const unsafe = unsafeParamsOfRequests([query.request], params);
  if (unsafe.length > 0) throw invalid('invalid_params', unsafe);

  const scope: StepScope = { params, user: { id: identity.id, email: identity.email ?? null, name: identity.name }, steps: {} };
  let response;
  try {
    const url = buildStepUrl(source.base, query.request.path, query.request.query, scope);
    const headers: Record<string, string> = {};
    for (const [name, template] of Object.entries(query.request.headers ?? {})) headers[name] = headerValue(name, template, scope);
    response = await source.send({ method: 'GET', url, headers });
  } catch (err) {
    if (err instanceof UnsafeRequestValue) throw invalid('invalid_params', [{ field: err.field, message: `cannot be sent: ${err.message}.` }]);
    if (!(err instanceof HttpRequestFailed)) throw err;
    // The message names the data source and the cause only, never the URL, headers or response body.
    log.warn({ err: { message: err.message, kind: err.kind, status: err.status, attempts: err.attempts }, query: query.id, datasource: source.name }, 'HTTP query failed');
    const attempts = err.attempts > 1 ? ` after ${err.attempts} attempts` : '';
    if (err.kind === 'timeout') throw new HttpError(504, 'upstream_timeout', `The query "${title}" timed out${attempts}: ${err.message}. Try again later.`);
    if (err.kind === 'too_large') throw new HttpError(502, 'upstream_invalid', `The query "${title}" failed: ${err.message}. Narrow the request with parameters, or raise maxResponseBytes.`);
    throw new HttpError(502, 'upstream_failed', `The query "${title}" failed${attempts}: ${err.message}. Try again later or tell an administrator.`);
  }

  const all = readRows(response.body, query, title, source.name);
  // Row rules run before the client's filter, so counts and pages only ever cover rows the caller may see.
  const items = access?.rows === undefined ? all : all.filter((item) => rowPasses(access.rows!, item, identity));
  const { visible, usable } = usableColumns(columnsOf(all), access);
  const parts = parseQueryRequest(body, usable, access?.masked, query.spec.key);
  const result = evaluateRows(items, parts);
  const rows = result.rows.map((item) => Object.fromEntries(visible.map((column) => [column, Object.hasOwn(item, column) ? item[column] : null])));
  return { columns: visible, rows: access === undefined ? rows : applyColumnRules(rows, access), total: result.total, page: describePage(parts, result.rows) };
}

/** Returns the array of row objects at the query's pointer, or raises a 502 `upstream_invalid` naming the pointer. */
function readRows(body: unknown, query: HttpQueryModel, title: string, datasource: string): MemoryRow[] {
  const where = query.rows === '' ? 'the response body' : `JSON pointer "${query.rows}" of the response`;
  const found = readPointer(body, query.rows);
  if (!Array.isArray(found)) {
    throw new HttpError(502, 'upstream_invalid', `The query "${title}" expected an array of rows at ${where} of data source \`${datasource}\`, but found ${kindOf(found)}. Fix \`rows:\` of the query or the API.`);
  }
  const index = found.findIndex((item) => item === null || typeof item !== 'object' || Array.isArray(item));
  if (index !== -1) {
    throw new HttpError(502, 'upstream_invalid', `The query "${title}" expected an object per row at ${where} of data source \`${datasource}\`, but item ${index} is ${kindOf(found[index])}. Point \`rows:\` at an array of objects.`);
  }
  return found as MemoryRow[];
}

/** Names the JSON type of a value without quoting it, since response data may be private. */
function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The union of the rows' keys, in the order they first appear. */
function columnsOf(rows: MemoryRow[]): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}
