// What a subject sees of the queries it may run, as permissions the access
// diff can compare: `rows` (every row, or the rows a rule selects), `column`
// (a column shown in full) and `masked column` (a column shown at least
// masked). A subject that sees a column in full holds both column
// permissions, so masking it loses `column` and hiding it loses both.
import type { Permission, SubjectAccess } from './access.js';
import type { AppModel } from './model.js';
import { combineRestrictions } from './restrictions.js';
import { formatRowRule } from './row-rules.js';

/** Columns that some restriction of the query names, in either version, so both versions report on the same columns. */
export function restrictedColumns(models: Array<AppModel | undefined>, queryId: string): Set<string> {
  const columns = new Set<string>();
  for (const model of models) {
    const query = model?.queries[queryId];
    for (const restriction of Object.values(query?.restrict ?? {})) for (const column of [...restriction.hide, ...restriction.mask]) columns.add(column);
  }
  return columns;
}

/**
 * Returns the row and column permissions of `subject` in `model`, for each
 * query it may run. `named` gives the columns to report per query. A column
 * the query's SQL does not mention is taken as absent from that version.
 */
export function dataPermissions(model: AppModel, subject: SubjectAccess, named: (queryId: string) => Set<string>): Permission[] {
  const superusers = Object.entries(model.roles).filter(([, role]) => role.superuser === true).map(([id]) => id);
  const permissions: Permission[] = [];
  for (const permission of subject.permissions) {
    if (permission.act !== 'run' || !permission.object.startsWith('query:')) continue;
    const queryId = permission.object.slice('query:'.length);
    const query = model.queries[queryId];
    if (query === undefined) continue;
    const granting = subject.roles.filter((role) => query.spec.allow.includes(role) || superusers.includes(role));
    const combined = combineRestrictions(query.restrict, granting);
    const object = permission.object;
    if (combined.rows === undefined) permissions.push({ object, act: 'rows' });
    else permissions.push({ object, act: 'rows', detail: combined.rows.length === 0 ? 'no row' : combined.rows.map((rule) => formatRowRule(rule)).join(' or ') });

    // NOTE: a column is judged present when the SQL text names it; `select *` hides that, so such columns count as absent.
    const sql = query.kind === 'sql' ? query.spec.sql : undefined;
    for (const column of named(queryId)) {
      if (sql !== undefined && !new RegExp(`\\b${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(sql)) continue;
      if (combined.hidden.has(column)) continue;
      permissions.push({ object, act: 'masked column', detail: column });
      if (!combined.masked.has(column)) permissions.push({ object, act: 'column', detail: column });
    }
  }
  return permissions;
}
