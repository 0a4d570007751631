// Cell formatting: turns one query value and its column format into what the table shows.
import type { ClientColumn } from './client-spec.js';

/** What a table cell shows. Every variant is rendered as text; `href` is always an http, https or mailto URL. */
export type CellView =
  | { kind: 'null' }
  | { kind: 'text'; text: string; numeric?: boolean }
  | { kind: 'link'; text: string; href: string }
  | { kind: 'badge'; text: string; tone: BadgeTone };

/** Colour of a badge pill; `success` and `danger` are kept for known words. */
export type BadgeTone = 'success' | 'danger' | 'blue' | 'violet' | 'amber' | 'teal' | 'pink' | 'grey';

const SUCCESS_WORDS = new Set(['ok', 'active', 'done', 'paid', 'approved', 'enabled', 'yes']);
const DANGER_WORDS = new Set(['flagged', 'suspended', 'error', 'failed', 'rejected', 'blocked', 'disabled']);
const HASHED_TONES: BadgeTone[] = ['blue', 'violet', 'amber', 'teal', 'pink', 'grey'];
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;
const TIME_ZONE_SUFFIX = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Formats one value for its column. `locale` defaults to the browser's. */
export function formatCell(value: unknown, column: ClientColumn, locale?: string): CellView {
  if (value === null || value === undefined) return { kind: 'null' };

  switch (column.format ?? 'text') {
    case 'number':
      return formatNumber(value, locale);
    case 'currency':
      return formatCurrency(value, column.currency, locale);
    case 'date':
      return formatDate(value, locale);
    case 'datetime':
      return formatDateTime(value, locale);
    case 'badge':
      return { kind: 'badge', text: toText(value), tone: badgeTone(toText(value)) };
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

function formatNumber(value: unknown, locale?: string): CellView {
  const number = toNumber(value);
  if (number === undefined) return { kind: 'text', text: toText(value) };
  return { kind: 'text', text: new Intl.NumberFormat(locale).format(number), numeric: true };
}

function formatCurrency(value: unknown, currency: string | undefined, locale?: string): CellView {
  const number = toNumber(value);
  if (number === undefined) return { kind: 'text', text: toText(value) };
  if (currency) {
    try {
      return { kind: 'text', text: new Intl.NumberFormat(locale, { style: 'currency', currency }).format(number), numeric: true };
    } catch {
      // An invalid ISO 4217 code throws a RangeError; show the amount with the code instead of failing the table.
      const amount = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(number);
      return { kind: 'text', text: `${amount} ${currency}`, numeric: true };
    }
  }
  const amount = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(number);
  return { kind: 'text', text: amount, numeric: true };
}

function formatDate(value: unknown, locale?: string): CellView {
  // A calendar date must not move by a day in time zones west of UTC, so the
  // year, month and day are read from the text and formatted in UTC.
  if (typeof value === 'string') {
    const match = ISO_DATE.exec(value);
    if (match) {
      const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
      if (!Number.isNaN(date.getTime())) {
        return { kind: 'text', text: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date) };
      }
    }
  }
  const date = toDate(value);
  if (!date) return { kind: 'text', text: toText(value) };
  return { kind: 'text', text: new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date) };
}

function formatDateTime(value: unknown, locale?: string): CellView {
  const date = toDate(value);
  if (!date) return { kind: 'text', text: toText(value) };
  return { kind: 'text', text: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date) };
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
