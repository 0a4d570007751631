// Load checks of filter bar `select` fields whose options come from a query.
// The query must exist and need no parameters. Every role that may open the
// page must also be allowed the query, because otherwise its select is empty.
import type { DiagnosticInput, DocPath } from './load.js';
import type { FiltersSpec, QuerySpec, RoleSpec } from './spec.js';
import { suggestionHint } from './suggest.js';

/** Reports problems of the options queries of one filter bar; `pageAllow` are the roles of its page. */
export function checkFilterOptions(
  filters: FiltersSpec,
  base: DocPath,
  pageAllow: string[],
  queries: Record<string, QuerySpec>,
  roles: Record<string, RoleSpec>,
  report: (input: DiagnosticInput) => void,
): void {
  filters.fields.forEach((field, index) => {
    const options = field.options;
    const path: DocPath = [...base, 'fields', index, 'options'];
    if (options === undefined || Array.isArray(options)) return;
    const name = field.field ?? '';
    if (field.type !== 'select') {
      report({ code: 'filter-options-type', path, part: 'key', message: `\`options\` applies only to \`type: select\`, but filter \`${name}\` is of type ${field.type}`, hint: 'Remove `options`, or set `type: select`.' });
      return;
    }
    if (!Object.hasOwn(queries, options.query)) {
      report({
        code: 'unknown-query',
        path: [...path, 'query'],
        message: `the choices of filter \`${name}\` come from query \`${options.query}\`, which is not declared under \`queries:\``,
        hint: suggestionHint(options.query, Object.keys(queries), 'Declared queries'),
      });
      return;
    }
    const query = queries[options.query];
    if ((query.required ?? []).length > 0) {
      report({
        code: 'options-query-params',
        path: [...path, 'query'],
        message: `query \`${options.query}\` requires parameters, but an options query runs without any`,
        hint: 'Name a query without required parameters, or make its parameters optional.',
      });
    }
    const denied = pageAllow.filter((role) => Object.hasOwn(roles, role) && !roleMayRun(role, query.allow, roles));
    if (denied.length > 0) {
      report({
        code: 'options-query-access',
        path: [...path, 'query'],
        message: `role${denied.length > 1 ? 's' : ''} ${denied.map((role) => `\`${role}\``).join(', ')} may open the page but not run query \`${options.query}\`, so the select of filter \`${name}\` would show no choices to them`,
        hint: `Add ${denied.map((role) => `\`${role}\``).join(', ')} to the \`allow:\` of query \`${options.query}\`, or read the choices from a query they may run.`,
      });
    }
  });
}

/** True when `role`, a superuser role or one it inherits (at any depth) is in `allow`. */
export function roleMayRun(role: string, allow: readonly string[], roles: Record<string, RoleSpec>): boolean {
  const seen = new Set<string>();
  const pending = [role];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (seen.has(current) || !Object.hasOwn(roles, current)) continue;
    seen.add(current);
    if (allow.includes(current) || roles[current].superuser === true) return true;
    pending.push(...(roles[current].inherits ?? []));
  }
  return false;
}
