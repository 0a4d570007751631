// Client-side checks of form input against an action's parameter schema.
// The server validates again; these only give faster, friendlier feedback.
import type { ParamSchema } from './client-spec.js';
import { humanize } from './format.js';

/**
 * Value of a form field: text from an input, a checkbox state, or the chosen
 * values of a multi-select. Undefined is a checkbox or multi-select that
 * started as null and was not touched, so it is sent as null.
 */
export type RawValue = string | boolean | string[] | undefined;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Returns the label of a parameter: its `title`, else its name in words. */
export function fieldLabel(name: string, schema: ParamSchema): string {
  return schema.title?.trim() || humanize(name);
}

function isEmpty(raw: RawValue): boolean {
  return raw === undefined || (typeof raw === 'string' && raw.trim() === '') || (Array.isArray(raw) && raw.length === 0);
}

/**
 * Tells whether a parameter's `visibleWhen` condition holds for the current
 * values; true without one. A field that depends on a hidden field is hidden
 * too, matching the server's check, and so is every field of a dependency cycle.
 */
export function isVisible(schema: ParamSchema, params: Record<string, ParamSchema>, values: Record<string, RawValue>, seen: Set<ParamSchema> = new Set()): boolean {
  const condition = schema.visibleWhen;
  if (!condition) return true;
  const other = params[condition.field];
  if (!other || seen.has(schema)) return false;
  seen.add(schema);
  if (!isVisible(other, params, values, seen)) return false;
  const value = toParamValue(other, values[condition.field]);
  const allowed = Array.isArray(condition.equals) ? condition.equals : [condition.equals];
  return allowed.some((option) => option === value);
}

/**
 * Checks one field and returns the message for the first rule it breaks, such as
 * "Reason must have at least 10 characters", or undefined when it is valid.
 */
export function validateField(name: string, schema: ParamSchema, raw: RawValue, required: boolean): string | undefined {
  const label = fieldLabel(name, schema);
  if (schema.type === 'boolean') {
    if (raw === undefined && required) return `${label} is required`;
    return undefined;
  }
  if (schema.type === 'array') return validateList(label, schema, Array.isArray(raw) ? raw : [], required);
  if (isEmpty(raw)) return required ? `${label} is required` : undefined;
  const text = String(raw);

  if (schema.type === 'integer' || schema.type === 'number') {
    const trimmed = text.trim();
    const number = Number(trimmed);
    if (!Number.isFinite(number)) return `${label} must be a number`;
    if (schema.type === 'integer' && !Number.isInteger(number)) return `${label} must be a whole number`;
    if (schema.minimum !== undefined && number < schema.minimum) return `${label} must be at least ${schema.minimum}`;
    if (schema.maximum !== undefined && number > schema.maximum) return `${label} must be at most ${schema.maximum}`;
    if (schema.enum && !schema.enum.some((option) => Number(option) === number)) {
      return `${label} must be one of: ${schema.enum.join(', ')}`;
    }
    return undefined;
  }

  // JSON Schema counts string length in Unicode code points, not UTF-16 units.
  const length = [...text].length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    return `${label} must have at least ${schema.minLength} ${plural(schema.minLength, 'character')}`;
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    return `${label} must have at most ${schema.maxLength} ${plural(schema.maxLength, 'character')}`;
  }
  if (schema.pattern !== undefined && !matchesPattern(schema.pattern, text)) {
    return `${label} must match the pattern ${schema.pattern}`;
  }
  if (schema.enum && !schema.enum.some((option) => String(option) === text)) {
    return `${label} must be one of: ${schema.enum.join(', ')}`;
  }
  return validateFormat(label, schema.format, text);
}

