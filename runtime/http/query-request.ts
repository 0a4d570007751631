// The sort, filter and page parts of a query request, checked against the
// columns the query returns and turned into SQL around the spec's statement
// (HTTP queries apply them in memory, see query-rows.ts).
// Column names are only ever taken from that list, quoted, never from the client verbatim.
import { invalid, type FieldError } from './errors.js';
import { suggest } from '../../core/suggest.js';
import type { Datasource } from '../datasources/datasource.js';
import { BindError, toBindValue, type BindValue } from '../datasources/values.js';
import type { Identity } from '../identity.js';
import type { QueryAccess } from '../access/query-access.js';
import { rulesToSql } from '../access/row-rule-sql.js';
import { decodeCursor, encodeCursor, type CursorValue, type OrderKey } from './page-cursor.js';

export interface SortKey {
  field: string;
  dir: 'asc' | 'desc';
}

export interface PageRequest {
  size: number;
  offset: number;
  /** Decoded `page.after`: the ORDER BY values of the row the page starts after. */
  after?: CursorValue[];
}

/** The `page` of a query response: `next` is the cursor of the following page, sent when the rows have a key and the page is full. */
export interface PageResponse {
  size: number;
  offset: number;
  next?: string;
}

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 500;

const OPERATORS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'contains', 'startsWith', 'isNull'] as const;
export type Operator = (typeof OPERATORS)[number];

/** One checked filter condition; `eq`/`ne` null arrive as `isNull` true/false. */
export interface Condition {
  field: string;
  op: Operator;
  value: unknown;
}

/** SQL pieces that wrap the spec's statement: the paged select and the count. */
export interface PagedSql {
  select: string;
  selectValues: BindValue[];
  count: string;
  countValues: BindValue[];
  page: PageRequest;
  /** Describes the page that `rows` (the select's result) make up, with the cursor of the next page. */
  pageOf(rows: Array<Record<string, unknown>>): PageResponse;
}

/** The request fields this module reads. */
export interface PagingBody {
  sort?: unknown;
  filter?: unknown;
  page?: unknown;
  key?: unknown;
}

/** The checked `sort`, `filter`, `key` and `page` of a query request. */
export interface QueryRequestParts {
  sort: SortKey[];
  conditions: Condition[];
  page: PageRequest;
  /** Column that identifies a row, from the request's `key`. */
  key?: string;
  /** The sort, then `key` ascending unless the sort already names it: a total order when `key` is unique. */
  order: OrderKey[];
}

/**
 * Checks `sort`, `filter`, `key` and `page` of a request body against the
 * columns the caller may use; raises a 400 HttpError naming each invalid field.
 * Hidden columns are not among `columns`, so they read as unknown; `masked`
 * columns are named as masked. Without a `key` in the body, the query's
 * `declaredKey` is used when the caller may sort on it.
 */
export function parseQueryRequest(body: PagingBody, columns: string[], masked: Set<string> = new Set(), declaredKey?: string): QueryRequestParts {
  const sort = parseSort(body.sort, columns, masked);
  const conditions = parseFilter(body.filter, columns, masked);
  const fallbackKey = declaredKey !== undefined && columns.includes(declaredKey) ? declaredKey : undefined;
  const key = parseKey(body.key, columns, masked) ?? fallbackKey;
  const order: OrderKey[] = key === undefined || sort.some((entry) => entry.field === key) ? [...sort] : [...sort, { field: key, dir: 'asc' }];
  const { page, after } = parsePage(body.page);
  if (after !== undefined) {
    if (key === undefined) throw invalid('invalid_page', [{ field: 'page.after', message: 'needs `key`, the column that identifies a row, so the next page can start after a row.' }]);
    if (page.offset !== 0) throw invalid('invalid_page', [{ field: 'page.offset', message: `is ${page.offset}; send either "offset" or "after", not both.` }]);
    page.after = decodeCursor(after, order);
  }
  return { sort, conditions, page, key, order };
}

