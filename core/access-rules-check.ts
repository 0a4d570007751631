// Checks of the access rules below the page: `restrict:` on queries (row and
// column rules per role), `scope:` on actions and `superuser:` roles. Columns
// are checked against the database later (runtime/spec-check.ts); this file
// needs only the spec.
import type { DiagnosticInput, DocPath, Located } from './load.js';
import { parseRowRule, RowRuleError } from './row-rules.js';
import type { AppSpec } from './spec.js';
import { suggestionHint } from './suggest.js';

export interface AccessCheckContext {
  report(input: DiagnosticInput): void;
  /** Position of a character inside a string value. */
  inValue(path: DocPath, offset: number, value: string): Located;
}

/** Reports problems with `restrict:` and `scope:`; every rule must parse, name allowed roles and stay within its query. */
export function checkAccessRules(spec: AppSpec, context: AccessCheckContext): void {
  const superusers = Object.entries(spec.roles).filter(([, role]) => role.superuser === true).map(([id]) => id);
  for (const [queryId, query] of Object.entries(spec.queries ?? {})) {
    if (query.export !== undefined) checkExportRoles(spec, queryId, superusers, context);
    for (const [role, restriction] of Object.entries(query.restrict ?? {})) {
      const path: DocPath = ['queries', queryId, 'restrict', role];
      if (!Object.hasOwn(spec.roles, role)) {
        context.report({ code: 'unknown-role', path, part: 'key', message: `\`restrict:\` names role \`${role}\`, which is not declared under \`roles:\``, hint: suggestionHint(role, Object.keys(spec.roles), 'Declared roles') });
        continue;
      }
      if (!query.allow.includes(role) && !superusers.includes(role)) {
        context.report({
          code: 'restrict-role-not-allowed',
          path,
          part: 'key',
          message: `query \`${queryId}\` restricts role \`${role}\`, which its \`allow:\` does not list, so the rule would never apply`,
          hint: `Add \`${role}\` to \`allow:\` of query \`${queryId}\`, or remove its entry from \`restrict:\`.`,
        });
      }
      if (restriction.rows !== undefined) checkRowRule(restriction.rows, [...path, 'rows'], context);
      const hidden = new Set(restriction.hide ?? []);
      (restriction.mask ?? []).forEach((column, index) => {
        if (hidden.has(column)) {
          context.report({ code: 'restrict-conflict', path: [...path, 'mask', index], message: `column \`${column}\` is both hidden and masked for role \`${role}\``, hint: 'Keep it in `hide:` (never sent) or in `mask:` (sent as ••••••), not both.' });
        }
      });
    }
  }

  for (const [actionId, action] of Object.entries(spec.actions ?? {})) {
    if (action.scope !== undefined) checkScope(spec, actionId, context);
  }
}

/** Each role of `export.allow` must be declared and allowed to run the query; only SQL queries can be exported. */
function checkExportRoles(spec: AppSpec, queryId: string, superusers: string[], context: AccessCheckContext): void {
  const query = spec.queries![queryId];
  const path: DocPath = ['queries', queryId, 'export'];
  if (query.sql === undefined) {
    context.report({ code: 'export-http-query', path, part: 'key', message: `query \`${queryId}\` reads an HTTP API, and only SQL queries can be exported`, hint: 'Remove `export:`, or read the rows with `sql:` from a sqlite or postgres data source.' });
    return;
  }
  const seen = new Set<string>();
  query.export!.allow.forEach((role, index) => {
    const rolePath: DocPath = [...path, 'allow', index];
    if (seen.has(role)) {
      context.report({ code: 'duplicate-allow', severity: 'warning', path: rolePath, message: `role \`${role}\` is listed twice in \`export.allow:\``, hint: 'Remove the second entry.' });
      return;
    }
    seen.add(role);
    if (!Object.hasOwn(spec.roles, role)) {
      context.report({ code: 'unknown-role', path: rolePath, message: `\`export.allow:\` names role \`${role}\`, which is not declared under \`roles:\``, hint: suggestionHint(role, Object.keys(spec.roles), 'Declared roles') });
      return;
    }
    if (!superusers.includes(role) && !inheritsAny(spec, role, query.allow)) {
      context.report({
        code: 'export-role-not-allowed',
        path: rolePath,
        message: `query \`${queryId}\` lets role \`${role}\` export it, but its \`allow:\` does not let that role run it`,
        hint: `Add \`${role}\` to \`allow:\` of query \`${queryId}\`, or remove it from \`export.allow:\`.`,
      });
    }
  });
}

/** Returns true when `role` is one of `allowed` or inherits one of them; safe on cycles. */
function inheritsAny(spec: AppSpec, role: string, allowed: string[]): boolean {
  const seen = new Set<string>();
  const pending = [role];
  while (pending.length > 0) {
    const next = pending.pop() as string;
    if (allowed.includes(next)) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...(spec.roles[next]?.inherits ?? []));
  }
  return false;
}

function checkRowRule(text: string, path: DocPath, context: AccessCheckContext): void {
  try {
    parseRowRule(text);
  } catch (err) {
    if (!(err instanceof RowRuleError)) throw err;
    context.report({
      code: 'row-rule-syntax',
      path,
      at: context.inValue(path, err.offset, text),
      message: `the row rule is not valid: ${err.message}`,
      hint: "Write a condition such as `Region = user.region and Status != 'closed'`; see `restriction.rows` in docs/spec-reference.md.",
    });
  }
}

function checkScope(spec: AppSpec, actionId: string, context: AccessCheckContext): void {
  const action = spec.actions![actionId];
  const scope = action.scope!;
  const path: DocPath = ['actions', actionId, 'scope'];
  if (action.steps !== undefined) {
    // NOTE: actions with steps may span data sources and HTTP calls, so the before-and-after check has no single transaction to run in yet.
    context.report({ code: 'scope-with-steps', path, part: 'key', message: `action \`${actionId}\` has \`steps:\` and \`scope:\`, and scopes are checked only around a single statement`, hint: 'Use `datasource:` and `sql:` for a scoped action, or check the row in the first step\'s SQL with the same condition.' });
    return;
  }
  const query = spec.queries?.[scope.query];
  if (query === undefined || !Object.hasOwn(spec.queries ?? {}, scope.query)) {
    context.report({ code: 'unknown-query', path: [...path, 'query'], message: `query \`${scope.query}\` is not declared under \`queries:\``, hint: suggestionHint(scope.query, Object.keys(spec.queries ?? {}), 'Declared queries') });
  } else if (query.sql === undefined || query.datasource !== action.datasource) {
    context.report({
      code: 'scope-datasource',
      path: [...path, 'query'],
      message: `the scope query \`${scope.query}\` must be a SQL query on data source \`${action.datasource ?? '?'}\`, the one action \`${actionId}\` changes, so both run in one transaction`,
      hint: 'Name a query that reads the same database as the action.',
    });
  } else if ((query.required ?? []).length > 0) {
    context.report({ code: 'scope-required-params', path: [...path, 'query'], message: `the scope query \`${scope.query}\` requires parameters (${query.required!.join(', ')}), which a scope check cannot give`, hint: 'Name a query without required parameters, such as the one that lists all rows of the table.' });
  }
  if (!Object.hasOwn(action.params ?? {}, scope.param)) {
    context.report({ code: 'unknown-param', path: [...path, 'param'], message: `\`scope.param\` names \`${scope.param}\`, which is not a parameter of action \`${actionId}\``, hint: suggestionHint(scope.param, Object.keys(action.params ?? {}), 'Parameters') });
  }
}
