// Server-side check of parameters whose choices come from a query
// (`options: { query, value }`). The options query runs as the caller, with
// the caller's row and column rules, and a value it does not return is
// rejected. So a hand-made request cannot pick what the form would not offer.
import type { ParamSpec } from '../../core/spec.js';
import { applyColumnRules, queryAccess } from '../access/query-access.js';
import { statementFor } from '../bind.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import type { LiveApp } from '../registry.js';
import { HttpError, invalid, type FieldError } from './errors.js';
import { bindOrReject, executionError } from './execution-errors.js';
import { runHttpQuery } from './http-query.js';
import { buildPagedSql, MAX_PAGE_SIZE } from './query-request.js';

/** Maximum number of pages of an options query read to collect its values. */
const MAX_OPTION_PAGES = 20;

/**
 * Raises a 400 `invalid_params` naming `params.<name>` for each value (or
 * item of an array) that the parameter's options query does not return for
 * `identity`. The `lists` map of one call reads each options query once, and
 * it is dropped when the call returns, so nothing is kept between requests.
 */
export async function checkOptionValues(app: LiveApp, identity: Identity, declared: Record<string, ParamSpec> | undefined, params: Record<string, unknown>, log: Logger): Promise<void> {
  const lists = new Map<string, Promise<OptionValues | undefined>>();
  const errors: FieldError[] = [];
  for (const [name, spec] of Object.entries(declared ?? {})) {
    const options = spec.options;
    if (options === undefined || !Object.hasOwn(params, name)) continue;
    const value = params[name];
    if (value === null || value === undefined) continue;
    const key = `${options.query}\u0000${options.value}`;
    const failed = (err: unknown): never => {
      if (err instanceof HttpError) throw err;
      throw executionError(err, app, `The choices of "${name}"`, () => {
        log.error({ err, app: app.id, query: options.query }, 'options query failed');
        return new HttpError(500, 'query_failed', `The choices of "${name}" could not be read. The details are in the server log.`);
      });
    };
    if (!lists.has(key)) lists.set(key, optionValues(app, identity, options.query, options.value, log).catch(failed));
    const allowed = await lists.get(key)!;
    const sent = Array.isArray(value) ? value : [value];
    let outside = sent.filter((item) => allowed === undefined || !allowed.values.has(String(item)));
    // Values past the pages read are looked up one by one in the same query, with the same rules.
    if (allowed?.complete === false && outside.length > 0) outside = await notFoundByLookup(app, identity, options.query, options.value, outside, allowed.values).catch(failed);
    if (outside.length === 0) continue;
    errors.push({
      field: `params.${name}`,
      message:
        allowed === undefined
          ? `cannot be checked: you may not run query "${options.query}", which lists its choices.`
          : `${outside.map((item) => JSON.stringify(item)).join(', ')} ${outside.length > 1 ? 'are not choices' : 'is not a choice'} you may pick; pick one that query "${options.query}" lists.`,
    });
  }
  if (errors.length > 0) throw invalid('invalid_params', errors);
}

/** The values an options query returned, as text, and whether they are all of them. */
interface OptionValues {
  values: Set<string>;
  /** False when reading stopped at MAX_OPTION_PAGES pages while rows remained. */
  complete: boolean;
}

/** Reads the text of each `column` value query `queryId` returns for the caller, up to MAX_OPTION_PAGES pages; undefined when the caller may not run it. */
async function optionValues(app: LiveApp, identity: Identity, queryId: string, column: string, log: Logger): Promise<OptionValues | undefined> {
  const query = Object.hasOwn(app.model.queries, queryId) ? app.model.queries[queryId] : undefined;
  if (!query || !app.enforcer.allows(identity, `query:${queryId}`, 'run')) return undefined;
  const access = queryAccess(query, app.enforcer.grantingRoles(identity, `query:${queryId}`, 'run'));
  const values = new Set<string>();
  const collect = (rows: Array<Record<string, unknown>>): void => {
    for (const row of applyColumnRules(rows, access)) if (row[column] !== null && row[column] !== undefined) values.add(String(row[column]));
  };
  for (let index = 0; index < MAX_OPTION_PAGES; index++) {
    const page = { size: MAX_PAGE_SIZE, offset: index * MAX_PAGE_SIZE };
    let rows: Array<Record<string, unknown>>;
    if (query.kind === 'http') {
      rows = (await runHttpQuery(query, app.services.get(query.datasource)!, {}, identity, { page }, log, access)).rows;
    } else {
      const source = app.datasources.get(query.datasource)!;
      const sql = statementFor(source, query);
      const bound = bindOrReject(source, query, {}, identity);
      const columns = await source.columnsOf(sql.text, sql.bindings.length);
      const paged = buildPagedSql(source, sql.text, bound, columns, { page }, { access, identity });
      rows = (await source.query(paged.select, paged.selectValues)).rows;
    }
    collect(rows);
    if (rows.length < MAX_PAGE_SIZE) return { values, complete: true };
  }
  return { values, complete: query.kind === 'http' };
}

/**
 * Looks up each value in the options query with an `eq` filter on its value
 * column, under the caller's row rules, and returns the values not found.
 * A filter bar sends text for a numeric column, so text that reads as a
 * number is tried as a number too. Values already in `known` are skipped.
 */
async function notFoundByLookup(app: LiveApp, identity: Identity, queryId: string, column: string, values: unknown[], known: Set<string>): Promise<unknown[]> {
  const query = app.model.queries[queryId];
  if (query.kind === 'http') return values;
  const access = queryAccess(query, app.enforcer.grantingRoles(identity, `query:${queryId}`, 'run'));
  const source = app.datasources.get(query.datasource)!;
  const sql = statementFor(source, query);
  const bound = bindOrReject(source, query, {}, identity);
  const columns = await source.columnsOf(sql.text, sql.bindings.length);
  const missing: unknown[] = [];
  for (const value of values) {
    const text = String(value);
    const candidates = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? [value, Number(value)] : [value];
    let found = known.has(text);
    for (const candidate of candidates) {
      if (found || (typeof candidate !== 'string' && typeof candidate !== 'number' && typeof candidate !== 'boolean')) break;
      const paged = buildPagedSql(source, sql.text, bound, columns, { filter: { [column]: candidate }, page: { size: 1, offset: 0 } }, { access, identity });
      let rows: Array<Record<string, unknown>>;
      try {
        rows = (await source.query(paged.select, paged.selectValues)).rows;
      } catch (err) {
        // PostgreSQL rejects a value of the wrong type for the column (SQLSTATE class 22). Such a value cannot be one of the column's values.
        if (String((err as { code?: unknown }).code ?? '').startsWith('22')) continue;
        throw err;
      }
      found = applyColumnRules(rows, access).some((row) => row[column] !== null && row[column] !== undefined && String(row[column]) === text);
    }
    if (found) known.add(text);
    else missing.push(value);
  }
  return missing;
}
