// Cron schedules of jobs: parsing of 5-field cron expressions and macros, and
// the slots a schedule fires in its time zone.
//
// Fields, in order: minute hour day-of-month month day-of-week. Each field is
// `*`, a number, a range `a-b` or a step `*/n`, `a-b/n` or `a/n` (from a to the
// end of the field), or a list `a,b,c` of these. Month names JAN-DEC and weekday
// names SUN-SAT work in any case. Day-of-week takes 0-7, where 0 and 7 are Sunday.
// Macros: @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually.
//
// Day rule: when both day-of-month and day-of-week are written as something
// other than a bare `*`, a day matches when either field matches (so
// `0 0 13 * FRI` fires on every 13th and on every Friday). Otherwise the
// restricted field decides alone.
//
// Time zone semantics:
// - A slot is a wall-clock time in the schedule's zone. Its id is that wall
//   time (`YYYY-MM-DDTHH:MM`), so one slot can never fire twice.
// - Fall back (a wall time occurs twice): the slot fires at its first
//   occurrence only.
// - Spring forward (a wall time does not exist): the slot fires once, at the
//   first instant after the gap, and keeps its own id. Europe/Berlin on
//   2026-03-29: a 02:30 daily job fires at 03:00 local (01:00Z) as slot
//   `2026-03-29T02:30`. Several slots in one gap share that instant.
//   `nextSlot(schedule, date)` returns only the first of them, so walk slots
//   by passing the last slot itself, `nextSlot(schedule, slot)`, which orders
//   tied slots by id.
//
// Slots are found by stepping over matching days, then hours and minutes, and
// converting each wall time to an instant with the zone's offsets, read from a
// cached Intl.DateTimeFormat per zone. No minute-by-minute scan.
import { suggest } from './suggest.js';

/** A parsed cron schedule. Field values are sorted and free of duplicates. */
export interface CronSchedule {
  /** The expression as written. */
  readonly source: string;
  /** IANA time zone the wall times are read in, as written. */
  readonly timeZone: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** Days of the month, 1-31. A month without that day skips it. */
  readonly daysOfMonth: readonly number[];
  /** Months, 1-12. */
  readonly months: readonly number[];
  /** Days of the week, 0-6 with Sunday as 0 (7 is stored as 0). */
  readonly daysOfWeek: readonly number[];
  /** Day fields that decide whether a day matches (see the day rule in the file header). */
  readonly dayRule: 'every-day' | 'day-of-month' | 'day-of-week' | 'either';
}

/** One problem found by parseCron. */
export interface CronProblem {
  message: string;
  /** 0-based character offset in the expression where the problem starts, or 0 for a problem with the time zone. */
  offset: number;
  /** Set to 'timeZone' when the problem is in the time zone rather than the expression. */
  part?: 'timeZone';
}

/** One firing of a schedule. */
export interface CronSlot {
  /** wall-clock time of the slot in the zone, 'YYYY-MM-DDTHH:MM', the slot's identity */
  id: string;
  /** instant when it fires */
  at: Date;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Last value that `*` and `a/n` reach (day-of-week stops at 6, as 7 repeats Sunday). */
  starMax: number;
  /** Names for the values from `min` on, such as JAN for 1. */
  names?: readonly string[];
  /** Name range shown in messages, such as JAN-DEC. */
  namesLabel?: string;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59, starMax: 59 },
  { name: 'hour', min: 0, max: 23, starMax: 23 },
  { name: 'day-of-month', min: 1, max: 31, starMax: 31 },
  { name: 'month', min: 1, max: 12, starMax: 12, names: MONTH_NAMES, namesLabel: 'JAN-DEC' },
  { name: 'day-of-week', min: 0, max: 7, starMax: 6, names: WEEKDAY_NAMES, namesLabel: 'SUN-SAT' },
];

const FIELD_LIST = 'minute hour day-of-month month day-of-week';

const MACROS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

