// Cell formatting: turns one query value and its column format into what the table shows.
import type { ClientColumn } from './client-spec.js';

/**
 * What a table cell shows. Every variant is rendered as text; `href` is always
 * an http, https or mailto URL. `title` is the exact value behind a rounded
 * one, such as the timestamp of "3 hours ago".
 */
export type CellView =
  | { kind: 'null' }
  | { kind: 'text'; text: string; numeric?: boolean; title?: string }
  | { kind: 'link'; text: string; href: string }
  | { kind: 'badge'; text: string; tone: BadgeTone }
  | { kind: 'json'; summary: string; pretty: string };

/** Colour of a badge pill; `success` and `danger` are kept for known words. */
export type BadgeTone = 'success' | 'danger' | 'blue' | 'violet' | 'amber' | 'teal' | 'pink' | 'grey';

/** The colours a spec may name in a badge column's `colors`. */
export type BadgeColor = 'green' | 'red' | 'amber' | 'blue' | 'violet' | 'teal' | 'pink' | 'grey';

const COLOR_TONES: Record<BadgeColor, BadgeTone> = {
  green: 'success',
  red: 'danger',
  amber: 'amber',
  blue: 'blue',
  violet: 'violet',
  teal: 'teal',
  pink: 'pink',
  grey: 'grey',
};

/** Longest collapsed JSON text shown in a cell, in characters; the expanded view shows all of it. */
const JSON_SUMMARY_LENGTH = 60;

const SUCCESS_WORDS = new Set(['ok', 'active', 'done', 'paid', 'approved', 'enabled', 'yes']);
const DANGER_WORDS = new Set(['flagged', 'suspended', 'error', 'failed', 'rejected', 'blocked', 'disabled']);
const HASHED_TONES: BadgeTone[] = ['blue', 'violet', 'amber', 'teal', 'pink', 'grey'];
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
/** A calendar date at the start of a text, followed by the end or by a time. */
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:$|[ T])/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const TIME_ZONE_SUFFIX = /(Z|[+-]\d{2}:?\d{2})$/i;
/** A plain decimal, as the server sends PostgreSQL `numeric` values and integers beyond 2^53 - 1. */
const DECIMAL_TEXT = /^[+-]?\d+(\.\d+)?$/;
/** Decimals with at most this many significant digits convert to a double and back without change. */
const DOUBLE_SAFE_DIGITS = 15;

/**
 * Formats one value for its column. `locale` and `timeZone` default to the
 * browser's; `timeZone` applies to timestamps only, never to calendar dates,
 * and a column's own `timeZone` wins over it. `now` (milliseconds since the
 * epoch) is the reference of `relative` cells.
 */
export function formatCell(value: unknown, column: ClientColumn, locale?: string, timeZone?: string, now: number = Date.now()): CellView {
  if (value === null || value === undefined) return { kind: 'null' };

  switch (column.format ?? 'text') {
    case 'number':
      return formatNumber(value, locale);
    case 'currency':
      return formatCurrency(value, column.currency, locale);
    case 'percent':
      return formatPercent(value, locale);
    case 'date':
      return formatDate(value, locale, timeZone);
    case 'datetime':
      return formatDateTime(value, locale, validTimeZone(column.timeZone) ?? timeZone, column.timeZone !== undefined && validTimeZone(column.timeZone) !== undefined);
    case 'relative':
      return formatRelative(value, now, locale, timeZone);
    case 'json':
      return formatJson(value);
    case 'badge': {
      const text = toText(value);
      const color = column.colors !== undefined && Object.hasOwn(column.colors, text) ? column.colors[text] : undefined;
      return { kind: 'badge', text, tone: color !== undefined && Object.hasOwn(COLOR_TONES, color) ? COLOR_TONES[color] : badgeTone(text) };
    }
    case 'email':
      return formatEmail(value);
    case 'link':
      return formatLink(value);
    case 'boolean':
      return formatBoolean(value);
    default:
      return { kind: 'text', text: toText(value) };
  }
}

/** Converts any value to the text a user reads. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** Returns the trimmed text when it is a plain decimal such as "-3.98" or "9007199254740993". */
function decimalText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return DECIMAL_TEXT.test(text) ? text : undefined;
}

let stringInputSupported: boolean | undefined;

/**
 * Tells whether `Intl.NumberFormat.prototype.format` formats a numeric string
 * exactly, as ECMA-402 requires since ES2023. Older engines convert the string
 * to a double first, which drops digits beyond about 15.
 */
