// Checks a schema cannot express: references between ids, SQL parameters,
// placeholders and the role graph. Runs only on data that passed the schema.
import type { Diagnostic } from './diagnostics.js';
import { diagnosticAt, type DiagnosticInput, type DocPath, type LoadedDocument } from './load.js';
import type { ActionSpec, AppSpec, QuerySpec, TableSpec } from './spec.js';
import { findSqlParams } from './sql-params.js';
import { checkAccessRules } from './access-rules-check.js';
import { checkChart, checkStat } from './chart-checks.js';
import { pageComponents } from './components.js';
import { checkPageLayout } from './layout-checks.js';
import { parseDuration } from './duration.js';
import { checkJobs } from './job-checks.js';
import { checkActionSteps, checkQueryRequest, type StepCheckContext } from './step-checks.js';
import { suggest, suggestionHint } from './suggest.js';
import { checkFormDefaults, checkParamFormHints } from './form-param-checks.js';
import { parseTemplate } from './template.js';
import { bindingPaths, checkBindingPath, parseBindings, type BindingScope } from './bindings.js';
import { filterFieldNames } from './spec.js';
import { checkFilterOptions } from './filter-checks.js';

/** Identity values a statement may use without declaring them: `:user.id`, `:user.email`, `:user.name`. */
export const IDENTITY_FIELDS: readonly string[] = ['id', 'email', 'name'];

/** Most roles on one inheritance chain. Casbin's default role manager follows at most 10 links from a subject. */
export const MAX_ROLE_DEPTH = 10;

/** Returns every problem found in a spec whose shape already matches the schema. */
export function checkSemantics(spec: AppSpec, loaded: LoadedDocument): Diagnostic[] {
  const checker = new SemanticChecker(spec, loaded);
  checker.checkRoles();
  checker.checkStatements('queries', spec.queries ?? {});
  checker.checkStatements('actions', spec.actions ?? {});
  checker.checkApprovals(spec.actions ?? {});
  checker.checkJobs();
  checker.checkPages();
  checker.checkDevUsers();
  checker.checkAccessRules();
  checker.checkUnused();
  return checker.diagnostics;
}

class SemanticChecker {
  readonly diagnostics: Diagnostic[] = [];
  readonly #spec: AppSpec;
  readonly #loaded: LoadedDocument;
  /** Filter bars of the page being checked, by id, with their field names; bindings in table params may read them. */
  #pageFilters = new Map<string, string[]>();
  /** Forms with an id on the page being checked, each with its action's parameter names (undefined when the action is not declared). */
  #pageForms = new Map<string, string[] | undefined>();

  constructor(spec: AppSpec, loaded: LoadedDocument) {
    this.#spec = spec;
    this.#loaded = loaded;
  }

  #report(input: DiagnosticInput): void {
    this.diagnostics.push(diagnosticAt(this.#loaded.file, this.#loaded.positions, input));
  }

  #inValue(path: DocPath, offset: number, value: string): { line: number; col: number } {
    return this.#loaded.positions.locateInValue(path, offset, value);
  }

