// Checks of a compiled app that need its databases: every statement compiles,
// is a single statement, and queries do not write; every column a page names
// is one its query returns. `opsdeck serve` and `opsdeck validate` both run
// these, so CI finds what a start would find.
import { ruleColumns } from '../core/row-rules.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { diagnosticAt, type DocPath, type LoadedDocument } from '../core/load.js';
import type { ActionModel, AppModel, JobModel } from '../core/model.js';
import type { ColumnSpec, RowActionSpec, TableSpec } from '../core/spec.js';
import { pageComponents } from '../core/components.js';
import { suggestionHint } from '../core/suggest.js';
import { checkChartColumns, checkStatColumns } from './chart-columns-check.js';
import { checkFilterOptionColumns, checkOptionColumns } from '../core/form-param-checks.js';
import { parseTemplate } from '../core/template.js';
import { bindingPaths, parseBindings } from '../core/bindings.js';
import { statementFor, type StatementModel } from './bind.js';
import { DatasourceUnavailable, type Datasource } from './datasources/datasource.js';

/** The data source methods the checks use. */
export type StatementChecker = Pick<Datasource, 'dialect' | 'compile' | 'check' | 'statementCount' | 'writes' | 'columnsOf'>;

/**
 * Runs the database-aware checks; returns their diagnostics (none when all is
 * well), placed with the position table of the spec as buildApp loaded it.
 * Raises DatasourceUnavailable when a database stops responding midway.
 */
export async function checkAgainstDatabases(model: AppModel, spec: Pick<LoadedDocument, 'file' | 'positions'>, sources: Map<string, StatementChecker>): Promise<Diagnostic[]> {
  const { file, positions } = spec;
  const problems: Diagnostic[] = [];
  const report = (path: DocPath, code: string, message: string, hint: string, part: 'key' | 'value' = 'value'): void => {
    problems.push(diagnosticAt(file, positions, { code, path, part, message, hint }));
  };

  const columnsByQuery = new Map<string, string[]>();
  const statements = [
    // An HTTP query runs no SQL, and only a call to its API would show its columns, so load and validate skip its tables' column checks.
    ...Object.values(model.queries).flatMap((query) => (query.kind === 'sql' ? [{ kind: 'query' as const, model: query, path: ['queries', query.id, 'sql'] as DocPath }] : [])),
    ...Object.values(model.actions).flatMap((action) => actionStatements(action)),
    ...Object.values(model.jobs).flatMap((job) => jobStatements(job)),
  ];
  for (const { kind, model: statement, path } of statements) {
    const source = sources.get(statement.datasource);
    if (!source) continue;
    const sql = statementFor(source, statement);
    const paramCount = sql.bindings.length;
    const invalidSql = (err: unknown): void => {
      if (err instanceof DatasourceUnavailable) throw err;
      report(path, 'sql-invalid', `the SQL of ${kind} \`${statement.id}\` is invalid: ${(err as Error).message}`, 'Fix the statement; it is compiled against the database when the app loads.');
    };
    // Counting comes first because PostgreSQL's extended protocol rejects a second statement with a less helpful message.
    let count: number;
    try {
      count = await source.statementCount(sql.text);
    } catch (err) {
      invalidSql(err);
      continue;
    }
    if (count > 1) {
      report(path, 'sql-multiple-statements', `${kind} \`${statement.id}\` holds more than one SQL statement, and only the first would run`, 'Give each query or action exactly one statement.');
      continue;
    }
    try {
      await source.check(sql.text, paramCount);
    } catch (err) {
      invalidSql(err);
      continue;
    }
    if (kind === 'batch query') {
      const batch = statement as StatementModel & { key: string };
      if (await source.writes(sql.text, paramCount)) {
        report(path, 'sql-query-writes', `the batch query of job \`${statement.id}\` writes to the database, but it only lists the rows to walk`, 'Write a SELECT here; the step\'s `sql:` makes the changes, once per chunk.');
        continue;
      }
      try {
        const columns = await source.columnsOf(sql.text, paramCount);
        if (!columns.includes(batch.key)) {
          report([...path.slice(0, -1), 'key'], 'unknown-column', `batch key \`${batch.key}\` is not a column of the batch query of job \`${statement.id}\``, suggestionHint(batch.key, columns, 'Columns of the query'));
        }
      } catch (err) {
        invalidSql(err);
      }
      continue;
    }
    if (kind === 'query') {
      if (await source.writes(sql.text, paramCount)) {
        report(path, 'sql-query-writes', `query \`${statement.id}\` writes to the database, but queries are read-only`, 'Move the statement to `actions:`, where writes are authorized and audited.');
        continue;
      }
      try {
        columnsByQuery.set(statement.id, await source.columnsOf(sql.text, paramCount));
      } catch (err) {
        invalidSql(err);
      }
    }
  }

  checkAccessColumns(model, columnsByQuery, report);
  for (const action of Object.values(model.actions)) checkOptionColumns(['actions', action.id], action.spec.params, columnsByQuery, report);
  for (const query of Object.values(model.queries)) checkOptionColumns(['queries', query.id], query.spec.params, columnsByQuery, report);
  for (const job of Object.values(model.jobs)) checkOptionColumns(['jobs', job.id], job.spec.params, columnsByQuery, report);

  for (const [pageId, page] of Object.entries(model.pages)) {
    const tableColumns = new Map<string, { columns: string[]; title: string }>();
    for (const { component, path } of pageComponents(pageId, page)) {
      if ('chart' in component) checkChartColumns(component.chart, [...path, 'chart'], columnsByQuery, report);
      if ('stat' in component) {
        checkStatColumns(component.stat, [...path, 'stat'], columnsByQuery, report);
        for (const [param, value] of Object.entries(component.stat.params ?? {})) checkBindingColumns([...path, 'stat', 'params', param], value, tableColumns, report);
        for (const [param, value] of Object.entries(component.stat.compare?.params ?? {})) checkBindingColumns([...path, 'stat', 'compare', 'params', param], value, tableColumns, report);
      }
      if ('markdown' in component) checkBindingColumns([...path, 'markdown'], component.markdown, tableColumns, report);
      if ('form' in component) {
        for (const [param, value] of Object.entries(component.form.defaults ?? {})) checkBindingColumns([...path, 'form', 'defaults', param], value, tableColumns, report);
      }
      if ('filters' in component) checkFilterOptionColumns(component.filters, [...path, 'filters'], columnsByQuery, report);
      if ('detail' in component) {
        const detail = component.detail;
        const columns = columnsByQuery.get(detail.query);
        if (!columns) continue;
        const base: DocPath = [...path, 'detail'];
        checkTable({ query: detail.query, params: detail.params, columns: [] }, columns, base, tableColumns, model, report);
        detail.fields.forEach((field, index) => {
          const name = typeof field === 'string' ? field : field.field;
          if (columns.includes(name)) return;
          const at: DocPath = typeof field === 'string' ? [...base, 'fields', index] : [...base, 'fields', index, 'field'];
          report(at, 'unknown-column', `the detail shows \`${name}\`, which is not a column of query \`${detail.query}\``, suggestionHint(name, columns, `Columns of \`${detail.query}\``));
        });
      }
      if (!('table' in component)) continue;
      const table = component.table;
      const columns = columnsByQuery.get(table.query);
      if (!columns) continue;
      checkTable(table, columns, [...path, 'table'], tableColumns, model, report);
      if (table.id && !tableColumns.has(table.id)) tableColumns.set(table.id, { columns, title: table.title ?? table.query });
    }
  }
  return problems;
}

