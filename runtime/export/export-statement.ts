// The statement an export reads: the query with the caller's row rules,
// sort and filter, without paging, and the columns the caller may see. The
// export endpoint and background export runs build it the same way.
import type { SqlQueryModel } from '../../core/model.js';
import type { QueryAccess } from '../access/query-access.js';
import { statementFor } from '../bind.js';
import type { Datasource } from '../datasources/datasource.js';
import type { Identity } from '../identity.js';
import { bindOrReject } from '../http/execution-errors.js';
import { buildPagedSql, usableColumns } from '../http/query-request.js';
import { withoutPaging, type ExportSql } from './read-chunks.js';

export interface ExportStatement {
  sql: ExportSql;
  /** Result columns the caller receives, in order; hidden ones left out. */
  visible: string[];
}

/** Binds the query for `identity` and wraps it with the row rules, `sort` and `filter` of `body`; raises a 400 for a bad sort or filter. */
export async function exportStatement(source: Datasource, query: SqlQueryModel, identity: Identity, access: QueryAccess, params: Record<string, unknown>, body: { sort?: unknown; filter?: unknown }): Promise<ExportStatement> {
  const compiled = statementFor(source, query);
  const values = bindOrReject(source, query, params, identity);
  const columns = await source.columnsOf(compiled.text, compiled.bindings.length);
  const visible = usableColumns(columns, access).visible;
  const sql = withoutPaging(source, buildPagedSql(source, compiled.text, values, columns, { sort: body.sort, filter: body.filter }, { access, identity }));
  return { sql: { ...sql, columns }, visible };
}
