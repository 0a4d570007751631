// The client view of `chart:` and `stat:` components: what the browser needs
// to fetch and draw them through the query endpoint, never SQL. Column rules
// apply here too: a series hidden or masked for the user is left out and
// counted, so the chart can tell the user that part of it is not shown.
import type { ChartSpec, StatSpec } from '../../core/spec.js';
import type { QueryAccess } from '../access/query-access.js';

/** Returns whether the user receives a column's real values. */
function readable(access: QueryAccess, column: string): boolean {
  return !access.hidden.has(column) && !access.masked.has(column);
}

/** Builds the chart as the browser receives it, or returns undefined when the user may not run its query. `queryTitle` is the heading when the chart has no title. */
export function clientChart(chart: ChartSpec, accessOf: (query: string) => QueryAccess | undefined, queryTitle?: string): Record<string, unknown> | undefined {
  const access = accessOf(chart.query);
  if (access === undefined) return undefined;
  const ys = typeof chart.y === 'string' ? [chart.y] : chart.y;
  const shown = ys.filter((column) => readable(access, column));
  // Without its x or series column, or without any value column, nothing can be drawn.
  const unavailable = !readable(access, chart.x) || (chart.series !== undefined && !readable(access, chart.series)) || shown.length === 0;
  return {
    type: 'chart',
    title: chart.title ?? queryTitle,
    query: chart.query,
    params: chart.params ?? {},
    chartType: chart.type,
    x: chart.x,
    y: unavailable ? [] : shown,
    series: unavailable ? undefined : chart.series,
    stacked: chart.stacked ?? false,
    xFormat: chart.xFormat ?? 'text',
    yFormat: chart.yFormat ?? 'number',
    currency: chart.currency,
    height: chart.height ?? 280,
    empty: chart.empty,
    // A count, not names: the names of columns a role may not see stay on the server.
    hiddenSeries: ys.length - shown.length,
    ...(unavailable ? { unavailable: true } : {}),
  };
}

/** Builds the stat as the browser receives it, or returns undefined when the user may not run its query. The comparison is left out when its column or query is not readable. */
export function clientStat(stat: StatSpec, accessOf: (query: string) => QueryAccess | undefined): Record<string, unknown> | undefined {
  const access = accessOf(stat.query);
  if (access === undefined) return undefined;
  let compare: Record<string, unknown> | undefined;
  if (stat.compare !== undefined) {
    const compareAccess = stat.compare.query === undefined ? access : accessOf(stat.compare.query);
    if (compareAccess !== undefined && readable(compareAccess, stat.compare.column)) {
      compare = { column: stat.compare.column, query: stat.compare.query, params: stat.compare.params ?? {}, label: stat.compare.label };
    }
  }
  const valueReadable = readable(access, stat.value);
  return {
    type: 'stat',
    label: stat.label,
    query: stat.query,
    params: stat.params ?? {},
    value: stat.value,
    format: stat.format ?? 'number',
    currency: stat.currency,
    goodWhen: stat.goodWhen ?? 'up',
    ...(valueReadable && compare !== undefined ? { compare } : {}),
    ...(valueReadable ? {} : { unavailable: true }),
  };
}