export function numberFormatAcceptsStrings(): boolean {
  if (stringInputSupported === undefined) {
    const probe = '9007199254740993';
    try {
      stringInputSupported = new Intl.NumberFormat('en-US', { useGrouping: false }).format(probe) === probe;
    } catch {
      stringInputSupported = false;
    }
  }
  return stringInputSupported;
}

/**
 * Formats a plain decimal string such as "3.98" or "9007199254740993" with
 * `options`, keeping every digit: the text's fraction digits are all shown,
 * trailing zeros included. Returns undefined when this engine cannot format
 * the text exactly; the caller then shows the text as it is.
 */
export function formatDecimalText(
  text: string,
  options: Intl.NumberFormatOptions,
  locale?: string,
  acceptsStrings: boolean = numberFormatAcceptsStrings(),
): string | undefined {
  if (!DECIMAL_TEXT.test(text)) return undefined;
  const fractionDigits = text.split('.')[1]?.length ?? 0;
  try {
    const resolved = new Intl.NumberFormat(locale, options).resolvedOptions();
    const formatter = new Intl.NumberFormat(locale, {
      ...options,
      minimumFractionDigits: Math.max(resolved.minimumFractionDigits ?? 0, fractionDigits),
      maximumFractionDigits: Math.max(resolved.maximumFractionDigits ?? 0, fractionDigits),
    });
    if (acceptsStrings) return formatter.format(text as Intl.StringNumericLiteral);
    return significantDigits(text) <= DOUBLE_SAFE_DIGITS ? formatter.format(Number(text)) : undefined;
  } catch {
    // More fraction digits than the engine allows (100 since ES2023, 20 before) throw a RangeError.
    return undefined;
  }
}

function significantDigits(text: string): number {
  return text.replace(/^[+-]/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
}

function formatNumber(value: unknown, locale?: string): CellView {
  const decimal = decimalText(value);
  if (decimal !== undefined) {
    return { kind: 'text', text: formatDecimalText(decimal, {}, locale) ?? decimal, numeric: true };
  }
  const number = toNumber(value);
  if (number === undefined) return { kind: 'text', text: toText(value) };
  return { kind: 'text', text: new Intl.NumberFormat(locale).format(number), numeric: true };
}

function isCurrencyCode(code: string): boolean {
  try {
    new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    return true;
  } catch {
    return false;
  }
}

function formatCurrency(value: unknown, currency: string | undefined, locale?: string): CellView {
  // An invalid ISO 4217 code makes Intl throw a RangeError, so such a code is shown after a plain amount instead of failing the table.
  const validCode = currency !== undefined && currency !== '' && isCurrencyCode(currency);
  const options: Intl.NumberFormatOptions = validCode
    ? { style: 'currency', currency }
    : { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  const suffix = currency && !validCode ? ` ${currency}` : '';

  const decimal = decimalText(value);
  if (decimal !== undefined) {
    const formatted = formatDecimalText(decimal, options, locale);
    if (formatted !== undefined) return { kind: 'text', text: formatted + suffix, numeric: true };
    return { kind: 'text', text: currency ? `${decimal} ${currency}` : decimal, numeric: true };
  }
  const number = toNumber(value);
  if (number === undefined) return { kind: 'text', text: toText(value) };
  return { kind: 'text', text: new Intl.NumberFormat(locale, options).format(number) + suffix, numeric: true };
}

/** Reads the calendar date a text starts with, such as "2024-01-02" or "2024-01-02T03:04:05Z", as midnight UTC. */
function calendarDate(text: string): Date | undefined {
  const match = ISO_DATE.exec(text.trim());
  if (!match) return undefined;
  const date = new Date(`${match[1]}T00:00:00Z`);
  // The round trip rejects days that do not exist, such as February 31.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== match[1]) return undefined;
  return date;
}

function formatCalendarDate(date: Date, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

function formatDate(value: unknown, locale?: string, timeZone?: string): CellView {
  // A calendar date must not move by a day in time zones west of UTC, so the
  // date as written is formatted in UTC. A timestamp shows the date of its own
  // offset: the UTC date for the server's "…Z" timestamps.
  if (typeof value === 'string') {
    const day = calendarDate(value);
    if (day) return { kind: 'text', text: formatCalendarDate(day, locale) };
  }
  const date = toDate(value);
  if (!date) return { kind: 'text', text: toText(value) };
  return { kind: 'text', text: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(date) };
}

/** Returns `zone` when this engine supports it as an IANA time zone, such as "Europe/Berlin", else undefined. */
export function validTimeZone(zone: string | undefined): string | undefined {
  if (zone === undefined || zone === '') return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

function formatPercent(value: unknown, locale?: string): CellView {
  // A percent column contains fractions: 0.25 shows as 25%.
  const number = toNumber(value);
  if (number === undefined) return { kind: 'text', text: toText(value) };
  return { kind: 'text', text: new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(number), numeric: true };
}

const RELATIVE_UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** Formats a timestamp as "3 hours ago" or "in 2 days", in the largest whole unit. The title is the exact time. */
function formatRelative(value: unknown, now: number, locale?: string, timeZone?: string): CellView {
  const date = toDate(value);
  if (!date) return { kind: 'text', text: toText(value) };
  const seconds = Math.round((date.getTime() - now) / 1000);
  const [unit, size] = RELATIVE_UNITS.find(([, length]) => Math.abs(seconds) >= length) ?? ['second', 1];
  const text = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(Math.trunc(seconds / size), unit);
  const exact = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone }).format(date);
  return { kind: 'text', text, title: exact };
}

/** Shows a JSON value, or text holding JSON (as SQLite stores it), collapsed to one line with a pretty-printed full view. */
function formatJson(value: unknown): CellView {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return { kind: 'text', text: value };
    }
  }
  const compact = JSON.stringify(parsed);
  const summary = compact.length > JSON_SUMMARY_LENGTH ? `${compact.slice(0, JSON_SUMMARY_LENGTH - 1)}…` : compact;
  return { kind: 'json', summary, pretty: JSON.stringify(parsed, null, 2) };
}

