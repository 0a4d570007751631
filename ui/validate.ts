// Client-side checks of form input against an action's parameter schema.
// The server validates again; these only give faster, friendlier feedback.
import type { ParamSchema } from './client-spec.js';
import { humanize } from './format.js';

/** Value of a form field: text from an input, or a checkbox state. */
export type RawValue = string | boolean | undefined;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Returns the label of a parameter: its `title`, else its name in words. */
export function fieldLabel(name: string, schema: ParamSchema): string {
  return schema.title?.trim() || humanize(name);
}

function isEmpty(raw: RawValue): boolean {
  return raw === undefined || (typeof raw === 'string' && raw.trim() === '');
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

function isUri(text: string): boolean {
  try {
    new URL(text.trim());
    return true;
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
    const message = validateField(name, schema, values[name], required.includes(name));
    if (message) errors[name] = message;
  }
  return errors;
}

/**
 * Converts form input into the JSON values the API expects: numbers for integer
 * and number parameters, ISO 8601 for date-time, and no entry for empty fields.
 */
export function toParams(params: Record<string, ParamSchema>, values: Record<string, RawValue>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(params)) {
    const raw = values[name];
    if (schema.type === 'boolean') {
      if (raw !== undefined) result[name] = raw === true || raw === 'true';
      continue;
    }
    if (isEmpty(raw)) continue;
    const text = String(raw);
    if (schema.type === 'integer' || schema.type === 'number') {
      result[name] = Number(text.trim());
    } else if (schema.format === 'date-time') {
      const date = new Date(text);
      result[name] = Number.isNaN(date.getTime()) ? text : date.toISOString();
    } else {
      result[name] = text;
    }
  }
  return result;
}

/** Turns a value from a row or a schema default into the text a form field holds. */
export function toRawValue(schema: ParamSchema, value: unknown): RawValue {
  if (value === undefined || value === null) return schema.type === 'boolean' ? false : '';
  if (schema.type === 'boolean') return value === true || value === 1 || value === 'true' || value === '1';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
