// Turns request parameters and the caller's identity into the positional
// values of a compiled statement. Identity values always come from the server.
import type { SqlValue } from 'sql.js';
import type { CompiledSql } from '../core/model.js';
import type { Identity } from './identity.js';

/** Returns the value for each placeholder of `sql`, in order. */
export function bindValues(sql: CompiledSql, params: Record<string, unknown>, identity: Identity): SqlValue[] {
  return sql.bindings.map((name) => toSqlValue(valueFor(name, params, identity)));
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

/** Converts a validated JSON value to what sql.js binds. Params are scalars after validation. */
export function toSqlValue(value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  throw new TypeError(`cannot bind a value of type ${typeof value}`);
}