function validateList(label: string, schema: ParamSchema, chosen: string[], required: boolean): string | undefined {
  if (chosen.length === 0 && required && !schema.minItems) return `${label} needs at least one choice`;
  if (schema.minItems !== undefined && chosen.length < schema.minItems) {
    return `${label} needs at least ${schema.minItems} ${plural(schema.minItems, 'choice')}`;
  }
  if (schema.maxItems !== undefined && chosen.length > schema.maxItems) {
    return `${label} allows at most ${schema.maxItems} ${plural(schema.maxItems, 'choice')}`;
  }
  const choices = schema.items?.enum;
  const unknown = choices ? chosen.find((item) => !choices.some((option) => String(option) === item)) : undefined;
  if (unknown !== undefined) return `${label} must be chosen from: ${choices!.join(', ')}`;
  return undefined;
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

function matchesPattern(pattern: string, text: string): boolean {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch {
    // A pattern the browser cannot compile is left to the server's check.
    return true;
  }
  return regex.test(text);
}

function validateFormat(label: string, format: ParamSchema['format'], text: string): string | undefined {
  switch (format) {
    case 'email':
      return EMAIL.test(text.trim()) ? undefined : `${label} must be an email address, such as name@example.com`;
    case 'date':
      return isCalendarDate(text) ? undefined : `${label} must be a date in the form YYYY-MM-DD`;
    case 'date-time':
      return Number.isNaN(new Date(text).getTime()) ? `${label} must be a date and time` : undefined;
    case 'uri':
      return isUri(text) ? undefined : `${label} must be a full URL, such as https://example.com`;
    default:
      return undefined;
  }
}

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text.trim());
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

// Only web addresses: a `javascript:` or `data:` URL in a stored link could run script where it is shown.
function isUri(text: string): boolean {
  try {
    const url = new URL(text.trim());
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Checks every field and returns the messages keyed by parameter name; an empty object means valid. */
export function validateParams(
  params: Record<string, ParamSchema>,
  required: string[],
  values: Record<string, RawValue>,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [name, schema] of Object.entries(params)) {
    if (!isVisible(schema, params, values)) continue;
    const message = validateField(name, schema, values[name], required.includes(name));
    if (message) errors[name] = message;
  }
  return errors;
}

/**
 * Converts form input into the JSON values the API expects: numbers for integer
 * and number parameters, ISO 8601 in UTC for date-time, arrays for multi-selects,
 * and null for an empty field. Fields that `visibleWhen` hides are left out.
 */
export function toParams(params: Record<string, ParamSchema>, values: Record<string, RawValue>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(params)) {
    if (!isVisible(schema, params, values)) continue;
    result[name] = toParamValue(schema, values[name]);
  }
  return result;
}

/** Converts one field's input into its JSON value; see toParams. */
export function toParamValue(schema: ParamSchema, raw: RawValue): unknown {
  if (schema.type === 'boolean') return raw === undefined ? null : raw === true || raw === 'true';
  if (schema.type === 'array') {
    if (!Array.isArray(raw)) return null;
    const numeric = schema.items?.type === 'integer' || schema.items?.type === 'number';
    return raw.map((item) => (numeric ? Number(item) : item));
  }
  if (isEmpty(raw)) return null;
  const text = String(raw);
  if (schema.type === 'integer' || schema.type === 'number') return Number(text.trim());
  if (schema.format === 'date-time') {
    // A `datetime-local` field contains local time without a zone, which Date parses as local time.
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? text : date.toISOString();
  }
  return text;
}

/** Turns a value from a row or a schema default into what a form field holds. */
export function toRawValue(schema: ParamSchema, value: unknown): RawValue {
  if (schema.type === 'boolean') {
    if (value === undefined || value === null) return undefined;
    return value === true || value === 1 || value === 'true' || value === '1';
  }
  if (schema.type === 'array') return arrayItems(value);
  if (value === undefined || value === null) return '';
  if (schema.format === 'date-time') return toLocalDateTime(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

// A row contains an array column as an array, or as JSON text on SQLite.
function arrayItems(value: unknown): string[] | undefined {
  let items = value;
  if (typeof value === 'string') {
    try {
      items = JSON.parse(value);
    } catch {
      items = value === '' ? [] : [value];
    }
  }
  return Array.isArray(items) ? items.map((item) => String(item)) : undefined;
}

/** Formats a timestamp as the local `YYYY-MM-DDTHH:mm:ss` that a `datetime-local` field takes; other text is kept. */
export function toLocalDateTime(value: unknown): string {
  const date = new Date(String(value));
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