/** Days in each month of a leap year, the max a month can have. */
const MAX_MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parses a 5-field cron expression (minute hour day-of-month month day-of-week) or a macro (@hourly @daily @midnight @weekly @monthly @yearly @annually).
 * Returns problems instead of throwing: every bad field, an unknown time zone and a schedule that could never fire.
 */
export function parseCron(expression: string, timeZone: string): { schedule: CronSchedule } | { problems: CronProblem[] } {
  const problems: CronProblem[] = [];
  const tokens = [...expression.matchAll(/\S+/g)].map((m) => ({ text: m[0], offset: m.index ?? 0 }));
  let fieldTokens = tokens;

  if (tokens.length > 0 && tokens[0].text.startsWith('@')) {
    const macro = MACROS[tokens[0].text.toLowerCase()];
    if (macro === undefined) {
      problems.push({ message: `unknown macro "${tokens[0].text}"; use one of ${Object.keys(MACROS).join(' ')} or 5 fields (${FIELD_LIST})`, offset: tokens[0].offset });
    } else if (tokens.length > 1) {
      problems.push({ message: `macro "${tokens[0].text}" is a whole schedule and takes no fields; remove "${tokens[1].text}" and what follows`, offset: tokens[1].offset });
    }
    // Macro fields have no place in the source, so their offsets point at the macro.
    fieldTokens = macro === undefined ? [] : macro.split(' ').map((text) => ({ text, offset: tokens[0].offset }));
  } else if (tokens.length !== 5) {
    // Too many: point at the first extra field. Too few: point at the end, where the next field belongs.
    let offset = expression.length;
    if (tokens.length > 5) offset = tokens[5].offset;
    if (tokens.length === 0) offset = 0;
    problems.push({ message: `expected 5 fields (${FIELD_LIST}), got ${tokens.length}`, offset });
  }

  const values: number[][] = [];
  if (fieldTokens.length === 5) {
    FIELDS.forEach((field, index) => values.push(parseField(field, fieldTokens[index].text, fieldTokens[index].offset, problems)));
  }

  if (!isKnownTimeZone(timeZone)) {
    const near = typeof timeZone === 'string' ? suggest(timeZone, Intl.supportedValuesOf('timeZone')) : undefined;
    problems.push({ message: `unknown time zone "${String(timeZone)}"; use an IANA name such as ${near ?? 'Europe/Berlin'}`, offset: 0, part: 'timeZone' });
  }
  if (problems.length > 0) return { problems };

  const [minutes, hours, daysOfMonth, months, weekdays] = values;
  const domStar = fieldTokens[2].text === '*';
  const dowStar = fieldTokens[4].text === '*';
  let dayRule: CronSchedule['dayRule'] = 'either';
  if (domStar && dowStar) dayRule = 'every-day';
  else if (domStar) dayRule = 'day-of-week';
  else if (dowStar) dayRule = 'day-of-month';

  if (dayRule === 'day-of-month' && !months.some((month) => daysOfMonth.some((day) => day <= MAX_MONTH_DAYS[month - 1]))) {
    problems.push({
      message: `day-of-month field "${fieldTokens[2].text}" names no day that month field "${fieldTokens[3].text}" has, so the schedule would never fire`,
      offset: fieldTokens[2].offset,
    });
    return { problems };
  }
  const daysOfWeek = [...new Set(weekdays.map((day) => day % 7))].sort((a, b) => a - b);
  return { schedule: { source: expression, timeZone, minutes, hours, daysOfMonth, months, daysOfWeek, dayRule } };
}

/** Parses one field; reports problems and returns the sorted values it selects. */
function parseField(field: FieldSpec, text: string, offset: number, problems: CronProblem[]): number[] {
  const selected = new Set<number>();
  let itemOffset = offset;
  for (const item of text.split(',')) {
    parseItem(field, item, itemOffset, text, selected, problems);
    itemOffset += item.length + 1;
  }
  return [...selected].sort((a, b) => a - b);
}