/** Row rules, hidden and masked columns, searched columns and scope keys must name columns their query returns. */
function checkAccessColumns(model: AppModel, columnsByQuery: Map<string, string[]>, report: (path: DocPath, code: string, message: string, hint: string) => void): void {
  const check = (queryId: string, column: string, path: DocPath, what: string): void => {
    const columns = columnsByQuery.get(queryId);
    if (columns === undefined || columns.includes(column)) return;
    report(path, 'unknown-column', `${what} \`${column}\`, which is not a column of query \`${queryId}\``, suggestionHint(column, columns, `Columns of \`${queryId}\``));
  };
  for (const query of Object.values(model.queries)) {
    if (query.spec.key !== undefined) check(query.id, query.spec.key, ['queries', query.id, 'key'], 'the key is');
    for (const [role, restriction] of Object.entries(query.restrict)) {
      const base: DocPath = ['queries', query.id, 'restrict', role];
      restriction.hide.forEach((column, index) => check(query.id, column, [...base, 'hide', index], 'the rule hides'));
      restriction.mask.forEach((column, index) => check(query.id, column, [...base, 'mask', index], 'the rule masks'));
      if (restriction.rows !== undefined) for (const column of ruleColumns(restriction.rows)) check(query.id, column, [...base, 'rows'], 'the row rule reads');
    }
    for (const [name, param] of Object.entries(query.spec.params ?? {})) {
      (param.searches ?? []).forEach((column, index) => check(query.id, column, ['queries', query.id, 'params', name, 'searches', index], `parameter \`${name}\` searches`));
    }
  }
  for (const action of Object.values(model.actions)) {
    if (action.scope !== undefined) check(action.scope.query, action.scope.key, ['actions', action.id, 'scope', 'key'], 'the scope key is');
  }
}

/** The SQL statements of a job: each SQL step's, and each batch step's walk query, with their places in the spec. */
function jobStatements(job: JobModel): Array<{ kind: 'job' | 'batch query'; model: StatementModel & { id: string; datasource: string; key?: string }; path: DocPath }> {
  const found: Array<{ kind: 'job' | 'batch query'; model: StatementModel & { id: string; datasource: string; key?: string }; path: DocPath }> = [];
  job.steps.forEach((step, index) => {
    if (step.kind !== 'sql') return;
    found.push({ kind: 'job', model: { ...step, id: `${job.id}\` step \`${step.id}` }, path: ['jobs', job.id, 'steps', index, 'sql'] });
    if (step.batch !== undefined) found.push({ kind: 'batch query', model: { ...step.batch, id: `${job.id}\` step \`${step.id}`, datasource: step.datasource }, path: ['jobs', job.id, 'steps', index, 'batch', 'query'] });
  });
  return found;
}

