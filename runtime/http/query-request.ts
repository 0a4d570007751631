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

export interface SortKey {
  field: string;
  dir: 'asc' | 'desc';
}

export interface PageRequest {
  size: number;
  offset: number;
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
}

/** The checked `sort`, `filter` and `page` of a query request. */
export interface QueryRequestParts {
  sort: SortKey[];
  conditions: Condition[];
  page: PageRequest;
}

/**
 * Checks `sort`, `filter` and `page` of a request body against the columns
 * the caller may use; raises a 400 HttpError naming each invalid field.
 * Hidden columns are not among `columns`, so they read as unknown; `masked`
 * columns are named as masked.
 */
export function parseQueryRequest(body: { sort?: unknown; filter?: unknown; page?: unknown }, columns: string[], masked: Set<string> = new Set()): QueryRequestParts {
  return { sort: parseSort(body.sort, columns, masked), conditions: parseFilter(body.filter, columns, masked), page: parsePage(body.page) };
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
 * Checks `sort`, `filter` and `page` from a request body and builds the
 * wrapped SQL. `innerValues` are the statement's own parameters; the
 * wrapper's placeholders are numbered after them.
 */
export function buildPagedSql(
  flavour: SqlFlavour,
  innerSql: string,
  innerValues: BindValue[],
  columns: string[],
  body: { sort?: unknown; filter?: unknown; page?: unknown },
  scope?: AccessScope,
): PagedSql {
  const { visible, usable } = usableColumns(columns, scope?.access);
  const { sort, conditions, page } = parseQueryRequest(body, usable, scope?.access.masked);
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
  const orderSql = sort.length > 0 ? ` ORDER BY ${sort.map((key) => `${flavour.quoteIdentifier(key.field)} ${key.dir.toUpperCase()}`).join(', ')}` : '';
  const limit = flavour.placeholder(innerValues.length + whereValues.length + 1);
  const offset = flavour.placeholder(innerValues.length + whereValues.length + 2);
  // NOTE: without a sort the order is the statement's own; a unique tie-breaker for stable paging needs the table's row key.
  // Hidden columns are not even read, unless every column is hidden; query-access.ts strips them from rows as well.
  const projection = visible.length === columns.length || visible.length === 0 ? '*' : visible.map((column) => flavour.quoteIdentifier(column)).join(', ');
  return {
    select: `SELECT ${projection} FROM ${inner}${whereSql}${orderSql} LIMIT ${limit} OFFSET ${offset}`,
    selectValues: [...innerValues, ...whereValues, page.size, page.offset],
    count: `SELECT count(*) AS total FROM ${inner}${whereSql}`,
    countValues: [...innerValues, ...whereValues],
    page,
  };
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

function parsePage(raw: unknown): PageRequest {
  if (raw === undefined || raw === null) return { size: DEFAULT_PAGE_SIZE, offset: 0 };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('invalid_page', [{ field: 'page', message: 'must be an object such as {"size": 25, "offset": 0}.' }]);
  const { size = DEFAULT_PAGE_SIZE, offset = 0, ...rest } = raw as Record<string, unknown>;
  const errors: FieldError[] = [];
  const extra = Object.keys(rest);
  if (extra.length > 0) errors.push({ field: `page.${extra[0]}`, message: 'is not a page option; use "size" and "offset".' });
  if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > MAX_PAGE_SIZE) {
    errors.push({ field: 'page.size', message: `is ${JSON.stringify(size)}; use a whole number from 1 to ${MAX_PAGE_SIZE}.` });
  }
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
    errors.push({ field: 'page.offset', message: `is ${JSON.stringify(offset)}; use a whole number from 0 to ${Number.MAX_SAFE_INTEGER}.` });
  }
  if (errors.length > 0) throw invalid('invalid_page', errors);
  return { size: size as number, offset: offset as number };
}

