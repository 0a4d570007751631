// The values behind a chart as a table, for keyboard and screen reader users:
// one row per x value (or scatter point, or pie slice) and one column per
// shown series, with the chart's value format applied.
import { formatValue, type ChartData, type ChartSeries } from './chart-data.js';
import type { ClientChart } from './client-spec.js';
import { humanize } from './format.js';

/** A table of formatted values. A `null` cell is a missing value, shown with the empty marker of data tables. */
export interface ChartValues {
  columns: string[];
  rows: Array<{ label: string; values: Array<string | null> }>;
}

/** One point of a scatter series. */
type ScatterPoint = { x: number; y: number | null };

/** Returns the legend name of a series: a value column humanized, a pivoted series value as the query returned it. */
export function seriesName(chart: Pick<ClientChart, 'series'>, series: ChartSeries): string {
  return chart.series === undefined ? humanize(series.label) : series.label;
}

/**
 * Builds the table of `data`, leaving out the series (or, in a pie, the
 * slices) whose index is in `hidden`, as the chart does.
 */
export function chartValues(chart: ClientChart, data: ChartData, hidden: ReadonlySet<number>, locale?: string): ChartValues {
  const format = (value: number | null): string | null => (value === null ? null : formatValue(value, chart.yFormat, chart.currency, { locale }));
  const xColumn = humanize(chart.x);

  if (chart.chartType === 'pie') {
    const series = data.series[0];
    const values = (series?.data ?? []) as Array<number | null>;
    return {
      columns: [xColumn, series ? seriesName(chart, series) : ''],
      rows: data.labels.flatMap((label, index) => (hidden.has(index) ? [] : [{ label, values: [format(values[index])] }])),
    };
  }

  const visibleSeries = data.series.flatMap((series, index) => (hidden.has(index) ? [] : [series]));
  const columns = [xColumn, ...visibleSeries.map((series) => seriesName(chart, series))];

  if (chart.chartType === 'scatter') {
    // Every scatter series has one point per row with a numeric x, in the same order, so index i is one row.
    const points = (data.series[0]?.data ?? []) as Array<ScatterPoint>;
    const numberFormat = new Intl.NumberFormat(locale);
    return {
      columns,
      rows: points.map((point, index) => ({
        label: numberFormat.format(point.x),
        values: visibleSeries.map((series) => format((series.data as Array<ScatterPoint>)[index]?.y ?? null)),
      })),
    };
  }

  return {
    columns,
    rows: data.labels.map((label, index) => ({ label, values: visibleSeries.map((series) => format((series.data as Array<number | null>)[index] ?? null)) })),
  };
}