/** Describes a page of `rows`: with a key and a full page, `next` is the cursor after the last row. */
export function describePage(parts: Pick<QueryRequestParts, 'key' | 'order' | 'page'>, rows: Array<Record<string, unknown>>): PageResponse {
  const response: PageResponse = { size: parts.page.size, offset: parts.page.offset };
  if (parts.key !== undefined && rows.length === parts.page.size && rows.length > 0) {
    const next = encodeCursor(parts.order, rows[rows.length - 1]);
    if (next !== undefined) response.next = next;
  }
  return response;
}

/** The caller's row and column rules, applied around the statement. */
export interface AccessScope {
  access: QueryAccess;
  identity: Identity;
}

/** Columns the caller receives (hidden ones left out), and those they may also sort and filter on (masked ones left out too). */
export function usableColumns(columns: string[], access: QueryAccess | undefined): { visible: string[]; usable: string[] } {
  if (access === undefined) return { visible: columns, usable: columns };
  const visible = columns.filter((column) => !access.hidden.has(column));
  return { visible, usable: visible.filter((column) => !access.masked.has(column)) };
}

/** What the wrapper needs to know about the data source's SQL. */
export type SqlFlavour = Pick<Datasource, 'dialect' | 'placeholder' | 'quoteIdentifier' | 'likeCondition'>;

/**
 * Checks `sort`, `filter`, `key` and `page` from a request body and builds
 * the wrapped SQL. `innerValues` are the statement's own parameters; the
 * wrapper's placeholders are numbered after them. `declaredKey` is the
 * query's `key:`, used when the body names none.
 */
export function buildPagedSql(
  flavour: SqlFlavour,
  innerSql: string,
  innerValues: BindValue[],
  columns: string[],
  body: PagingBody,
  scope?: AccessScope,
  declaredKey?: string,
): PagedSql {
  const { visible, usable } = usableColumns(columns, scope?.access);
  const parts = parseQueryRequest(body, usable, scope?.access.masked, declaredKey);
  const { conditions, page, order } = parts;
  const next = (): string => flavour.placeholder(innerValues.length + whereValues.length + 1);

  const where: string[] = [];
  const whereValues: BindValue[] = [];
  // The row rule comes first and binds first, before anything the client sent.
  if (scope?.access.rows !== undefined) where.push(rulesToSql(scope.access.rows, scope.identity, flavour, whereValues, innerValues.length + 1));
  for (const condition of conditions) {
    const column = flavour.quoteIdentifier(condition.field);
    switch (condition.op) {
      case 'isNull':
        where.push(`${column} IS ${condition.value ? '' : 'NOT '}NULL`);
        break;
      case 'contains':
      case 'startsWith': {
        const escaped = String(condition.value).replace(/[\\%_]/g, (char) => `\\${char}`);
        where.push(flavour.likeCondition(column, next()));
        whereValues.push(condition.op === 'contains' ? `%${escaped}%` : `${escaped}%`);
        break;
      }
      default:
        where.push(`${column} ${SQL_OPERATORS[condition.op]} ${next()}`);
        whereValues.push(bindFilterValue(flavour, condition));
    }
  }

  // The inner statement sits on lines of its own so a trailing `--` comment cannot swallow the wrapper.
  const inner = `(\n${innerSql.trim().replace(/;\s*$/, '')}\n) AS opsdeck_q`;
  const whereSql = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  const countValues = [...whereValues];

  // The keyset condition narrows the page only, never the count, so `total` still counts every matching row.
  const pageWhere = [...where];
  if (page.after !== undefined) {
    const bind = (value: CursorValue): string => {
      const placeholder = next();
      whereValues.push(toBindValue('page.after', value, flavour.dialect));
      return placeholder;
    };
    pageWhere.push(keysetCondition(order, page.after, flavour, bind));
  }
  const pageWhereSql = pageWhere.length > 0 ? ` WHERE ${pageWhere.join(' AND ')}` : '';
  // NULLs are placed explicitly, first ascending and last descending, so SQLite,
  // PostgreSQL and the in-memory path of query-rows.ts order them alike and the keyset condition matches.
  // Without a `key` the order of tied rows is the database's own and paging is stable only while the sort is unique.
  const orderSql = order.length > 0 ? ` ORDER BY ${order.map((key) => `${flavour.quoteIdentifier(key.field)} ${key.dir === 'asc' ? 'ASC NULLS FIRST' : 'DESC NULLS LAST'}`).join(', ')}` : '';
  const limit = flavour.placeholder(innerValues.length + whereValues.length + 1);
  const offset = flavour.placeholder(innerValues.length + whereValues.length + 2);
  // Hidden columns are not even read, unless every column is hidden; query-access.ts strips them from rows as well.
  const projection = visible.length === columns.length || visible.length === 0 ? '*' : visible.map((column) => flavour.quoteIdentifier(column)).join(', ');
  return {
    select: `SELECT ${projection} FROM ${inner}${pageWhereSql}${orderSql} LIMIT ${limit} OFFSET ${offset}`,
    selectValues: [...innerValues, ...whereValues, page.size, page.offset],
    count: `SELECT count(*) AS total FROM ${inner}${whereSql}`,
    countValues: [...innerValues, ...countValues],
    page,
    pageOf: (rows) => describePage(parts, rows),
  };
}