/** Parses one list item: `*`, `a`, `a-b`, each with an optional `/n`. */
function parseItem(field: FieldSpec, item: string, offset: number, fieldText: string, selected: Set<number>, problems: CronProblem[]): void {
  const problem = (message: string, at: number): void => {
    problems.push({ message: `${field.name} field ${message}`, offset: at });
  };
  if (item === '') {
    problem(`"${fieldText}" has an empty list item; remove the extra ","`, offset);
    return;
  }
  const slash = item.indexOf('/');
  const base = slash === -1 ? item : item.slice(0, slash);
  let step = 1;
  if (slash !== -1) {
    const stepText = item.slice(slash + 1);
    const stepOffset = offset + slash + 1;
    const stepMax = field.starMax - field.min;
    if (!/^\d+$/.test(stepText)) {
      problem(`step "${stepText}" in "${item}" is not a whole number; use 1-${stepMax}`, stepOffset);
      return;
    }
    step = Number(stepText);
    if (step < 1 || step > stepMax) {
      problem(`step "${stepText}" is out of range 1-${stepMax}`, stepOffset);
      return;
    }
  }

  let low: number | undefined;
  let high: number | undefined;
  if (base === '*') {
    low = field.min;
    high = field.starMax;
  } else {
    const dash = base.indexOf('-');
    if (dash === -1) {
      low = parseValue(field, base, offset, item, problems);
      high = slash === -1 ? low : field.starMax;
    } else {
      low = parseValue(field, base.slice(0, dash), offset, item, problems);
      high = parseValue(field, base.slice(dash + 1), offset + dash + 1, item, problems);
      if (low !== undefined && high !== undefined && low > high) {
        problem(`range "${base}" runs backwards; start with the smaller value, or use a list such as ${low}-${field.max},${field.min}-${high}`, offset);
        return;
      }
    }
  }
  if (low === undefined || high === undefined) return;
  for (let value = low; value <= high; value += step) selected.add(value);
}

/** Parses a number or name of a field; reports a problem and returns undefined when it is neither or out of range. */
function parseValue(field: FieldSpec, text: string, offset: number, item: string, problems: CronProblem[]): number | undefined {
  const range = `${field.min}-${field.max}`;
  if (text === '') {
    problems.push({ message: `${field.name} field "${item}" is missing a value; write a number ${range}, a range a-b or *`, offset });
    return undefined;
  }
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < field.min || value > field.max) {
      problems.push({ message: `${field.name} field "${text}" is out of range ${range}`, offset });
      return undefined;
    }
    return value;
  }
  const nameIndex = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (nameIndex !== -1) return field.min + nameIndex;
  const allowed = field.names === undefined ? `a number ${range}` : `a number ${range} or a name ${field.namesLabel}`;
  problems.push({ message: `${field.name} field "${text}" is not ${allowed}`, offset });
  return undefined;
}

// ---- Time zones ----------------------------------------------------------

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Search limit of nextSlot. A February 29 schedule can wait 8 years (2096 to 2104). */
const NEXT_HORIZON_MS = 12 * 366 * DAY_MS;
/** Search limit of previousSlot: a year, counted as 366 days. */
const PREVIOUS_HORIZON_MS = 366 * DAY_MS;
/** Earliest and latest instants handled: years 1 to 9999, so wall times fit `YYYY-MM-DDTHH:MM`. */
const MIN_INSTANT_MS = new Date(0).setUTCFullYear(1, 0, 1);
const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59);

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Returns the cached formatter that reads wall-clock fields in `timeZone`; throws RangeError for an unknown zone. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Returns whether `timeZone` is an IANA zone that this runtime's Intl supports. Offsets such as `+01:00` are rejected. */
export function isKnownTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || !/^[A-Za-z]/.test(timeZone)) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Converts wall-clock fields to milliseconds since the epoch, read as if they were UTC. Years below 100 stay as written. */
function wallMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** Returns the wall-clock time in `timeZone` at instant `ms`, to the second, as wall milliseconds. */
function wallAt(timeZone: string, ms: number): number {
  const formatter = formatterFor(timeZone);
  // format() takes about a third of the time of formatToParts(), so parse its en-US text, such as `3/29/2026, 03:00:00`.
  const match = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/.exec(formatter.format(ms));
  if (match) return wallMs(Number(match[3]), Number(match[1]), Number(match[2]), Number(match[4]) % 24, Number(match[5]), Number(match[6]));

  // Another ICU version may lay the text out differently, and the parts still name every field.
  const fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatter.formatToParts(ms)) {
    if (Object.hasOwn(fields, part.type)) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  return wallMs(fields.year, fields.month, fields.day, fields.hour % 24, fields.minute, fields.second);
}

