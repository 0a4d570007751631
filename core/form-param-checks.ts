// Load checks of the form hints on query and action parameters: `options`
// (choices read from a query), `visibleWhen` (a field shown only for some
// values of another) and multi-select `items`. Also checks a form's `defaults`.
import type { DiagnosticInput, DocPath } from './load.js';
import type { ActionSpec, FiltersSpec, FormSpec, ParamSpec, QueryOptionsSpec, QuerySpec, JobSpec } from './spec.js';
import { suggestionHint } from './suggest.js';

type Report = (input: DiagnosticInput) => void;

/** Reports unknown queries and parameters named by the parameters' form hints; `queries` are the app's declared queries. */
export function checkParamFormHints(base: DocPath, statement: Pick<QuerySpec | ActionSpec | JobSpec, 'params'>, queries: Record<string, QuerySpec>, report: Report): void {
  const params = statement.params ?? {};
  const names = Object.keys(params);
  for (const [name, param] of Object.entries(params)) {
    const path: DocPath = [...base, 'params', name];
    if (param.options && !Object.hasOwn(queries, param.options.query)) {
      report({
        code: 'unknown-query',
        path: [...path, 'options', 'query'],
        message: `the choices of \`${name}\` come from query \`${param.options.query}\`, which is not declared under \`queries:\``,
        hint: suggestionHint(param.options.query, Object.keys(queries), 'Declared queries'),
      });
    } else if (param.options && (queries[param.options.query].required ?? []).length > 0) {
      report({
        code: 'options-query-params',
        path: [...path, 'options', 'query'],
        message: `query \`${param.options.query}\` requires parameters, but an options query runs without any`,
        hint: 'Name a query without required parameters, or make its parameters optional.',
      });
    }
    if (param.visibleWhen) checkVisibleWhen(name, param, path, names, report);
    if (param.visibleWhen && param.visibleWhen.field !== name && inCycle(name, params)) {
      report({ code: 'visible-when-cycle', path: [...path, 'visibleWhen', 'field'], message: `\`visibleWhen\` of \`${name}\` depends on \`${name}\` through other parameters, so the field never shows`, hint: 'Make one parameter of the chain always visible.' });
    }
    if (param.type === 'array' && !param.items) {
      report({ code: 'array-param-items', path: [...path, 'type'], message: `array parameter \`${name}\` does not say what its items are`, hint: 'Add `items: { type: string }` (or integer or number), with `enum` for a fixed list of choices.' });
    }
    if (param.type !== 'array' && param.items) {
      report({ code: 'array-param-items', path: [...path, 'items'], part: 'key', message: `\`items\` applies only to \`type: array\`, but \`${name}\` is of type ${param.type}`, hint: 'Remove `items`, or set `type: array` for a multi-select.' });
    }
    if (param.widget === 'money' && param.type !== 'number' && param.type !== 'integer') {
      report({ code: 'money-param-type', path: [...path, 'widget'], message: `\`widget: money\` needs a number or integer parameter, but \`${name}\` is of type ${param.type}`, hint: 'Set `type: number` for amounts with cents.' });
    }
  }
}

// Follows `visibleWhen` from `name`; a chain that comes back to it is a cycle.
function inCycle(name: string, params: Record<string, ParamSpec>): boolean {
  const seen = new Set<string>();
  let current = params[name]?.visibleWhen?.field;
  while (current !== undefined && !seen.has(current)) {
    if (current === name) return true;
    seen.add(current);
    current = Object.hasOwn(params, current) ? params[current].visibleWhen?.field : undefined;
  }
  return false;
}

function checkVisibleWhen(name: string, param: ParamSpec, path: DocPath, names: string[], report: Report): void {
  const field = param.visibleWhen!.field;
  if (field === name) {
    report({ code: 'visible-when-self', path: [...path, 'visibleWhen', 'field'], message: `\`visibleWhen\` of \`${name}\` names \`${name}\` itself, so the field never shows`, hint: 'Name another parameter of the same statement.' });
  } else if (!names.includes(field)) {
    report({
      code: 'unknown-param',
      path: [...path, 'visibleWhen', 'field'],
      message: `\`visibleWhen\` of \`${name}\` names \`${field}\`, which is not a parameter here`,
      hint: suggestionHint(field, names.filter((other) => other !== name), 'Declared parameters'),
    });
  }
}

/** Reports a form default that names a parameter the form's action does not declare. */
export function checkFormDefaults(form: FormSpec, base: DocPath, action: ActionSpec | undefined, report: Report): void {
  if (!form.defaults || !action) return;
  const declared = Object.keys(action.params ?? {});
  for (const name of Object.keys(form.defaults)) {
    if (declared.includes(name)) continue;
    report({
      code: 'unknown-param',
      path: [...base, 'defaults', name],
      part: 'key',
      message: `\`${name}\` is not a parameter of action \`${form.action}\``,
      hint: suggestionHint(name, declared, `Parameters of \`${form.action}\``),
    });
  }
}

/** Reports an `options` column that the options query does not return; queries with unknown columns (HTTP) are skipped. */
export function checkOptionColumns(
  base: DocPath,
  params: Record<string, ParamSpec> | undefined,
  columnsByQuery: Map<string, string[]>,
  report: (path: DocPath, code: string, message: string, hint: string) => void,
): void {
  for (const [name, param] of Object.entries(params ?? {})) {
    if (param.options) checkColumnsOf(param.options, `\`${name}\``, [...base, 'params', name, 'options'], columnsByQuery, report);
  }
}

/** Reports a filter `select` whose options query does not return its `value` or `label` column. */
export function checkFilterOptionColumns(
  filters: FiltersSpec,
  base: DocPath,
  columnsByQuery: Map<string, string[]>,
  report: (path: DocPath, code: string, message: string, hint: string) => void,
): void {
  filters.fields.forEach((field, index) => {
    if (field.options === undefined || Array.isArray(field.options)) return;
    checkColumnsOf(field.options, `filter \`${field.field ?? ''}\``, [...base, 'fields', index, 'options'], columnsByQuery, report);
  });
}

function checkColumnsOf(
  options: QueryOptionsSpec,
  subject: string,
  path: DocPath,
  columnsByQuery: Map<string, string[]>,
  report: (path: DocPath, code: string, message: string, hint: string) => void,
): void {
  const columns = columnsByQuery.get(options.query);
  if (!columns) return;
  for (const key of ['value', 'label'] as const) {
    const column = options[key];
    if (column === undefined || columns.includes(column)) continue;
    report(
      [...path, key],
      'unknown-column',
      `the choices of ${subject} use \`${column}\`, which is not a column of query \`${options.query}\``,
      suggestionHint(column, columns, `Columns of \`${options.query}\``),
    );
  }
}