function formatDateTime(value: unknown, locale?: string, timeZone?: string, showZone = false): CellView {
  // A date-only value has no time to show, and converting its midnight UTC to
  // a zone west of UTC would show the previous day.
  if (typeof value === 'string' && DATE_ONLY.test(value.trim())) {
    const day = calendarDate(value);
    if (day) return { kind: 'text', text: formatCalendarDate(day, locale) };
  }
  const date = toDate(value);
  if (!date) return { kind: 'text', text: toText(value) };
  if (showZone) {
    // dateStyle and timeZoneName cannot be combined, so the zone comes from a second formatter.
    const zoneName = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }).formatToParts(date).find((part) => part.type === 'timeZoneName')?.value;
    const text = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
    return { kind: 'text', text: zoneName ? `${text} ${zoneName}` : text };
  }
  return { kind: 'text', text: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date) };
}

/**
 * Parses a date value. Text without a time zone is read as UTC, because SQLite's
 * CURRENT_TIMESTAMP and strftime write UTC without a suffix. Numbers are Unix
 * time: seconds below 1e11, milliseconds above.
 */
export function toDate(value: unknown): Date | undefined {
  let date: Date;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    date = new Date(Math.abs(value) < 1e11 ? value * 1000 : value);
  } else if (typeof value === 'string') {
    let text = value.trim();
    // Engines roll a day that does not exist, such as February 31, into the next
    // month, and guess at a date followed by other text.
    if (/^\d{4}-\d{2}-\d{2}/.test(text) && !calendarDate(text)) return undefined;
    if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(text)) {
      text = text.replace(' ', 'T');
      if (!TIME_ZONE_SUFFIX.test(text)) text += 'Z';
    } else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
      text += 'T00:00:00Z';
    }
    date = new Date(text);
  } else {
    return undefined;
  }
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Picks a badge colour: fixed for known status words, else by a hash of the text so equal values share a colour. */
export function badgeTone(text: string): BadgeTone {
  const word = text.trim().toLowerCase();
  if (SUCCESS_WORDS.has(word)) return 'success';
  if (DANGER_WORDS.has(word)) return 'danger';
  let hash = 0;
  for (let i = 0; i < word.length; i++) hash = (hash * 31 + word.charCodeAt(i)) >>> 0;
  return HASHED_TONES[hash % HASHED_TONES.length];
}

function formatEmail(value: unknown): CellView {
  const text = toText(value).trim();
  if (/^[^\s@<>"]+@[^\s@<>"]+$/.test(text)) {
    return { kind: 'link', text, href: `mailto:${text}` };
  }
  return { kind: 'text', text: toText(value) };
}

/** Returns the URL when it is absolute and http, https or mailto, else undefined. */
export function safeHref(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : undefined;
}

function formatLink(value: unknown): CellView {
  const text = toText(value);
  const href = safeHref(text);
  return href ? { kind: 'link', text, href } : { kind: 'text', text };
}

function formatBoolean(value: unknown): CellView {
  if (value === true || value === 1 || value === '1' || value === 'true') return { kind: 'text', text: 'Yes' };
  if (value === false || value === 0 || value === '0' || value === 'false') return { kind: 'text', text: 'No' };
  return { kind: 'text', text: toText(value) };
}

/** Turns a parameter or column name into words: `customerId` → "Customer id", `created_at` → "Created at". */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/[_\-.]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