/**
 * Builds the condition "the row comes after the cursor in `order`": for keys
 * k1, k2, … it reads `k1 beyond v1 OR (k1 = v1 AND (k2 beyond v2 OR …))`,
 * with NULL the lowest value, as the ORDER BY places it.
 */
function keysetCondition(order: OrderKey[], values: CursorValue[], flavour: SqlFlavour, bind: (value: CursorValue) => string): string {
  // Every placeholder written is used once, in order, so the values bind in the order `bind` was called.
  const terms: string[] = [];
  order.forEach((key, index) => {
    const column = flavour.quoteIdentifier(key.field);
    const value = values[index];
    let beyond: string;
    if (key.dir === 'asc') beyond = value === null ? `${column} IS NOT NULL` : `${column} > ${bind(value)}`;
    else beyond = value === null ? '1 = 0' : `(${column} < ${bind(value)} OR ${column} IS NULL)`;
    if (index === order.length - 1) {
      terms.push(beyond);
      return;
    }
    const same = value === null ? `${column} IS NULL` : `${column} = ${bind(value)}`;
    terms.push(`(${beyond} OR (${same} AND `);
  });
  return `(${terms.join('')}${'))'.repeat(order.length - 1)})`;
}

function bindFilterValue(flavour: SqlFlavour, condition: Condition): BindValue {
  try {
    return toBindValue(`filter.${condition.field}`, condition.value, flavour.dialect);
  } catch (err) {
    if (err instanceof BindError) throw invalid('invalid_filter', [{ field: `filter.${condition.field}`, message: 'must be a string, number, boolean or null.' }]);
    throw err;
  }
}

const SQL_OPERATORS: Record<Exclude<Operator, 'isNull' | 'contains' | 'startsWith'>, string> = {
  eq: '=',
  ne: '<>',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
};

function unknownColumn(field: string, value: string, columns: string[], masked: Set<string>): FieldError {
  if (masked.has(value)) return { field, message: `names "${value}", which is masked for you, so it cannot be sorted or filtered on.` };
  const guess = suggest(value, columns);
  const hint = guess ? ` Did you mean "${guess}"?` : ` Use one of: ${columns.join(', ')}.`;
  return { field, message: `names "${value}", which is not a column of this query.${hint}` };
}

