// Ticks and labels of a chart's time axis. The chart draws dates on a Chart.js
// linear scale over epoch milliseconds, so points are spaced by time without a
// date adapter package. These functions pick tick steps on calendar boundaries.

export type TimeUnit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/** Distance between two ticks: `count` units. */
export interface TimeStep {
  unit: TimeUnit;
  count: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Approximate length of each unit in milliseconds, used only to estimate the number of ticks. */
const UNIT_LENGTH: Record<TimeUnit, number> = { minute: MINUTE, hour: HOUR, day: DAY, week: 7 * DAY, month: 30.44 * DAY, year: 365.25 * DAY };

/** Steps from the finest to the coarsest. */
const STEPS: TimeStep[] = [
  ...[1, 5, 15, 30].map((count) => ({ unit: 'minute' as const, count })),
  ...[1, 3, 6, 12].map((count) => ({ unit: 'hour' as const, count })),
  { unit: 'day', count: 1 },
  { unit: 'day', count: 2 },
  { unit: 'week', count: 1 },
  { unit: 'week', count: 2 },
  ...[1, 3, 6].map((count) => ({ unit: 'month' as const, count })),
  ...[1, 2, 5, 10, 25, 50, 100].map((count) => ({ unit: 'year' as const, count })),
];

/** Maximum number of ticks generated for one axis, whatever the range, so a bad range cannot hang the page. */
const TICK_LIMIT = 1000;

/**
 * Picks the finest step that gives at most `maxTicks` ticks between `min` and
 * `max`. Calendar dates never get minute or hour steps. A step shorter than
 * `minSpacing` (milliseconds, the smallest gap between two points) is skipped
 * too, so monthly data gets month ticks rather than ticks between its points.
 */
export function chooseTimeStep(min: number, max: number, maxTicks: number, calendarDates: boolean, minSpacing = 0): TimeStep {
  const limit = Math.max(2, maxTicks);
  for (const step of STEPS) {
    if (calendarDates && (step.unit === 'minute' || step.unit === 'hour')) continue;
    const stepLength = UNIT_LENGTH[step.unit] * step.count;
    // 0.9 lets a 30.44-day month step through for data whose smallest gap is a 31-day month.
    if (stepLength < minSpacing * 0.9) continue;
    // The estimate skips steps far too fine, and counting the real ticks then handles months of different lengths.
    if (Math.max(0, max - min) / stepLength > limit) continue;
    if (ticksOf(min, max, step, calendarDates, limit + 1).length <= limit) return step;
  }
  return STEPS[STEPS.length - 1];
}

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

function partsOf(time: number, utc: boolean): DateParts {
  const date = new Date(time);
  return utc
    ? { year: date.getUTCFullYear(), month: date.getUTCMonth(), day: date.getUTCDate(), hour: date.getUTCHours(), minute: date.getUTCMinutes(), weekday: date.getUTCDay() }
    : { year: date.getFullYear(), month: date.getMonth(), day: date.getDate(), hour: date.getHours(), minute: date.getMinutes(), weekday: date.getDay() };
}

/** Builds a time from parts. Out-of-range parts roll over, so day 0 is the last day of the previous month. */
function timeOf(parts: Omit<DateParts, 'weekday'>, utc: boolean): number {
  const { year, month, day, hour, minute } = parts;
  return utc ? Date.UTC(year, month, day, hour, minute) : new Date(year, month, day, hour, minute).getTime();
}

/** Rounds `time` down to the start of its step: a whole minute or hour, midnight, a Monday, the first of a month or of a year. */
function floorToStep(time: number, step: TimeStep, utc: boolean): number {
  const parts = partsOf(time, utc);
  const down = (value: number, base = 0): number => Math.floor((value - base) / step.count) * step.count + base;
  switch (step.unit) {
    case 'minute':
      return timeOf({ ...parts, minute: down(parts.minute) }, utc);
    case 'hour':
      return timeOf({ ...parts, hour: down(parts.hour), minute: 0 }, utc);
    case 'day':
      return timeOf({ ...parts, hour: 0, minute: 0 }, utc);
    case 'week':
      // Weeks start on Monday, as in ISO 8601.
      return timeOf({ ...parts, day: parts.day - ((parts.weekday + 6) % 7), hour: 0, minute: 0 }, utc);
    case 'month':
      return timeOf({ ...parts, month: down(parts.month), day: 1, hour: 0, minute: 0 }, utc);
    case 'year':
      return timeOf({ year: down(parts.year), month: 0, day: 1, hour: 0, minute: 0 }, utc);
  }
}

function addStep(time: number, step: TimeStep, utc: boolean): number {
  const parts = partsOf(time, utc);
  switch (step.unit) {
    case 'minute':
      return timeOf({ ...parts, minute: parts.minute + step.count }, utc);
    case 'hour':
      return timeOf({ ...parts, hour: parts.hour + step.count }, utc);
    case 'day':
      return timeOf({ ...parts, day: parts.day + step.count }, utc);
    case 'week':
      return timeOf({ ...parts, day: parts.day + 7 * step.count }, utc);
    case 'month':
      return timeOf({ ...parts, month: parts.month + step.count }, utc);
    case 'year':
      return timeOf({ ...parts, year: parts.year + step.count }, utc);
  }
}

/** Returns the times of `step` between `min` and `max` (inclusive), at most `limit` of them. */
function ticksOf(min: number, max: number, step: TimeStep, utc: boolean, limit: number): number[] {
  const values: number[] = [];
  let time = floorToStep(min, step, utc);
  while (time <= max && values.length < limit) {
    if (time >= min) values.push(time);
    const next = addStep(time, step, utc);
    // A daylight saving change can make a local step land on the same instant, so skip ahead rather than loop.
    time = next > time ? next : time + UNIT_LENGTH[step.unit] * step.count;
  }
  return values;
}

/**
 * Returns the tick times between `min` and `max` (inclusive) and their step.
 * Calendar dates (midnight UTC) tick on UTC boundaries. Datetimes tick on the
 * browser's local clock, in which their labels are shown.
 */
export function timeTicks(min: number, max: number, maxTicks: number, calendarDates: boolean, minSpacing = 0): { step: TimeStep; values: number[] } {
  const step = chooseTimeStep(min, max, maxTicks, calendarDates, minSpacing);
  return { step, values: ticksOf(min, max, step, calendarDates, TICK_LIMIT) };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify([locale, options]);
  let cached = formatters.get(key);
  if (cached === undefined) {
    cached = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, cached);
  }
  return cached;
}

