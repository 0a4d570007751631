// Turns query rows into the labels and series a chart draws, and formats
// chart and stat values. Pure functions, so they are tested without a browser.
import type { ClientChart, Row, ValueFormat } from './client-spec.js';
import { formatChartDate } from './chart-time.js';
import { toDate, toText } from './format.js';

/** One series: its legend label and one value per label (line, bar, area, pie) or points (scatter). */
export interface ChartSeries {
  label: string;
  /** `null` marks a missing value, which the chart draws as a gap, never as zero. */
  data: Array<number | null> | Array<{ x: number; y: number | null }>;
}

/** Labels and series handed to the chart library. */
export interface ChartData {
  /** The x value of each point as the user reads it: in the values table, tooltips of category axes and pie legends. */
  labels: string[];
  /**
   * Epoch milliseconds of each label when the chart has a time axis: a line,
   * bar or area chart with `xFormat: date` whose x values all parse as dates.
   */
  times?: number[];
  /** Every x date is midnight UTC, so labels and ticks show calendar dates in UTC without a time. */
  calendarDates?: boolean;
  series: ChartSeries[];
}

/**
 * Reads the time of each row's x value, and whether all of them are calendar dates.
 * Returns undefined when some x value is not a date.
 */
function timeAxis(rows: Row[], chart: Pick<ClientChart, 'x'>): { times: number[]; calendarDates: boolean } | undefined {
  const times: number[] = [];
  for (const row of rows) {
    const date = toDate(row[chart.x]);
    if (date === undefined) return undefined;
    times.push(date.getTime());
  }
  return { times, calendarDates: times.every((time) => time % 86_400_000 === 0) };
}

/** Converts a cell to a number, or null when it is missing or not numeric. PostgreSQL `numeric` values arrive as decimal text. */
export function toChartNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/** Returns the x label of a row: dates as calendar dates, other values as text. */
function xLabel(value: unknown, chart: Pick<ClientChart, 'xFormat'>, locale?: string): string {
  if (value === null || value === undefined) return '';
  if (chart.xFormat === 'date') {
    const date = toDate(value);
    if (date !== undefined) return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: typeof value === 'string' && value.length === 10 ? 'UTC' : undefined }).format(date);
  }
  if (chart.xFormat === 'number') {
    const number = toChartNumber(value);
    if (number !== null) return new Intl.NumberFormat(locale).format(number);
  }
  return toText(value);
}

/** Sort key of an x value: dates and numbers are drawn in ascending order, text in query order. */
function xOrder(rows: Row[], chart: Pick<ClientChart, 'x' | 'xFormat'>): Row[] {
  if (chart.xFormat === 'text') return rows;
  const key = (row: Row): number => {
    const value = row[chart.x];
    if (chart.xFormat === 'date') return toDate(value)?.getTime() ?? Number.POSITIVE_INFINITY;
    return toChartNumber(value) ?? Number.POSITIVE_INFINITY;
  };
  return [...rows].sort((a, b) => key(a) - key(b));
}

/**
 * Builds the labels and series of `chart` from `rows`. With `series`, each
 * distinct value of that column becomes a series, and an x label that a
 * series has no row for is a gap (null) in it. A pie leaves out rows whose
 * value is missing, because a slice cannot show a gap.
 */
export function buildChartData(chart: ClientChart, rows: Row[], locale?: string): ChartData {
  if (chart.chartType === 'scatter') {
    return {
      labels: [],
      series: chart.y.map((column) => ({
        label: column,
        data: rows.flatMap((row) => {
          const x = toChartNumber(row[chart.x]);
          return x === null ? [] : [{ x, y: toChartNumber(row[column]) }];
        }),
      })),
    };
  }

  const ordered = xOrder(rows, chart);
  if (chart.chartType === 'pie') {
    const column = chart.y[0];
    const kept = ordered.filter((row) => toChartNumber(row[column]) !== null);
    return { labels: kept.map((row) => xLabel(row[chart.x], chart, locale)), series: [{ label: column, data: kept.map((row) => toChartNumber(row[column])) }] };
  }

  // NOTE: one x value that is not a date puts the whole chart back on evenly spaced labels, because it has no place on a time axis.
  const time = chart.xFormat === 'date' ? timeAxis(ordered, chart) : undefined;
  const label = (row: Row, index: number): string => (time ? formatChartDate(time.times[index], time.calendarDates, locale) : xLabel(row[chart.x], chart, locale));
  if (chart.series === undefined) {
    return {
      labels: ordered.map(label),
      ...time,
      series: chart.y.map((column) => ({ label: column, data: ordered.map((row) => toChartNumber(row[column])) })),
    };
  }

  // Pivot: one label per distinct x value and one series per distinct `series` value, in order of first appearance.
  const column = chart.y[0];
  const labels: string[] = [];
  const times: number[] = [];
  const labelIndex = new Map<string, number>();
  const bySeries = new Map<string, Map<number, number | null>>();
  for (const [rowIndex, row] of ordered.entries()) {
    const text = label(row, rowIndex);
    let index = labelIndex.get(text);
    if (index === undefined) {
      index = labels.length;
      labels.push(text);
      if (time) times.push(time.times[rowIndex]);
      labelIndex.set(text, index);
    }
    const name = row[chart.series] === null || row[chart.series] === undefined ? '(none)' : toText(row[chart.series]);
    let values = bySeries.get(name);
    if (values === undefined) {
      values = new Map();
      bySeries.set(name, values);
    }
    values.set(index, toChartNumber(row[column]));
  }
  return {
    labels,
    ...(time ? { times, calendarDates: time.calendarDates } : {}),
    series: [...bySeries].map(([name, values]) => ({ label: name, data: labels.map((_, index) => values.get(index) ?? null) })),
  };
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Formats a chart or stat value; `compact` shortens axis ticks (12K). */
export function formatValue(value: number, format: ValueFormat, currency?: string, options: { compact?: boolean; locale?: string } = {}): string {
  const key = [format, currency, options.compact, options.locale].join('|');
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    const notation = options.compact ? 'compact' : 'standard';
    if (format === 'currency') formatter = new Intl.NumberFormat(options.locale, { style: 'currency', currency: currency ?? 'USD', notation });
    // Percent values are fractions: 0.125 reads as 12.5%.
    else if (format === 'percent') formatter = new Intl.NumberFormat(options.locale, { style: 'percent', maximumFractionDigits: 1 });
    else formatter = new Intl.NumberFormat(options.locale, { notation, maximumFractionDigits: options.compact ? 1 : 2 });
    formatters.set(key, formatter);
  }
  return formatter.format(value);
}

/** Change of a stat from `previous` to `current`: direction, and the relative change when `previous` is not zero. */
export interface StatChange {
  direction: 'up' | 'down' | 'flat';
  /** (current - previous) / |previous|; undefined when previous is zero. */
  ratio?: number;
  difference: number;
}

/** Compares a stat with its previous value; undefined when either is missing. */
export function statChange(current: number | null, previous: number | null): StatChange | undefined {
  if (current === null || previous === null) return undefined;
  const difference = current - previous;
  let direction: StatChange['direction'] = 'flat';
  if (difference > 0) direction = 'up';
  else if (difference < 0) direction = 'down';
  return { direction, difference, ...(previous === 0 ? {} : { ratio: difference / Math.abs(previous) }) };
}
