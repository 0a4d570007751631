// The scope check of an action with `scope: { query, key, param }`: the row
// it changes must be one the caller sees through that query, with the row
// rules of the caller's roles, before the statement runs and (unless the
// statement deletes) after it, in the same transaction. A row outside the
// caller's rows reads as missing (404); a change that would move a row out
// of them is rolled back.
import type { ActionModel, AppModel, SqlQueryModel } from '../../core/model.js';
import { bindValues, statementFor } from '../bind.js';
import type { Datasource, StatementResult, WriteTransaction } from '../datasources/datasource.js';
import { toBindValue, type BindValue } from '../datasources/values.js';
import type { AppEnforcer } from '../enforcer.js';
import type { Identity } from '../identity.js';
import { queryAccess } from './query-access.js';
import { rulesToSql } from './row-rule-sql.js';

/** Raised when the row is not among the caller's rows (`moved` false), or the change would take it out of them (`moved` true). */
export class RowOutOfScope extends Error {
  constructor(readonly moved: boolean) {
    super(moved ? 'the change would move the row out of the rows the caller may change' : 'the row is not among the rows the caller may change');
  }
}

/** The statement that finds the scoped row among the caller's rows. */
export interface ScopeCheck {
  sql: string;
  values: BindValue[];
}

/** Builds the check, or raises RowOutOfScope when the caller may not run the scope query at all. */
export function buildScopeCheck(model: AppModel, enforcer: AppEnforcer, action: ActionModel, source: Datasource, identity: Identity, params: Record<string, unknown>): ScopeCheck {
  const scope = action.scope!;
  const query = model.queries[scope.query] as SqlQueryModel;
  const roles = enforcer.grantingRoles(identity, `query:${query.id}`, 'run');
  if (roles.length === 0) throw new RowOutOfScope(false);
  const access = queryAccess(query, roles);
  const inner = statementFor(source, query);
  const values = bindValues(inner, {}, identity, source.dialect, query.paramsSchema);
  const key = `${source.quoteIdentifier(scope.key)} = ${source.placeholder(values.length + 1)}`;
  values.push(toBindValue(`params.${scope.param}`, params[scope.param], source.dialect));
  const rule = access.rows === undefined ? '' : ` AND ${rulesToSql(access.rows, identity, source, values, values.length + 1)}`;
  return { sql: `SELECT 1 AS found FROM (\n${inner.text.trim().replace(/;\s*$/, '')}\n) AS opsdeck_q WHERE ${key}${rule} LIMIT 1`, values };
}

/** True when the statement removes the row, so there is nothing to check afterwards. */
function deletes(sql: string): boolean {
  return /^\s*(?:--[^\n]*\n\s*)*delete\b/i.test(sql);
}

/** Runs one statement of a scoped action inside `tx`, with the check before and after. */
export async function runScoped(tx: WriteTransaction, check: ScopeCheck, sql: string, values: BindValue[], expectRows?: number): Promise<StatementResult> {
  const before = await tx.run(check.sql, check.values);
  if (before.rows.length === 0) throw new RowOutOfScope(false);
  const result = await tx.run(sql, values, expectRows);
  if (!deletes(sql)) {
    const after = await tx.run(check.sql, check.values);
    if (after.rows.length === 0) throw new RowOutOfScope(true);
  }
  return result;
}