function parseSort(raw: unknown, columns: string[], masked: Set<string>): SortKey[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid('invalid_sort', [{ field: 'sort', message: 'must be a list such as [{"field": "LastName", "dir": "asc"}].' }]);
  if (raw.length > columns.length) throw invalid('invalid_sort', [{ field: 'sort', message: `has ${raw.length} keys; a query with ${columns.length} columns takes at most ${columns.length}.` }]);
  const errors: FieldError[] = [];
  const keys: SortKey[] = [];
  raw.forEach((entry: unknown, index) => {
    const field = `sort[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      errors.push({ field, message: 'must be an object such as {"field": "LastName", "dir": "asc"}.' });
      return;
    }
    const { field: name, dir = 'asc', ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) errors.push({ field: `${field}.${extra[0]}`, message: 'is not a sort option; use "field" and "dir".' });
    if (typeof name !== 'string') errors.push({ field: `${field}.field`, message: 'must be a column name.' });
    else if (!columns.includes(name)) errors.push(unknownColumn(`${field}.field`, name, columns, masked));
    if (dir !== 'asc' && dir !== 'desc') errors.push({ field: `${field}.dir`, message: `is ${JSON.stringify(dir)}; use "asc" or "desc".` });
    if (typeof name === 'string' && columns.includes(name) && (dir === 'asc' || dir === 'desc')) keys.push({ field: name, dir });
  });
  if (errors.length > 0) throw invalid('invalid_sort', errors);
  return keys;
}

function parseFilter(raw: unknown, columns: string[], masked: Set<string>): Condition[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid('invalid_filter', [{ field: 'filter', message: 'must be an object of column names, such as {"Country": "Brazil"}.' }]);
  }
  const errors: FieldError[] = [];
  const conditions: Condition[] = [];
  for (const [name, spec] of Object.entries(raw as Record<string, unknown>)) {
    const field = `filter.${name}`;
    if (!columns.includes(name)) {
      errors.push(unknownColumn(field, name, columns, masked));
      continue;
    }
    let op: unknown = 'eq';
    let value: unknown = spec;
    if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
      const { op: givenOp, value: givenValue, ...rest } = spec as Record<string, unknown>;
      const extra = Object.keys(rest);
      if (extra.length > 0) {
        errors.push({ field: `${field}.${extra[0]}`, message: 'is not a filter option; use "op" and "value".' });
        continue;
      }
      op = givenOp ?? 'eq';
      value = givenValue;
    }
    // Comparing with null is never true in SQL, so eq/ne null mean "is null"/"is not null".
    if (value === null && (op === 'eq' || op === 'ne')) {
      conditions.push({ field: name, op: 'isNull', value: op === 'eq' });
      continue;
    }
    if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
      errors.push({ field: `${field}.op`, message: `is ${JSON.stringify(op)}; use one of ${OPERATORS.join(', ')}.` });
      continue;
    }
    if (op === 'isNull' ? typeof value !== 'boolean' : !isScalar(value)) {
      errors.push({ field: op === 'eq' && value === spec ? field : `${field}.value`, message: op === 'isNull' ? 'must be true or false.' : 'must be a string, number, boolean or null.' });
      continue;
    }
    if ((op === 'contains' || op === 'startsWith') && typeof value !== 'string') {
      errors.push({ field: `${field}.value`, message: `must be a string for "${op}".` });
      continue;
    }
    conditions.push({ field: name, op: op as Operator, value });
  }
  if (errors.length > 0) throw invalid('invalid_filter', errors);
  return conditions;
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function parseKey(raw: unknown, columns: string[], masked: Set<string>): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw invalid('invalid_key', [{ field: 'key', message: 'must be the name of the column that identifies a row, such as "CustomerId".' }]);
  if (!columns.includes(raw)) throw invalid('invalid_key', [unknownColumn('key', raw, columns, masked)]);
  return raw;
}

/** Checks `page`; `after` is returned undecoded, because decoding needs the order. */
function parsePage(raw: unknown): { page: PageRequest; after?: unknown } {
  if (raw === undefined || raw === null) return { page: { size: DEFAULT_PAGE_SIZE, offset: 0 } };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('invalid_page', [{ field: 'page', message: 'must be an object such as {"size": 25, "offset": 0}.' }]);
  const { size = DEFAULT_PAGE_SIZE, offset = 0, after, ...rest } = raw as Record<string, unknown>;
  const errors: FieldError[] = [];
  const extra = Object.keys(rest);
  if (extra.length > 0) errors.push({ field: `page.${extra[0]}`, message: 'is not a page option; use "size", "offset" or "after".' });
  if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > MAX_PAGE_SIZE) {
    errors.push({ field: 'page.size', message: `is ${JSON.stringify(size)}; use a whole number from 1 to ${MAX_PAGE_SIZE}.` });
  }
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
    errors.push({ field: 'page.offset', message: `is ${JSON.stringify(offset)}; use a whole number from 0 to ${Number.MAX_SAFE_INTEGER}.` });
  }
  if (errors.length > 0) throw invalid('invalid_page', errors);
  return { page: { size: size as number, offset: offset as number }, after: after ?? undefined };
}