/** Returns the offset of `timeZone` from UTC at instant `ms`, in milliseconds (wall time minus instant). */
function offsetAt(timeZone: string, ms: number): number {
  return wallAt(timeZone, ms) - Math.floor(ms / 1000) * 1000;
}

/**
 * Returns the instant when wall time `wall` fires in `timeZone`: its first occurrence
 * when it occurs twice, or the first instant after the gap when it does not occur.
 */
function instantOf(timeZone: string, wall: number): number {
  // Offsets stay within -12 and +14 hours, so the instant lies inside this two-day window.
  // NOTE: assumes at most one offset change in the window, which holds for current zone rules but not for every historical one.
  const before = offsetAt(timeZone, wall - DAY_MS);
  const after = offsetAt(timeZone, wall + DAY_MS);
  let first: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const candidate = wall - offset;
    if (offsetAt(timeZone, candidate) === offset && (first === undefined || candidate < first)) first = candidate;
  }
  if (first !== undefined) return first;

  // `wall` falls in a gap. Search, to the second, for the first instant whose wall time is past `wall`.
  let low = wall - Math.max(before, after);
  let high = wall - Math.min(before, after);
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (wallAt(timeZone, middle) > wall) high = middle;
    else low = middle;
  }
  return high;
}

// ---- Slots ---------------------------------------------------------------

function dayMatches(schedule: CronSchedule, date: Date): boolean {
  const byMonthDay = schedule.daysOfMonth.includes(date.getUTCDate());
  const byWeekday = schedule.daysOfWeek.includes(date.getUTCDay());
  switch (schedule.dayRule) {
    case 'every-day':
      return true;
    case 'day-of-month':
      return byMonthDay;
    case 'day-of-week':
      return byWeekday;
    case 'either':
      return byMonthDay || byWeekday;
  }
}

/** Yields the matching wall times from `start` up to `end` (wall milliseconds, whole minutes), ascending. */
function* wallTimesUp(schedule: CronSchedule, start: number, end: number): Generator<number> {
  const startDay = Math.floor(start / DAY_MS);
  for (let day = startDay; day * DAY_MS <= end; ) {
    const date = new Date(day * DAY_MS);
    if (!schedule.months.includes(date.getUTCMonth() + 1)) {
      day = Math.floor(wallMs(date.getUTCFullYear(), date.getUTCMonth() + 2, 1) / DAY_MS);
      continue;
    }
    if (dayMatches(schedule, date)) {
      const from = day === startDay ? (start - day * DAY_MS) / MINUTE_MS : 0;
      for (const hour of schedule.hours) {
        if (hour * 60 + 59 < from) continue;
        for (const minute of schedule.minutes) {
          const ofDay = hour * 60 + minute;
          if (ofDay >= from) yield day * DAY_MS + ofDay * MINUTE_MS;
        }
      }
    }
    day++;
  }
}

