// `{{ path }}` placeholders in texts, filled as plain text only, and `{{ expr }}`
// bindings in component params, evaluated with the grammar of core/bindings.ts.
import { bindingPaths, evaluateBinding, parseBindings, type BindingNode } from '../core/bindings.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z_$][\w$-]*(?:\.[A-Za-z_$0-9][\w$-]*)*)\s*\}\}/g;

/** Values placeholders are read from, such as `{ row: {...}, params: {...} }`. */
export type Scope = Record<string, unknown>;

/** Reads a dotted path from the scope; only own properties count, so `constructor` or `__proto__` never resolve. */
export function lookup(scope: Scope, path: string): unknown {
  let current: unknown = scope;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Replaces every `{{ path }}` in `text` with the value at that path; missing and null values become empty text. */
export function fillTemplate(text: string, scope: Scope): string {
  return text.replace(PLACEHOLDER, (_match, path: string) => {
    const value = lookup(scope, path);
    if (value === undefined || value === null) return '';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  });
}

/** Lists the paths of the placeholders in `text`, in order. */
export function placeholderPaths(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1]);
}

/** Values bindings read besides the selected rows: filter bars, form values, the URL's query string and the signed-in user. */
export interface BindingContext {
  /** Values of each filter bar, by its id. */
  filters?: Record<string, Record<string, unknown>>;
  /** Current values of each form, by its id. */
  forms?: Record<string, Record<string, unknown>>;
  /** Query string parameters of the page. */
  url?: Record<string, string>;
  user?: { id: string; name?: string; email?: string };
}

/** Table parameters after their placeholders were filled. */
export interface ResolvedParams {
  values: Record<string, unknown>;
  /** Ids of the tables whose selected row the params need but which have none. */
  missingSelections: string[];
}

/** Builds the scope `{{ }}` bindings read: `<tableId>.selected`, `<tableId>.selectedRows`, `<formId>.values`, `<filtersId>.<field>`, `url` and `user`. */
export function bindingScope(selections: Record<string, Record<string, unknown> | undefined>, context: BindingContext = {}): Scope {
  // A map without a prototype, so that no root name can reach Object.prototype.
  const scope: Scope = Object.create(null) as Scope;
  for (const [id, values] of Object.entries(context.filters ?? {})) scope[id] = values;
  for (const [id, values] of Object.entries(context.forms ?? {})) scope[id] = { values };
  for (const [tableId, row] of Object.entries(selections)) {
    // NOTE: the page view shares one selected row per table, so `selectedRows` holds at most that row, not a multiple selection.
    scope[tableId] = row ? { selected: row, selectedRows: [row] } : { selectedRows: [] };
  }
  scope.url = { ...(context.url ?? {}) };
  if (context.user) scope.user = { ...context.user };
  return scope;
}

/** Tables an expression reads a selection of (`<id>.selected…` or `<id>.selectedRows`). */
function selectionTables(node: BindingNode): string[] {
  return bindingPaths(node).flatMap((path) => (path.segments[1] === 'selected' || path.segments[1] === 'selectedRows' ? [path.segments[0]] : []));
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Fills table parameters from `{{ }}` bindings (see core/bindings.ts).
 * `selections` maps a table id to its selected row. A value that is one
 * placeholder keeps the result's type (a number stays a number, as the
 * parameter schema expects); a value that mixes text and placeholders becomes
 * text. A table counts as missing when an expression reading its selection
 * gives no value, so `{{ t.selected.Id ?? 0 }}` never waits for a row.
 * A value with a syntax error is sent as null; the server's load checks report it.
 */
export function resolveParams(
  params: Record<string, string | number | boolean | null> | undefined,
  selections: Record<string, Record<string, unknown> | undefined>,
  context: BindingContext = {},
): ResolvedParams {
  const values: Record<string, unknown> = {};
  const missing = new Set<string>();
  const scope = bindingScope(selections, context);

  for (const [name, raw] of Object.entries(params ?? {})) {
    if (typeof raw !== 'string') {
      values[name] = raw;
      continue;
    }
    const parsed = parseBindings(raw);
    if (parsed.errors.length > 0) {
      values[name] = null;
      continue;
    }
    let text = '';
    let from = 0;
    const results: unknown[] = [];
    for (const expression of parsed.expressions) {
      const result = evaluateBinding(expression.node, scope);
      results.push(result);
      if (result === undefined) for (const tableId of selectionTables(expression.node)) if (!selections[tableId]) missing.add(tableId);
      text += raw.slice(from, expression.offset) + asText(result);
      from = expression.offset + expression.length;
    }
    text += raw.slice(from);
    const whole = parsed.expressions.length === 1 && raw.trim().length === parsed.expressions[0].length;
    values[name] = whole ? (results[0] ?? null) : text;
  }
  return { values, missingSelections: [...missing] };
}
