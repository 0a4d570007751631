// The binding layer shared by every SQL data source: how request values become
// statement parameters, and how database values become JSON for the API.
// Rules: dates as `YYYY-MM-DD`; timestamps as ISO 8601 in UTC with at least
// milliseconds and every further fractional digit the database keeps;
// integers outside ±(2^53 - 1) and exact decimals (numeric) as strings with
// every digit; booleans as true and false; null stays null, apart from '' and 0.
import type { SqlDialect } from './datasource.js';

/** A value the API returns for one column of one row. */
export type CellValue = string | number | boolean | null | Uint8Array;

/** A value bound to one statement parameter; arrays only on PostgreSQL. */
export type BindValue = string | number | boolean | null | Array<string | number>;

/** Parameter formats with their own binding: `date` as a date, `date-time` as a timestamp. */
export type TemporalFormat = 'date' | 'date-time';

/** Binding kind of a declared parameter: a temporal format, or `array` for a parameter of `type: array`. */
export type BindFormat = TemporalFormat | 'array';

/** Raised when a parameter value has a type no data source can bind; `param` names the parameter. */
export class BindError extends Error {
  constructor(readonly param: string, message: string) {
    super(message);
  }
}

/**
 * Converts a validated request value to a statement parameter. SQLite has no
 * boolean type, so booleans become 1 and 0 there; a `date-time` value becomes
 * ISO 8601 in UTC so it compares with stored timestamps as text on SQLite.
 */
export function toBindValue(param: string, value: unknown, dialect: SqlDialect, format?: BindFormat): BindValue {
  if (value === undefined || value === null) return null;
  switch (typeof value) {
    case 'boolean':
      if (dialect !== 'sqlite') return value;
      return value ? 1 : 0;
    case 'number':
      if (!Number.isFinite(value)) throw new BindError(param, `parameter \`${param}\` is ${value}; send a finite number.`);
      return value;
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'string':
      return format === 'date-time' ? normalizeTimestamp(param, value, dialect) : value;
    default:
      if (value instanceof Date) return normalizeTimestamp(param, value.toISOString(), dialect);
      // Only a parameter declared `type: array` takes an array, so a list can never reach a scalar placeholder.
      if (Array.isArray(value) && format === 'array') return arrayValue(param, value, dialect);
      throw new BindError(param, `parameter \`${param}\` has a value of type ${Array.isArray(value) ? 'array' : typeof value}, which cannot be bound; send a string, number, boolean or null.`);
  }
}

/**
 * Binds an array parameter (a multi-select): as a PostgreSQL array, or as JSON
 * text on SQLite, which has no array type and reads it with `json_each`.
 * Only strings and finite numbers may be items, so nothing but data is bound.
 */
function arrayValue(param: string, value: unknown[], dialect: SqlDialect): BindValue {
  const items: Array<string | number> = [];
  for (const item of value) {
    if (typeof item === 'string' || (typeof item === 'number' && Number.isFinite(item))) items.push(item);
    else throw new BindError(param, `parameter \`${param}\` contains the invalid item ${JSON.stringify(item) ?? typeof item}; send an array of strings or finite numbers.`);
  }
  return dialect === 'sqlite' ? JSON.stringify(items) : items;
}

// The fraction of seconds in an ISO 8601 date-time, with what follows it.
const ISO_FRACTION = /(:\d\d)\.(\d+)(Z|[+-]\d\d(?::?\d\d)?)?$/i;

/**
 * Converts a date-time to ISO 8601 in UTC. Date parses only milliseconds, so
 * for PostgreSQL, which keeps microseconds, a longer fraction is carried over
 * as written. Time zone offsets are whole minutes, so they never change it.
 * SQLite gets milliseconds, so that stored timestamps of one length compare as text.
 */
function normalizeTimestamp(param: string, text: string, dialect: SqlDialect): string {
  const fraction = ISO_FRACTION.exec(text);
  const time = Date.parse(fraction === null ? text : text.replace(ISO_FRACTION, (_, seconds: string, digits: string, zone = '') => `${seconds}.${digits.slice(0, 3)}${zone}`));
  if (Number.isNaN(time)) throw new BindError(param, `parameter \`${param}\` is ${JSON.stringify(text)}, which is not an ISO 8601 date-time.`);
  const iso = new Date(time).toISOString();
  return dialect === 'sqlite' || fraction === null || fraction[2].length <= 3 ? iso : `${iso.slice(0, -5)}.${fraction[2]}Z`;
}

/** Returns a whole number as a number when it is exact as one, else as its decimal string. */
export function exactInteger(value: bigint | string): number | string {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
}

/** Converts a value sql.js returned with `useBigInt` to an API value. */
export function fromSqliteValue(value: number | string | Uint8Array | bigint | null): CellValue {
  return typeof value === 'bigint' ? exactInteger(value) : value;
}

// PostgreSQL prints timestamps as `2024-01-02 03:04:05.123456`, with `+01`,
// `+05:30` or `-03:30:15` appended for timestamptz.
const PG_TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;

/**
 * Converts PostgreSQL's text form of a timestamp to ISO 8601 in UTC, keeping
 * every fractional digit and showing at least milliseconds. A timestamp
 * without time zone is read as UTC. Values without an ISO form (`infinity`,
 * years BC) are returned as PostgreSQL printed them.
 */
export function isoTimestamp(text: string): string {
  const match = PG_TIMESTAMP.exec(text);
  if (match === null) return text;
  const [, year, month, day, hour, minute, second, fraction = '', sign, offsetHours = '0', offsetMinutes = '0', offsetSeconds = '0'] = match;
  let time = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  if (Number(year) < 100) time = new Date(time).setUTCFullYear(Number(year));
  if (sign !== undefined) {
    const offset = (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60 + Number(offsetSeconds)) * 1000;
    time -= sign === '+' ? offset : -offset;
  }
  // Offsets are whole seconds, so the fraction is appended unchanged to the shifted whole seconds.
  return `${new Date(time).toISOString().slice(0, -5)}.${fraction.padEnd(3, '0')}Z`;
}

/** PostgreSQL type ids whose values the binding layer converts itself. */
export const PG_TYPES = {
  int8: 20,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
} as const;

/** Returns the text parser for a PostgreSQL type id, or undefined to keep pg's own parser. */
export function postgresTextParser(oid: number): ((text: string) => CellValue) | undefined {
  switch (oid) {
    case PG_TYPES.int8:
      return exactInteger;
    case PG_TYPES.numeric:
    case PG_TYPES.date:
    case PG_TYPES.interval:
      return (text) => text;
    case PG_TYPES.timestamp:
    case PG_TYPES.timestamptz:
      return isoTimestamp;
    default:
      return undefined;
  }
}