/**
 * Formats an x value of a time axis as tables format a `date` or `datetime`
 * column: calendar dates in UTC so they never move by a day, datetimes with
 * the time in the browser's zone.
 */
export function formatChartDate(time: number, calendarDates: boolean, locale?: string): string {
  const options: Intl.DateTimeFormatOptions = calendarDates ? { dateStyle: 'medium', timeZone: 'UTC' } : { dateStyle: 'medium', timeStyle: 'short' };
  return formatter(locale, options).format(time);
}

/** Formats a tick: a time for minute and hour steps, day and month for days and weeks, month and year, or the year alone. */
export function formatTimeTick(time: number, step: TimeStep, calendarDates: boolean, locale?: string): string {
  const timeZone = calendarDates ? 'UTC' : undefined;
  switch (step.unit) {
    case 'minute':
    case 'hour': {
      const parts = partsOf(time, calendarDates);
      // A tick at midnight names the day, so a range across days stays readable.
      if (parts.hour === 0 && parts.minute === 0) return formatter(locale, { month: 'short', day: 'numeric', timeZone }).format(time);
      return formatter(locale, { hour: 'numeric', minute: '2-digit', timeZone }).format(time);
    }
    case 'day':
    case 'week':
      return formatter(locale, { month: 'short', day: 'numeric', timeZone }).format(time);
    case 'month':
      return formatter(locale, { month: 'short', year: 'numeric', timeZone }).format(time);
    case 'year':
      return formatter(locale, { year: 'numeric', timeZone }).format(time);
  }
}
