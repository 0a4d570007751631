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

/** Values bindings read besides the selected rows: every selected row of multiple-selection tables, filter bars, form values, the URL's query string and the signed-in user. */
export interface BindingContext {
  /** Every selected row of each table with `selection: multiple`, by table key; other tables list their one selected row. */
  selectedRows?: Record<string, Array<Record<string, unknown>>>;
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

/**
 * Builds the scope `{{ }}` bindings read: `<tableId>.selected`, `<tableId>.selectedRows`,
 * `<tableId>.selectedCount`, `<formId>.values`, `<filtersId>.<field>`, `url` and `user`.
 */
export function bindingScope(selections: Record<string, Record<string, unknown> | undefined>, context: BindingContext = {}): Scope {
  // A map without a prototype, so that no root name can reach Object.prototype.
  const scope: Scope = Object.create(null) as Scope;
  for (const [id, values] of Object.entries(context.filters ?? {})) scope[id] = values;
  for (const [id, values] of Object.entries(context.forms ?? {})) scope[id] = { values };
  const multiple = context.selectedRows ?? {};
  for (const tableId of new Set([...Object.keys(selections), ...Object.keys(multiple)])) {
    const row = Object.hasOwn(selections, tableId) ? selections[tableId] : undefined;
    let rows: Array<Record<string, unknown>> = [];
    if (Object.hasOwn(multiple, tableId)) rows = [...multiple[tableId]];
    else if (row) rows = [row];
    scope[tableId] = row ? { selected: row, selectedRows: rows, selectedCount: rows.length } : { selectedRows: rows, selectedCount: rows.length };
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

/** Reads a binding's result as display text: missing and null are empty, a list of plain values is joined with commas, other objects are JSON. */
export function displayText(value: unknown): string {
  if (Array.isArray(value) && value.every((item) => item === null || typeof item !== 'object')) return value.map((item) => asText(item)).join(', ');
  return asText(value);
}

/** Start and end of a slot that stands for one binding's value in text handed to another parser. */
const SLOT_START = '\uE000';
const SLOT_END = '\uE001';
const SLOT = /\uE000(\d+)\uE001/g;

/** Text with each `{{ }}` replaced by a numbered slot, and the display text of each slot's value. */
export interface SlottedText {
  text: string;
  values: string[];
}

/**
 * Replaces every well-formed `{{ expr }}` in `text` with a slot holding its
 * index, so a parser (such as the Markdown one) never reads the values. Pass
 * each text the parser returns through fillSlots. Placeholders with syntax
 * errors stay as written, and the slot characters (Unicode private use) are
 * removed from the input first.
 */
export function slotBindings(text: string, scope: Scope): SlottedText {
  const source = text.replaceAll(SLOT_START, '').replaceAll(SLOT_END, '');
  const parsed = parseBindings(source);
  const values: string[] = [];
  let result = '';
  let from = 0;
  for (const expression of parsed.expressions) {
    result += source.slice(from, expression.offset) + SLOT_START + String(values.length) + SLOT_END;
    values.push(displayText(evaluateBinding(expression.node, scope)));
    from = expression.offset + expression.length;
  }
  return { text: result + source.slice(from), values };
}

/** Puts the values of slotBindings back into one piece of parsed text; `encode` converts each value first, such as encodeURIComponent inside a link target. */
export function fillSlots(text: string, values: readonly string[], encode: (value: string) => string = (value) => value): string {
  return text.replace(SLOT, (_match, index: string) => encode(values[Number(index)] ?? ''));
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