/** Yields the matching wall times from `end` down to `start` (wall milliseconds, whole minutes), descending. */
function* wallTimesDown(schedule: CronSchedule, end: number, start: number): Generator<number> {
  const endDay = Math.floor(end / DAY_MS);
  for (let day = endDay; (day + 1) * DAY_MS > start; ) {
    const date = new Date(day * DAY_MS);
    if (!schedule.months.includes(date.getUTCMonth() + 1)) {
      day = Math.floor(wallMs(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / DAY_MS) - 1;
      continue;
    }
    if (dayMatches(schedule, date)) {
      const upTo = day === endDay ? (end - day * DAY_MS) / MINUTE_MS : 24 * 60 - 1;
      for (let h = schedule.hours.length - 1; h >= 0; h--) {
        const hour = schedule.hours[h];
        if (hour * 60 > upTo) continue;
        for (let m = schedule.minutes.length - 1; m >= 0; m--) {
          const ofDay = hour * 60 + schedule.minutes[m];
          if (ofDay <= upTo) yield day * DAY_MS + ofDay * MINUTE_MS;
        }
      }
    }
    day--;
  }
}

function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function slotId(wall: number): string {
  return new Date(wall).toISOString().slice(0, 16);
}

/** Returns the wall milliseconds of a slot id. Throws RangeError for anything that is not `YYYY-MM-DDTHH:MM`. */
function wallOfId(id: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(id);
  const wall = match ? wallMs(Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5])) : Number.NaN;
  if (!match || slotId(wall) !== id) throw new RangeError(`invalid cron slot id "${id}"; pass a slot returned by nextSlot or previousSlot, whose id is a wall time YYYY-MM-DDTHH:MM`);
  return wall;
}

/** Returns the milliseconds of a Date argument. Throws RangeError for an invalid date or one outside years 1-9999. */
function instantMs(date: Date, name: string): number {
  const ms = date.getTime();
  if (!(ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS)) throw new RangeError(`cron ${name} must be a valid date within years 1-9999, got ${String(date)}`);
  return ms;
}

/**
 * Returns the first slot that fires strictly after `after`.
 * Given a slot instead of a date, returns the slot that follows it. Slots in one
 * spring-forward gap share an instant, so only this form reaches each of them.
 */
export function nextSlot(schedule: CronSchedule, after: Date | CronSlot): CronSlot {
  const { timeZone } = schedule;
  if (!(after instanceof Date)) {
    const start = wallOfId(after.id) + MINUTE_MS;
    for (const wall of wallTimesUp(schedule, start, start + NEXT_HORIZON_MS)) {
      return { id: slotId(wall), at: new Date(instantOf(timeZone, wall)) };
    }
  } else {
    const afterMs = instantMs(after, '`after`');
    // The first instant of any earlier wall minute lies at or before `after`, so earlier minutes never qualify.
    const start = floorMinute(wallAt(timeZone, afterMs));
    for (const wall of wallTimesUp(schedule, start, start + NEXT_HORIZON_MS)) {
      const at = instantOf(timeZone, wall);
      if (at > afterMs) return { id: slotId(wall), at: new Date(at) };
    }
  }
  // parseCron rejects schedules that never fire, so only a hand-built schedule gets here.
  throw new RangeError(`cron schedule "${schedule.source}" has no slot within 12 years after the given time; check its day-of-month and month fields`);
}

/**
 * Returns the last slot that fired at or before `at`, or undefined when none fired within a year (366 days) before.
 * When several slots share that instant (a spring-forward gap), returns the last of them by id.
 * Given a slot instead of a date, returns the slot before it.
 */
export function previousSlot(schedule: CronSchedule, at: Date | CronSlot): CronSlot | undefined {
  const { timeZone } = schedule;
  let end: number;
  let limit: number;
  let atMs = Infinity;
  if (!(at instanceof Date)) {
    end = wallOfId(at.id) - MINUTE_MS;
    limit = instantMs(at.at, 'slot time') - PREVIOUS_HORIZON_MS;
  } else {
    atMs = instantMs(at, '`at`');
    limit = atMs - PREVIOUS_HORIZON_MS;
    // After a fall back, wall times up to the largest offset of the last 26 hours have already fired.
    const largestOffset = Math.max(offsetAt(timeZone, atMs), offsetAt(timeZone, atMs - 26 * HOUR_MS));
    end = floorMinute(Math.floor(atMs / 1000) * 1000 + largestOffset);
  }
  const start = floorMinute(wallAt(timeZone, limit)) - DAY_MS;
  for (const wall of wallTimesDown(schedule, end, start)) {
    const fired = instantOf(timeZone, wall);
    if (fired < limit) return undefined;
    if (fired <= atMs) return { id: slotId(wall), at: new Date(fired) };
  }
  return undefined;
}