  /** Reports a reference to an id missing from `declared`; returns true when the id is declared. */
  #checkRef(kind: string, plural: string, name: string, declared: Record<string, unknown>, path: DocPath): boolean {
    if (Object.hasOwn(declared, name)) return true;
    this.#report({
      code: `unknown-${kind}`,
      path,
      message: `${kind} \`${name}\` is not declared under \`${plural}:\``,
      hint: suggestionHint(name, Object.keys(declared), `Declared ${plural}`),
    });
    return false;
  }

  #checkAllow(allow: string[], path: DocPath): void {
    const seen = new Set<string>();
    allow.forEach((role, index) => {
      if (role.includes('*')) {
        this.#report({
          code: 'wildcard-grant',
          path: [...path, index],
          message: `\`${role}\` is not a role; allow lists name roles one by one and have no wildcard`,
          hint: 'List the roles, or give a role every page, query and action with `superuser: true` under `roles:`.',
        });
        return;
      }
      if (seen.has(role)) {
        this.#report({ code: 'duplicate-allow', severity: 'warning', path: [...path, index], message: `role \`${role}\` is listed twice in \`allow:\``, hint: 'Remove the second entry.' });
        return;
      }
      seen.add(role);
      this.#checkRef('role', 'roles', role, this.#spec.roles, [...path, index]);
    });
  }

  checkAccessRules(): void {
    checkAccessRules(this.#spec, { report: (input) => this.#report(input), inValue: (path, offset, value) => this.#inValue(path, offset, value) });
  }

  checkRoles(): void {
    const roles = this.#spec.roles;
    for (const [id, role] of Object.entries(roles)) {
      const seen = new Set<string>();
      (role.inherits ?? []).forEach((parent, index) => {
        const path = ['roles', id, 'inherits', index];
        if (seen.has(parent)) {
          this.#report({ code: 'duplicate-inherits', severity: 'warning', path, message: `role \`${id}\` inherits \`${parent}\` twice`, hint: 'Remove the second entry.' });
          return;
        }
        seen.add(parent);
        this.#checkRef('role', 'roles', parent, roles, path);
      });
    }
    if (!this.#checkRoleCycles()) this.#checkRoleDepth();

    if (this.#spec.home !== undefined) this.#checkRef('page', 'pages', this.#spec.home, this.#spec.pages, ['home']);
    // Audit viewers are roles like an allow list: each must be declared.
    if (this.#spec.audit !== undefined) this.#checkAllow(this.#spec.audit.viewers, ['audit', 'viewers']);
  }

  /** Reports each inheritance cycle once; returns true when there is none. */
  #checkRoleCycles(): boolean {
    const roles = this.#spec.roles;
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const reported = new Set<string>();

    const visit = (id: string): void => {
      state.set(id, 'open');
      stack.push(id);
      (roles[id]?.inherits ?? []).forEach((parent, index) => {
        if (!Object.hasOwn(roles, parent)) return;
        if (state.get(parent) === 'open') {
          const cycle = [...stack.slice(stack.indexOf(parent)), parent];
          const key = [...new Set(cycle)].sort().join('|');
          if (reported.has(key)) return;
          reported.add(key);
          this.#report({
            code: 'role-cycle',
            path: ['roles', id, 'inherits', index],
            message: `roles inherit from each other in a cycle: ${cycle.join(' -> ')}`,
            hint: `Remove \`${parent}\` from the \`inherits:\` of \`${id}\`, or another link of the cycle.`,
          });
        } else if (state.get(parent) === undefined) {
          visit(parent);
        }
      });
      stack.pop();
      state.set(id, 'done');
    };

    for (const id of Object.keys(roles)) if (!state.has(id)) visit(id);
    return reported.size > 0;
  }

  #checkRoleDepth(): void {
    const roles = this.#spec.roles;
    const longest = new Map<string, string[]>();
    const chainFrom = (id: string): string[] => {
      const known = longest.get(id);
      if (known !== undefined) return known;
      let best: string[] = [];
      for (const parent of roles[id]?.inherits ?? []) {
        if (!Object.hasOwn(roles, parent)) continue;
        const chain = chainFrom(parent);
        if (chain.length > best.length) best = chain;
      }
      const chain = [id, ...best];
      longest.set(id, chain);
      return chain;
    };

    const inherited = new Set(Object.values(roles).flatMap((role) => role.inherits ?? []));
    for (const id of Object.keys(roles)) {
      // Report the start of each over-long chain only; the roles further down are part of the same chain.
      if (inherited.has(id)) continue;
      const chain = chainFrom(id);
      if (chain.length <= MAX_ROLE_DEPTH) continue;
      this.#report({
        code: 'role-depth',
        path: ['roles', id],
        part: 'key',
        message: `role \`${id}\` starts an inheritance chain of ${chain.length} roles (${chain.join(' -> ')}); at most ${MAX_ROLE_DEPTH} are allowed`,
        hint: `Flatten the chain: let \`${id}\` inherit a role further down directly, or merge roles, so no chain has more than ${MAX_ROLE_DEPTH} roles.`,
      });
    }
  }

  checkStatements(kind: 'queries' | 'actions', statements: Record<string, QuerySpec | ActionSpec>): void {
    for (const [id, statement] of Object.entries(statements)) {
      const base = [kind, id];
      this.#checkAllow(statement.allow, [...base, 'allow']);
      this.#checkRequired(base, statement);
      checkParamFormHints(base, statement, this.#spec.queries ?? {}, (input) => this.#report(input));
      if (kind === 'actions' && !this.#checkActionShape(base, statement as ActionSpec)) continue;
      if (kind === 'queries' && !this.#checkQueryShape(base, statement as QuerySpec)) continue;
      if (this.#checkRef('datasource', 'datasources', statement.datasource!, this.#spec.datasources, [...base, 'datasource']) && this.#spec.datasources[statement.datasource!].kind === 'http') {
        this.#report({ code: 'step-datasource-kind', path: [...base, 'datasource'], message: `data source \`${statement.datasource}\` is of kind http, which runs no SQL`, hint: kind === 'actions' ? 'Call an HTTP API from a `request:` step under `steps:`.' : 'Name a sqlite or postgres data source, or read the API with `request:` in place of `sql:`.' });
      }
      this.#checkSqlParams(base, statement as QuerySpec);
      if (kind === 'actions') {
        const action = statement as ActionSpec;
        if (action.confirm !== undefined) this.#checkMessageTemplate([...base, 'confirm'], action.confirm, action);
        if (action.success !== undefined) this.#checkMessageTemplate([...base, 'success'], action.success, action);
      }
    }
  }

  /** Approving roles must exist and be listed, and `expiresAfter` must be a duration. */
  checkApprovals(actions: Record<string, ActionSpec>): void {
    for (const [id, action] of Object.entries(actions)) {
      if (action.approval === undefined) continue;
      const path = ['actions', id, 'approval'];
      if (action.approval.by.length === 0) {
        this.#report({ code: 'approval-no-roles', path: [...path, 'by'], message: `action \`${id}\` needs approval but \`by:\` lists no role, so no request could ever be approved`, hint: 'List the roles whose members approve requests, such as `by: [lead]`.' });
      }
      this.#checkAllow(action.approval.by, [...path, 'by']);
      const expiresAfter = action.approval.expiresAfter;
      if (expiresAfter !== undefined && parseDuration(expiresAfter) === undefined) {
        this.#report({ code: 'approval-duration', path: [...path, 'expiresAfter'], message: `\`${expiresAfter}\` is not a valid duration for \`expiresAfter:\``, hint: 'Write a whole number followed by m (minutes), h (hours) or d (days), at most 365 days, such as `30m`, `12h` or `3d`.' });
      }
    }
  }

  /** An action has `datasource` and `sql`, or `steps`; returns true for the first form, which the caller checks as a statement. */
  #checkActionShape(base: DocPath, action: ActionSpec): boolean {
    if (action.steps !== undefined) {
      if (action.sql !== undefined || action.datasource !== undefined) {
        this.#report({ code: 'action-shape', path: [...base, action.sql !== undefined ? 'sql' : 'datasource'], part: 'key', message: 'the action has `steps:` and also its own `sql:` or `datasource:`', hint: 'Move the statement into a step, or remove `steps:`.' });
      }
      const used = new Set<string>();
      const reportedBefore = this.diagnostics.length;
      checkActionSteps(this.#stepContext(), base, action, used);
      // A step with a broken shape was not read for parameters, so unused ones would be guesses.
      const stepErrors = this.diagnostics.length > reportedBefore;
      for (const name of stepErrors ? [] : Object.keys(action.params ?? {})) {
        if (used.has(name)) continue;
        this.#report({ code: 'sql-unused-param', path: [...base, 'params', name], part: 'key', message: `parameter \`${name}\` is declared but no step uses it`, hint: `Use \`:${name}\` in a SQL step or \`{{ params.${name} }}\` in a request, or remove the parameter.` });
      }
      return false;
    }
    if (action.sql === undefined || action.datasource === undefined) {
      this.#report({ code: 'action-shape', path: base, part: 'key', message: `action \`${String(base[1])}\` has ${action.sql === undefined ? 'no `sql:`' : 'no `datasource:`'}`, hint: 'Give the action `datasource:` and `sql:`, or a list of `steps:`.' });
      return false;
    }
    if (action.onFailure !== undefined) {
      this.#report({ code: 'action-shape', path: [...base, 'onFailure'], part: 'key', message: '`onFailure:` applies to actions with `steps:` only', hint: 'A single statement rolls back by itself on failure; remove `onFailure:`.' });
    }
    return true;
  }

  checkJobs(): void {
    checkJobs({ ...this.#stepContext(), checkAllow: (allow, path) => this.#checkAllow(allow, path) }, this.#spec);
    for (const [id, job] of Object.entries(this.#spec.jobs ?? {})) checkParamFormHints(['jobs', id], job, this.#spec.queries ?? {}, (input) => this.#report(input));
  }

  #stepContext(): StepCheckContext {
    return { spec: this.#spec, report: (input) => this.#report(input), inValue: (path, offset, value) => this.#inValue(path, offset, value), checkRef: (...args) => this.#checkRef(...args) };
  }

  /** A query has exactly one of `sql` and `request`; returns true for `sql`, which the caller checks as a statement. */
  #checkQueryShape(base: DocPath, query: QuerySpec): boolean {
    const hasSql = query.sql !== undefined;
    if (hasSql === (query.request !== undefined)) {
      this.#report({ code: 'query-shape', path: base, part: 'key', message: `query \`${String(base[1])}\` has ${hasSql ? 'both `sql:` and `request:`' : 'neither `sql:` nor `request:`'}`, hint: 'Give a query `sql:` with a sqlite or postgres data source, or `request:` with a data source of `kind: http`.' });
      return false;
    }
    if (hasSql) {
      if (query.rows !== undefined) this.#report({ code: 'query-shape', path: [...base, 'rows'], part: 'key', message: '`rows:` applies to queries with `request:` only', hint: 'Remove `rows:`; a SQL query returns the rows of its statement.' });
      return true;
    }
    if (!this.#checkRef('datasource', 'datasources', query.datasource, this.#spec.datasources, [...base, 'datasource'])) return false;
    const kind = this.#spec.datasources[query.datasource].kind;
    if (kind !== 'http') {
      this.#report({ code: 'query-datasource-kind', path: [...base, 'datasource'], message: `the query sends an HTTP request, but data source \`${query.datasource}\` is of kind ${kind}`, hint: 'Name a data source of `kind: http` for `request:`, or write the query as `sql:`.' });
      return false;
    }
    const used = new Set<string>();
    const reportedBefore = this.diagnostics.length;
    checkQueryRequest(this.#stepContext(), base, query, used);
    // A request with errors may not have been read to the end, so unused parameters would be guesses.
    if (this.diagnostics.length > reportedBefore) return false;
    for (const name of Object.keys(query.params ?? {})) {
      if (used.has(name)) continue;
      this.#report({ code: 'sql-unused-param', path: [...base, 'params', name], part: 'key', message: `parameter \`${name}\` is declared but the request never uses it`, hint: `Use \`{${name}}\` in the path or \`{{ params.${name} }}\` in \`query:\` or \`headers:\`, or remove the parameter.` });
    }
    return false;
  }

  #checkSqlParams(base: DocPath, statement: QuerySpec): void {
    const declared = statement.params ?? {};
    const used = new Set<string>();
    const reported = new Set<string>();
    const sqlPath = [...base, 'sql'];

    const sql = statement.sql ?? '';
    for (const occurrence of findSqlParams(sql)) {
      const at = this.#inValue(sqlPath, occurrence.offset, sql);
      const [scope, field] = occurrence.name.split('.');
      if (field !== undefined) {
        if (scope === 'user' && IDENTITY_FIELDS.includes(field)) continue;
        if (reported.has(occurrence.name)) continue;
        reported.add(occurrence.name);
        this.#report({
          code: scope === 'user' ? 'sql-unknown-identity' : 'sql-undeclared-param',
          path: sqlPath,
          at,
          message: scope === 'user'
            ? `\`:${occurrence.name}\` is not an identity value; the signed-in user offers \`:user.id\`, \`:user.email\` and \`:user.name\``
            : `\`:${occurrence.name}\` is not a parameter: only identity values such as \`:user.email\` have a dot`,
          hint: scope === 'user' ? suggestionHint(field, IDENTITY_FIELDS, 'Identity values').replace(/`(id|email|name)`/g, '`user.$1`') : `Declare a parameter without a dot under \`params:\` and write \`:${scope}\`.`,
        });
        continue;
      }
      if (Object.hasOwn(declared, occurrence.name)) {
        used.add(occurrence.name);
        continue;
      }
      if (reported.has(occurrence.name)) continue;
      reported.add(occurrence.name);
      const near = suggest(occurrence.name, Object.keys(declared));
      this.#report({
        code: 'sql-undeclared-param',
        path: sqlPath,
        at,
        message: `SQL parameter \`:${occurrence.name}\` is not declared under \`params:\``,
        hint: near !== undefined
          ? `Did you mean \`:${near}\`?`
          : `Declare it, for example \`params: { ${occurrence.name}: { type: string } }\`.`,
      });
    }

    for (const name of Object.keys(declared)) {
      if (used.has(name)) continue;
      this.#report({
        code: 'sql-unused-param',
        path: [...base, 'params', name],
        part: 'key',
        message: `parameter \`${name}\` is declared but the SQL never uses \`:${name}\``,
        hint: `Use \`:${name}\` in the SQL or remove the parameter.`,
      });
    }
  }

  #checkRequired(base: DocPath, statement: QuerySpec | ActionSpec): void {
    const declared = Object.keys(statement.params ?? {});
    (statement.required ?? []).forEach((name, index) => {
      if (declared.includes(name)) return;
      this.#report({
        code: 'unknown-param',
        path: [...base, 'required', index],
        message: `required parameter \`${name}\` is not declared under \`params:\``,
        hint: suggestionHint(name, declared, 'Declared parameters'),
      });
    });
  }

  /** `confirm` and `success` may use `{{ row.<column> }}` and `{{ params.<declared parameter> }}`. */
  #checkMessageTemplate(path: DocPath, text: string, action: ActionSpec): void {
    const parsed = parseTemplate(text);
    for (const error of parsed.errors) {
      this.#report({ code: 'template-syntax', path, at: this.#inValue(path, error.offset, text), message: error.message, hint: 'Write `{{ row.<column> }}` or `{{ params.<name> }}`.' });
    }
    const declared = Object.keys(action.params ?? {});
    for (const placeholder of parsed.placeholders) {
      const at = this.#inValue(path, placeholder.offset, text);
      const [scope, name] = placeholder.path;
      const shown = `{{ ${placeholder.path.join('.')} }}`;
      if (placeholder.path.length === 2 && scope === 'row') continue;
      if (placeholder.path.length === 2 && scope === 'params') {
        if (declared.includes(name)) continue;
        this.#report({ code: 'template-unknown-param', path, at, message: `\`${shown}\` names parameter \`${name}\`, which the action does not declare`, hint: suggestionHint(name, declared, 'Declared parameters') });
        continue;
      }
      this.#report({ code: 'template-unknown-scope', path, at, message: `\`${shown}\` is not a known placeholder here`, hint: 'Use `{{ row.<column> }}` for the row the action started from, or `{{ params.<name> }}` for a parameter.' });
    }
  }

  checkPages(): void {
    for (const [pageId, page] of Object.entries(this.#spec.pages)) {
      const base = ['pages', pageId];
      this.#checkAllow(page.allow, [...base, 'allow']);
      // Ids of the tables met so far in document order, nested ones included; duplicates are reported by checkPageLayout.
      const tableIds = new Map<string, number>();
      const visited = pageComponents(pageId, page);
      checkPageLayout(pageId, visited, (input) => this.#report(input));
      this.#pageFilters = new Map(visited.flatMap(({ component }) => ('filters' in component ? [[component.filters.id, component.filters.fields.flatMap(filterFieldNames)] as [string, string[]]] : [])));
      this.#pageForms = new Map(visited.flatMap(({ component }) => ('form' in component && component.form.id !== undefined ? [[component.form.id, this.#actionParamNames(component.form.action)] as const] : [])));
      // Ids of the forms met so far; a form's defaults read only these, so two forms never reset each other in a loop.
      const formIds = new Set<string>();
      this.#checkFilterIds(visited);
      this.#checkFormIds(visited);
      visited.forEach(({ component, path }, index) => {
        if ('table' in component) {
          this.#checkTable([...path, 'table'], component.table, tableIds);
          const id = component.table.id;
          if (id !== undefined && !tableIds.has(id)) tableIds.set(id, index);
        } else if ('detail' in component) {
          const { query, params } = component.detail;
          this.#checkTable([...path, 'detail'], { query, params, columns: [] }, tableIds);
        } else if ('chart' in component) {
          checkChart([...path, 'chart'], component.chart, this.#spec.queries ?? {}, (input) => this.#report(input));
          for (const [name, value] of Object.entries(component.chart.params ?? {})) {
            if (typeof value === 'string') this.#checkSelectionTemplate([...path, 'chart', 'params', name], value, tableIds);
          }
        } else if ('stat' in component) {
          checkStat([...path, 'stat'], component.stat, this.#spec.queries ?? {}, (input) => this.#report(input));
          for (const [name, value] of Object.entries(component.stat.params ?? {})) {
            if (typeof value === 'string') this.#checkSelectionTemplate([...path, 'stat', 'params', name], value, tableIds);
          }
          for (const [name, value] of Object.entries(component.stat.compare?.params ?? {})) {
            if (typeof value === 'string') this.#checkSelectionTemplate([...path, 'stat', 'compare', 'params', name], value, tableIds);
          }
        } else if ('markdown' in component) {
          this.#checkSelectionTemplate([...path, 'markdown'], component.markdown, tableIds);
        } else if ('form' in component) {
          if (this.#checkRef('action', 'actions', component.form.action, this.#spec.actions ?? {}, [...path, 'form', 'action'])) {
            checkFormDefaults(component.form, [...path, 'form'], this.#spec.actions?.[component.form.action], (input) => this.#report(input));
          }
          for (const [name, value] of Object.entries(component.form.defaults ?? {})) {
            if (typeof value === 'string') this.#checkSelectionTemplate([...path, 'form', 'defaults', name], value, tableIds, formIds);
          }
          if (component.form.id !== undefined) formIds.add(component.form.id);
        } else if ('job' in component) {
          this.#checkRef('job', 'jobs', component.job.job, this.#spec.jobs ?? {}, [...path, 'job', 'job']);
        } else if ('filters' in component) {
          checkFilterOptions(component.filters, [...path, 'filters'], page.allow, this.#spec.queries ?? {}, this.#spec.roles, (input) => this.#report(input));
        }
      });
    }
  }

  #checkTable(path: DocPath, table: TableSpec, earlierTables: Map<string, number>): void {
    const queries = this.#spec.queries ?? {};
    const actions = this.#spec.actions ?? {};
    const query = this.#checkRef('query', 'queries', table.query, queries, [...path, 'query']) ? queries[table.query] : undefined;

    if (query !== undefined) {
      const declared = Object.keys(query.params ?? {});
      if (table.search !== undefined && !declared.includes(table.search)) {
        this.#report({ code: 'unknown-param', path: [...path, 'search'], message: `search parameter \`${table.search}\` is not a parameter of query \`${table.query}\``, hint: suggestionHint(table.search, declared, `Parameters of \`${table.query}\``) });
      }
      for (const name of Object.keys(table.params ?? {})) {
        if (declared.includes(name)) continue;
        this.#report({ code: 'unknown-param', path: [...path, 'params', name], part: 'key', message: `\`${name}\` is not a parameter of query \`${table.query}\``, hint: suggestionHint(name, declared, `Parameters of \`${table.query}\``) });
      }
      const given = new Set([...Object.keys(table.params ?? {}), ...(table.search === undefined ? [] : [table.search])]);
      for (const name of query.required ?? []) {
        if (given.has(name) || !declared.includes(name)) continue;
        this.#report({ code: 'missing-param', path, part: 'key', message: `query \`${table.query}\` requires parameter \`${name}\`, but the table gives it no value`, hint: `Add \`params: { ${name}: ... }\` to the table, for example \`"{{ <tableId>.selected.<column> }}"\`.` });
      }
    }

    for (const [name, value] of Object.entries(table.params ?? {})) {
      if (typeof value === 'string') this.#checkSelectionTemplate([...path, 'params', name], value, earlierTables);
    }

    (table.rowActions ?? []).forEach((rowAction, index) => {
      const itemPath = [...path, 'rowActions', index];
      // `{ open: <id> }` opens a modal or drawer; checkPageLayout checks that id.
      if (typeof rowAction === 'object' && 'open' in rowAction) return;
      if (typeof rowAction === 'string') {
        this.#checkRef('action', 'actions', rowAction, actions, itemPath);
        return;
      }
      if (!this.#checkRef('action', 'actions', rowAction.action, actions, [...itemPath, 'action'])) return;
      const declared = Object.keys(actions[rowAction.action].params ?? {});
      for (const name of Object.keys(rowAction.params ?? {})) {
        if (declared.includes(name)) continue;
        this.#report({ code: 'unknown-param', path: [...itemPath, 'params', name], part: 'key', message: `\`${name}\` is not a parameter of action \`${rowAction.action}\``, hint: suggestionHint(name, declared, `Parameters of \`${rowAction.action}\``) });
      }
    });
    (table.bulkActions ?? []).forEach((id, index) => this.#checkRef('action', 'actions', id, actions, [...path, 'bulkActions', index]));
  }

  /** A filter bar's id starts its bindings, so it may not be `url`, `user` or the id of a table on the same page. */
  #checkFilterIds(visited: ReturnType<typeof pageComponents>): void {
    const tableIds = new Set(visited.flatMap(({ component }) => ('table' in component && component.table.id !== undefined ? [component.table.id] : [])));
    for (const { component, path } of visited) {
      if (!('filters' in component)) continue;
      const id = component.filters.id;
      if (id !== 'url' && id !== 'user' && !tableIds.has(id)) continue;
      const reason = tableIds.has(id) ? `a table on this page has the id \`${id}\`` : `\`${id}\` is a reserved binding root`;
      this.#report({ code: 'duplicate-id', path: [...path, 'filters', 'id'], message: `filters id \`${id}\` cannot be used because ${reason}`, hint: 'Give the filter bar another id, such as `f`.' });
    }
  }

  #actionParamNames(actionId: string): string[] | undefined {
    const actions = this.#spec.actions ?? {};
    return Object.hasOwn(actions, actionId) ? Object.keys(actions[actionId].params ?? {}) : undefined;
  }

  /** A form's id starts its bindings, so it may not be `url`, `user` or the id of a table, filter bar or other form on the same page. */
  #checkFormIds(visited: ReturnType<typeof pageComponents>): void {
    const usedIds = new Map<string, string>();
    for (const { component } of visited) {
      if ('table' in component && component.table.id !== undefined) usedIds.set(component.table.id, 'a table');
      if ('filters' in component) usedIds.set(component.filters.id, 'a filter bar');
    }
    for (const { component, path } of visited) {
      if (!('form' in component) || component.form.id === undefined) continue;
      const id = component.form.id;
      let reason: string | undefined;
      if (id === 'url' || id === 'user') reason = `\`${id}\` is a reserved binding root`;
      else if (usedIds.has(id)) reason = `${usedIds.get(id)} on this page has the id \`${id}\``;
      usedIds.set(id, 'another form');
      if (reason === undefined) continue;
      this.#report({ code: 'duplicate-id', path: [...path, 'form', 'id'], message: `form id \`${id}\` cannot be used because ${reason}`, hint: 'Give the form another id, such as `note`.' });
    }
  }

  /**
   * Checks the `{{ }}` bindings (core/bindings.ts) of params, defaults and markdown text. A table id they name must belong to a table earlier on the same page.
   * For a form's defaults, `earlierForms` lists the forms placed above, the only ones they may read. Other bindings read any form of the page.
   */
  #checkSelectionTemplate(path: DocPath, text: string, earlierTables: Map<string, number>, earlierForms?: ReadonlySet<string>): void {
    const parsed = parseBindings(text);
    for (const error of parsed.errors) {
      this.#report({ code: 'template-syntax', path, at: this.#inValue(path, error.offset, text), message: error.message, hint: 'Write a path such as `{{ <tableId>.selected.<column> }}`, optionally with `??`, `==`, `!=`, `<`, `>`, `&&`, `||` or `!`.' });
    }
    const forms = earlierForms ?? new Set(this.#pageForms.keys());
    const formFields = new Map([...this.#pageForms].flatMap(([id, fields]) => (fields === undefined ? [] : [[id, fields] as const])));
    const scope: BindingScope = { tables: new Map([...earlierTables.keys()].map((id) => [id, undefined])), forms, formFields, filters: this.#pageFilters };
    for (const expression of parsed.expressions) {
      for (const bindingPath of bindingPaths(expression.node)) {
        const problem = checkBindingPath(bindingPath.segments, scope);
        // A placeholder that is one path is reported at its `{{`; inside a longer expression, at the path itself.
        const offset = expression.node.kind === 'path' ? expression.offset : bindingPath.offset;
        if (problem) this.#report({ ...problem, path, at: this.#inValue(path, offset, text) });
      }
    }
  }

  /**
   * Warns about queries no table shows, actions no table or form offers, and
   * roles that grant nothing to anyone: each is dead weight in the policy and in review.
   * A kind is skipped while some reference to it is unknown, because the
   * misspelt reference is most likely meant for the id that looks unused.
   */
  checkUnused(): void {
    const shownQueries = new Set<string>();
    const offeredActions = new Set<string>();
    for (const [pageId, page] of Object.entries(this.#spec.pages)) {
      for (const { component } of pageComponents(pageId, page)) {
        if ('detail' in component) shownQueries.add(component.detail.query);
        if ('form' in component) {
          offeredActions.add(component.form.action);
          continue;
        }
        if ('chart' in component) shownQueries.add(component.chart.query);
        if ('stat' in component) for (const query of [component.stat.query, component.stat.compare?.query]) if (query !== undefined) shownQueries.add(query);
        if ('filters' in component) for (const field of component.filters.fields) if (field.options !== undefined && !Array.isArray(field.options)) shownQueries.add(field.options.query);
        if (!('table' in component)) continue;
        shownQueries.add(component.table.query);
        for (const rowAction of component.table.rowActions ?? []) {
          if (typeof rowAction === 'string') offeredActions.add(rowAction);
          else if ('action' in rowAction) offeredActions.add(rowAction.action);
        }
        for (const id of component.table.bulkActions ?? []) offeredActions.add(id);
      }
    }

    const queries = this.#spec.queries ?? {};
    const actions = this.#spec.actions ?? {};
    const roles = this.#spec.roles;
    const dangling = (used: Iterable<string>, declared: Record<string, unknown>): boolean => [...used].some((id) => !Object.hasOwn(declared, id));

    for (const id of dangling(shownQueries, queries) ? [] : Object.keys(queries)) {
      if (shownQueries.has(id)) continue;
      this.#report({
        code: 'unused-query',
        severity: 'warning',
        path: ['queries', id],
        part: 'key',
        message: `query \`${id}\` is not shown by any table`,
        hint: `Add \`- table: { query: ${id}, ... }\` to a page, or remove the query.`,
      });
    }
    for (const id of dangling(offeredActions, actions) ? [] : Object.keys(actions)) {
      if (offeredActions.has(id)) continue;
      this.#report({
        code: 'unused-action',
        severity: 'warning',
        path: ['actions', id],
        part: 'key',
        message: `action \`${id}\` is not offered by any page: no table lists it under \`rowActions:\` and no form uses it`,
        hint: `Add it to a table's \`rowActions:\` or add \`- form: { action: ${id} }\` to a page, or remove the action.`,
      });
    }

    const inherited = new Set(Object.values(roles).flatMap((role) => role.inherits ?? []));
    for (const [id, role] of dangling(inherited, roles) ? [] : Object.entries(roles)) {
      const members = (role.members?.users?.length ?? 0) + (role.members?.groups?.length ?? 0);
      if (members > 0 || inherited.has(id)) continue;
      this.#report({
        code: 'role-without-members',
        severity: 'warning',
        path: ['roles', id],
        part: 'key',
        message: `role \`${id}\` has no members and no role inherits from it, so it grants nothing to anyone`,
        hint: `Add \`members: { groups: [...] }\` or \`members: { users: [...] }\` to \`${id}\`, list it under another role's \`inherits:\`, or remove it.`,
      });
    }
  }

  checkDevUsers(): void {
    const seen = new Map<string, number>();
    (this.#spec.devUsers ?? []).forEach((user, index) => {
      const key = user.id.includes('@') ? user.id.toLowerCase() : user.id;
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, index);
        return;
      }
      this.#report({ code: 'duplicate-id', path: ['devUsers', index, 'id'], message: `dev user \`${user.id}\` is listed twice (first as entry ${first + 1})`, hint: 'Remove one of the entries.' });
    });
  }
}
