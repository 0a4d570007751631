// Placeholders in the HTTP requests of action steps: `{name}` in a path, and
// `{{ scope.name }}` in query values, header values and body strings. The
// names they may use, and how a filled-in value is found, are the same in the
// load-time checks and at run time.
import type { HttpRequestSpec, JsonTemplate } from './spec.js';
import { parseTemplate, type ParsedTemplate } from './template.js';

/** One `{name}` in a request path; `name` is the scope name, so `{id}` gives `params.id`. */
export interface PathPlaceholder {
  name: string;
  offset: number;
  length: number;
}

const PATH_PLACEHOLDER = /\{([^{}]*)\}/g;
const PATH_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$/;

/**
 * Finds the `{name}` placeholders of a path. A bare name is a parameter
 * (`{id}` is `params.id`); dotted names are used as written
 * (`{steps.insert.id}`, `{user.email}`). Malformed ones are returned in `errors`.
 */
export function parsePathTemplate(path: string): { placeholders: PathPlaceholder[]; errors: Array<{ offset: number; text: string }> } {
  const placeholders: PathPlaceholder[] = [];
  const errors: Array<{ offset: number; text: string }> = [];
  for (const match of path.matchAll(PATH_PLACEHOLDER)) {
    const inner = match[1].trim();
    if (!PATH_NAME.test(inner)) {
      errors.push({ offset: match.index, text: inner });
      continue;
    }
    placeholders.push({ name: inner.includes('.') ? inner : `params.${inner}`, offset: match.index, length: match[0].length });
  }
  return { placeholders, errors };
}

/** One templated string of a request, with its place relative to the request. */
export interface RequestTemplate {
  /** Path below `request:`, such as ['body', 'incident', 'title']. */
  path: Array<string | number>;
  text: string;
  parsed: ParsedTemplate;
}

/** Lists every `{{ … }}` template of a request: query values, header values and body strings. */
export function requestTemplates(request: HttpRequestSpec): RequestTemplate[] {
  const found: RequestTemplate[] = [];
  const add = (path: Array<string | number>, text: string): void => {
    found.push({ path, text, parsed: parseTemplate(text) });
  };
  for (const [name, text] of Object.entries(request.query ?? {})) add(['query', name], text);
  for (const [name, text] of Object.entries(request.headers ?? {})) add(['headers', name], text);
  const walk = (value: JsonTemplate | undefined, path: Array<string | number>): void => {
    if (typeof value === 'string') add(path, value);
    else if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...path, index]));
    else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
  };
  walk(request.body, ['body']);
  return found;
}

/** Values a step's templates and SQL may read: `params`, `user`, `steps` and, in `onFailure`, `failedStep`. */
export interface StepScope {
  params: Record<string, unknown>;
  user: { id: string; email: string | null; name: string };
  steps: Record<string, Record<string, unknown>>;
  failedStep?: string;
}

/** Looks up a dotted name such as `params.id` or `steps.insert.id`; undefined when any part is missing. */
export function lookup(scope: StepScope, name: string): unknown {
  let value: unknown = scope;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Fills a template to text; a missing or null value becomes the empty string, objects become JSON. */
export function renderText(text: string, scope: StepScope): string {
  const parsed = parseTemplate(text);
  let out = '';
  let last = 0;
  for (const placeholder of parsed.placeholders) {
    out += text.slice(last, placeholder.offset) + asText(lookup(scope, placeholder.path.join('.')));
    last = placeholder.offset + placeholder.length;
  }
  return out + text.slice(last);
}

/**
 * Fills a JSON body template. A string that is exactly one placeholder takes
 * the value itself (a number stays a number, null stays null); any other
 * string is filled as text. Values are never spliced into JSON text.
 */
export function renderJson(template: JsonTemplate, scope: StepScope): unknown {
  if (typeof template === 'string') {
    const parsed = parseTemplate(template);
    const only = parsed.placeholders.length === 1 ? parsed.placeholders[0] : undefined;
    if (only !== undefined && only.offset === 0 && only.length === template.length) return lookup(scope, only.path.join('.')) ?? null;
    return renderText(template, scope);
  }
  if (Array.isArray(template)) return template.map((item) => renderJson(item, scope));
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(template)) out[key] = renderJson(item, scope);
    return out;
  }
  return template;
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
