// Turns request parameters and the caller's identity into the positional
// values of a statement compiled for one data source. Identity values always
// come from the server.
import type { CompiledSql, ParamsSchema } from '../core/model.js';
import type { Datasource, SqlDialect } from './datasources/datasource.js';
import { toBindValue, type BindFormat, type BindValue, type TemporalFormat } from './datasources/values.js';
import type { Identity } from './identity.js';

/** A query or action as compiled from the spec. */
export interface StatementModel {
  sql: CompiledSql;
  spec: { sql: string };
  paramsSchema: ParamsSchema;
}

// Compiled SQL per statement and dialect. Models are never mutated, so the cache cannot go stale.
const compiled = new WeakMap<StatementModel, Map<SqlDialect, CompiledSql>>();

/**
 * Returns the statement's SQL with the data source's placeholders. The model
 * holds SQLite's `?` form; PostgreSQL gets `$n`, with `::date` or
 * `::timestamptz` after parameters declared with `format: date` or `date-time`.
 */
export function statementFor(source: Pick<Datasource, 'dialect' | 'compile'>, statement: StatementModel): CompiledSql {
  if (source.dialect === 'sqlite') return statement.sql;
  let byDialect = compiled.get(statement);
  if (!byDialect) compiled.set(statement, (byDialect = new Map()));
  let sql = byDialect.get(source.dialect);
  if (!sql) {
    sql = source.compile(statement.spec.sql, (name) => POSTGRES_CASTS[formatOf(statement.paramsSchema, name) ?? '']);
    byDialect.set(source.dialect, sql);
  }
  return sql;
}

const POSTGRES_CASTS: Record<string, string | undefined> = { date: 'date', 'date-time': 'timestamptz' };

function bindFormatOf(schema: ParamsSchema, name: string): BindFormat | undefined {
  return Object.hasOwn(schema.properties, name) && schema.properties[name].type === 'array' ? 'array' : formatOf(schema, name);
}

function formatOf(schema: ParamsSchema, name: string): TemporalFormat | undefined {
  const format = Object.hasOwn(schema.properties, name) ? schema.properties[name].format : undefined;
  return format === 'date' || format === 'date-time' ? format : undefined;
}

/** Returns the value for each placeholder of `sql`, in order; raises BindError naming a parameter whose value cannot be bound. */
export function bindValues(sql: CompiledSql, params: Record<string, unknown>, identity: Identity, dialect: SqlDialect = 'sqlite', schema?: ParamsSchema): BindValue[] {
  return sql.bindings.map((name) => toBindValue(name, valueFor(name, params, identity), dialect, schema ? bindFormatOf(schema, name) : undefined));
}

function valueFor(name: string, params: Record<string, unknown>, identity: Identity): unknown {
  switch (name) {
    case 'user.id':
      return identity.id;
    case 'user.email':
      return identity.email ?? null;
    case 'user.name':
      return identity.name;
    default:
      return Object.hasOwn(params, name) ? params[name] : null;
  }
}

/** Converts a JSON value the way SQLite stores it (booleans as 1 and 0); used where no parameter name applies. */
export function toSqlValue(value: unknown): BindValue {
  return toBindValue('value', value, 'sqlite');
}
