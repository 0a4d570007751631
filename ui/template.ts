// `{{ path }}` placeholders: filled from a scope object, as plain text only.

const PLACEHOLDER = /\{\{\s*([A-Za-z_$][\w$-]*(?:\.[A-Za-z_$0-9][\w$-]*)*)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\s*\{\{\s*([A-Za-z_$][\w$-]*(?:\.[A-Za-z_$0-9][\w$-]*)*)\s*\}\}\s*$/;

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

/** Table parameters after their placeholders were filled. */
export interface ResolvedParams {
  values: Record<string, unknown>;
  /** Ids of the tables whose selected row the params need but which have none. */
  missingSelections: string[];
}

/**
 * Fills table parameters from the selected rows of other tables. `selections` maps
 * a table id to its selected row. A value that is one placeholder keeps the
 * selected cell's type (a number stays a number, as the parameter schema expects);
 * a value that mixes text and placeholders becomes text.
 */
export function resolveParams(
  params: Record<string, string | number | boolean | null> | undefined,
  selections: Record<string, Record<string, unknown> | undefined>,
): ResolvedParams {
  const values: Record<string, unknown> = {};
  const missing = new Set<string>();
  const scope: Scope = {};
  for (const [tableId, row] of Object.entries(selections)) {
    if (row) scope[tableId] = { selected: row };
  }

  for (const [name, raw] of Object.entries(params ?? {})) {
    if (typeof raw !== 'string') {
      values[name] = raw;
      continue;
    }
    const paths = placeholderPaths(raw);
    for (const path of paths) {
      const [tableId, selected] = path.split('.');
      if (selected === 'selected' && !scope[tableId]) missing.add(tableId);
    }
    const whole = WHOLE_PLACEHOLDER.exec(raw);
    values[name] = whole ? (lookup(scope, whole[1]) ?? null) : fillTemplate(raw, scope);
  }
  return { values, missingSelections: [...missing] };
}
