// Builds the URL of one HTTP step from the data source's base URL, the
// step's path template and its query templates. Values fill whole path
// segments, percent-encoded, and the result must stay under the base URL.
import type { StepScope } from '../../core/step-templates.js';
import { lookup, parsePathTemplate, renderText } from '../../core/step-templates.js';

/** Raised when a value cannot fill a path segment or the URL would leave the base URL; `field` is the scope name, such as `params.id`. */
export class UnsafeRequestValue extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Returns why `value` cannot be one path segment, or undefined when it can:
 * empty, `.` or `..`, a `/` or `\`, or a control character.
 */
export function segmentProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (value === '.' || value === '..') return 'is a relative path segment (`.` or `..`)';
  if (/[/\\]/.test(value)) return 'contains `/` or `\\`';
  if (CONTROL.test(value)) return 'contains a control character';
  return undefined;
}

/** Text of a value placed in a URL or header; objects and arrays are refused. */
function scalarText(name: string, value: unknown): string {
  if (value === undefined || value === null) throw new UnsafeRequestValue(name, `\`${name}\` has no value`);
  if (typeof value === 'object') throw new UnsafeRequestValue(name, `\`${name}\` is an object or list, which cannot be part of a URL`);
  return String(value);
}

/**
 * Returns the URL for a step: the base URL's path, then the step's path with
 * each `{name}` replaced by its percent-encoded value, then the base URL's own
 * query string followed by the step's `query:` values. Raises
 * UnsafeRequestValue when a value cannot be one segment or the result is not
 * under the base URL.
 */
export function buildStepUrl(base: URL, pathTemplate: string, query: Record<string, string> | undefined, scope: StepScope): URL {
  const parsed = parsePathTemplate(pathTemplate);
  let path = '';
  let last = 0;
  for (const placeholder of parsed.placeholders) {
    const text = scalarText(placeholder.name, lookup(scope, placeholder.name));
    const problem = segmentProblem(text);
    if (problem !== undefined) throw new UnsafeRequestValue(placeholder.name, `\`${placeholder.name}\` ${problem}, so it cannot be one segment of the request path`);
    path += pathTemplate.slice(last, placeholder.offset) + encodeURIComponent(text);
    last = placeholder.offset + placeholder.length;
  }
  path += pathTemplate.slice(last);

  const basePath = base.pathname.replace(/\/+$/, '');
  const url = new URL(base.href);
  url.hash = '';
  url.pathname = basePath + path;
  for (const [name, template] of Object.entries(query ?? {})) url.searchParams.append(name, renderText(template, scope));
  if (!isUnder(url, base)) throw new UnsafeRequestValue('path', 'the request URL would leave the base URL of its data source');
  return url;
}

/** True when `url` has the origin of `base` and its path is the base path or below it. */
export function isUnder(url: URL, base: URL): boolean {
  if (url.origin !== base.origin || url.username !== base.username || url.password !== base.password) return false;
  const basePath = base.pathname.replace(/\/+$/, '');
  return url.pathname === basePath || url.pathname.startsWith(`${basePath}/`);
}

/** Fills a header template; raises UnsafeRequestValue when the value holds a line break or another control character. */
export function headerValue(name: string, template: string, scope: StepScope): string {
  const value = renderText(template, scope);
  if (CONTROL.test(value)) throw new UnsafeRequestValue(`headers.${name}`, `header \`${name}\` would contain a line break or control character`);
  if (/[^\u0000-\u00ff]/.test(value)) throw new UnsafeRequestValue(`headers.${name}`, `header \`${name}\` would contain a character beyond Latin-1, which HTTP headers cannot carry`);
  return value;
}