/** The SQL statements of an action: its own, or those of its SQL steps and SQL `onFailure:` step, each with its place in the spec. */
function actionStatements(action: ActionModel): Array<{ kind: 'action'; model: StatementModel & { id: string; datasource: string }; path: DocPath }> {
  if (action.sql !== undefined && action.datasource !== undefined) {
    return [{ kind: 'action', model: { id: action.id, datasource: action.datasource, sql: action.sql, spec: { sql: action.spec.sql ?? '' }, paramsSchema: action.paramsSchema }, path: ['actions', action.id, 'sql'] }];
  }
  const found: Array<{ kind: 'action'; model: StatementModel & { id: string; datasource: string }; path: DocPath }> = [];
  (action.steps ?? []).forEach((step, index) => {
    if (step.kind === 'sql') found.push({ kind: 'action', model: { ...step, id: `${action.id}\` step \`${step.id}` }, path: ['actions', action.id, 'steps', index, 'sql'] });
  });
  if (action.onFailure?.kind === 'sql') found.push({ kind: 'action', model: { ...action.onFailure, id: `${action.id}\` step \`onFailure` }, path: ['actions', action.id, 'onFailure', 'sql'] });
  return found;
}

type Report = (path: DocPath, code: string, message: string, hint: string, part?: 'key' | 'value') => void;

/** Reports a binding that reads `<tableId>.selected.<column>` or `<tableId>.selectedRows.<column>` for a column the earlier table's query does not return. */
function checkBindingColumns(path: DocPath, value: unknown, earlierTables: Map<string, { columns: string[]; title: string }>, report: Report): void {
  if (typeof value !== 'string') return;
  for (const expression of parseBindings(value).expressions) {
    for (const { segments } of bindingPaths(expression.node)) {
      const [tableId, selected, field] = segments;
      const source = earlierTables.get(tableId);
      if ((selected === 'selected' || selected === 'selectedRows') && source && field !== undefined && segments.length === 3 && !source.columns.includes(field)) {
        report(path, 'unknown-column', `\`${field}\` is not a column of table \`${tableId}\``, suggestionHint(field, source.columns, `Columns of \`${tableId}\``));
      }
    }
  }
}

function checkTable(
  table: TableSpec,
  columns: string[],
  base: DocPath,
  earlierTables: Map<string, { columns: string[]; title: string }>,
  model: AppModel,
  report: Report,
): void {
  const unknownColumn = (path: DocPath, name: string, subject: string): void =>
    report(path, 'unknown-column', `${subject} \`${name}\`, which is not a column of query \`${table.query}\``, suggestionHint(name, columns, `Columns of \`${table.query}\``));

  table.columns.forEach((column: string | ColumnSpec, index) => {
    const field = typeof column === 'string' ? column : column.field;
    if (!columns.includes(field)) unknownColumn(typeof column === 'string' ? [...base, 'columns', index] : [...base, 'columns', index, 'field'], field, 'the table shows');
  });
  if (table.rowKey !== undefined && !columns.includes(table.rowKey)) unknownColumn([...base, 'rowKey'], table.rowKey, 'the row key is');

  for (const [param, value] of Object.entries(table.params ?? {})) checkBindingColumns([...base, 'params', param], value, earlierTables, report);

  (table.rowActions ?? []).forEach((entry: RowActionSpec, index) => {
    const path: DocPath = [...base, 'rowActions', index];
    if (typeof entry === 'object' && 'open' in entry) return;
    const actionId = typeof entry === 'string' ? entry : entry.action;
    const action = model.actions[actionId];
    if (!action || !Object.hasOwn(model.actions, actionId)) return;

    if (typeof entry === 'string') {
      for (const required of action.spec.required ?? []) {
        if (!columns.includes(required)) {
          report(path, 'missing-param', `row action \`${actionId}\` needs parameter \`${required}\`, but the query returns no column of that name`, `Map it to a column: \`{ action: ${actionId}, params: { ${required}: <column> } }\`.`);
        }
      }
    } else {
      for (const [param, column] of Object.entries(entry.params ?? {})) {
        if (!columns.includes(column)) unknownColumn([...path, 'params', param], column, `parameter \`${param}\` is filled from`);
      }
      for (const column of Object.keys(entry.when ?? {})) {
        if (!columns.includes(column)) {
          report([...path, 'when', column], 'unknown-column', `\`when\` names \`${column}\`, which is not a column of query \`${table.query}\``, suggestionHint(column, columns, `Columns of \`${table.query}\``), 'key');
        }
      }
    }

    for (const key of ['confirm', 'success'] as const) {
      const template = action.spec[key];
      if (template === undefined) continue;
      for (const placeholder of parseTemplate(template).placeholders) {
        const [scope, field] = placeholder.path;
        if (scope === 'row' && field !== undefined && !columns.includes(field)) {
          report(['actions', actionId, key], 'unknown-column', `\`{{ row.${field} }}\` names a column that query \`${table.query}\` does not return, and the action is a row action of that table`, suggestionHint(field, columns, `Columns of \`${table.query}\``));
        }
      }
    }
  });
}
