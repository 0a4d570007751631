// The Chart.js configuration of one `chart:` component, built from its
// series and the colours of the current theme.
import type { ChartConfiguration, Scale, TooltipItem } from 'chart.js';
import { formatValue, type ChartData } from '../chart-data.js';
import { formatChartDate, formatTimeTick, timeTicks, type TimeStep } from '../chart-time.js';
import { seriesName } from '../chart-values.js';
import type { ClientChart } from '../client-spec.js';

/** Number of series colour tokens, `--od-chart-1` to `--od-chart-8`. Series past the eighth reuse them in turn. */
export const PALETTE_SIZE = 8;

/** Colours read from the page's CSS custom properties, so a dark theme changes the chart too. */
export interface ChartTheme {
  /** Tick labels of the axes. */
  axis: string;
  grid: string;
  /** Background the chart is drawn on, which also outlines pie slices. */
  surface: string;
  font: string;
  palette: string[];
}

/** Reads the chart colours from the custom properties that apply to `element`. A missing token falls back to the element's text colour. */
export function readChartTheme(element: Element): ChartTheme {
  const style = getComputedStyle(element);
  const read = (name: string): string => style.getPropertyValue(name).trim() || style.color;
  return {
    axis: read('--od-chart-axis'),
    grid: read('--od-chart-grid'),
    surface: read('--od-surface'),
    font: style.getPropertyValue('--od-font').trim() || style.fontFamily,
    palette: Array.from({ length: PALETTE_SIZE }, (_, index) => read(`--od-chart-${index + 1}`)),
  };
}

/** Estimated width of one date tick label, in pixels, so labels do not overlap. */
const TIME_TICK_WIDTH = 90;

/** Builds the x scale of a time axis: a linear scale over epoch milliseconds with ticks on calendar boundaries. */
function timeScale(chart: ClientChart, data: ChartData & { times: number[] }, grid: object, ticks: object) {
  const calendarDates = data.calendarDates ?? false;
  const first = data.times[0];
  const last = data.times[data.times.length - 1];
  const gaps = data.times.slice(1).map((time, index) => time - data.times[index]).filter((gap) => gap > 0);
  // A bar is centred on its time, so the axis extends by half the smallest gap at both ends. A single point gets a day either side.
  const smallestGap = gaps.length > 0 ? Math.min(...gaps) : 86_400_000;
  const padding = chart.chartType === 'bar' || first === last ? smallestGap / 2 : 0;
  const min = first - padding;
  const max = last + padding;
  let step: TimeStep = { unit: 'day', count: 1 };
  return {
    type: 'linear' as const,
    min,
    max,
    stacked: chart.stacked,
    grid,
    afterBuildTicks: (scale: Scale) => {
      const built = timeTicks(min, max, Math.max(2, Math.floor(scale.width / TIME_TICK_WIDTH)), calendarDates, gaps.length > 0 ? smallestGap : 0);
      step = built.step;
      scale.ticks = built.values.map((value) => ({ value }));
    },
    ticks: { ...ticks, maxRotation: 0, callback: (value: string | number) => formatTimeTick(Number(value), step, calendarDates) },
  };
}

/**
 * Builds the Chart.js configuration of one chart: no animation, nulls as gaps, and value formats on the axis and in tooltips.
 * It turns off the canvas legend, because the chart element draws its own.
 */
export function chartConfiguration(chart: ClientChart, data: ChartData, theme: ChartTheme): ChartConfiguration {
  const kind = chart.chartType;
  const format = (value: number, compact = false): string => formatValue(value, chart.yFormat, chart.currency, { compact });
  const color = (index: number): string => theme.palette[index % theme.palette.length];
  // Points would hide a dense line, so they are drawn only up to 60 labels.
  const linePointRadius = data.labels.length > 60 ? 0 : 2;
  const areaFill = (index: number): string => (chart.stacked && index > 0 ? '-1' : 'origin');
  const datasets = data.series.map((series, index) => {
    const label = seriesName(chart, series);
    if (kind === 'pie') {
      return { label, data: series.data, backgroundColor: series.data.map((_, slice) => color(slice)), borderColor: theme.surface, borderWidth: 2 };
    }
    return {
      label,
      data: series.data,
      backgroundColor: kind === 'area' ? `color-mix(in srgb, ${color(index)} 22%, transparent)` : color(index),
      borderColor: color(index),
      borderWidth: kind === 'bar' ? 0 : 2,
      pointRadius: kind === 'scatter' ? 3 : linePointRadius,
      // Stacked areas fill down to the series below them ('-1'), the first one to the axis.
      fill: kind === 'area' ? areaFill(index) : false,
      // A null is a gap: the line stops and starts again after it.
      spanGaps: false,
      ...(chart.stacked ? { stack: 'all' } : {}),
    };
  });

  const valueLabel = (item: TooltipItem<'line'>): string => {
    const raw = item.parsed as { y?: number | null } | number;
    const value = typeof raw === 'number' ? raw : raw.y;
    return `${item.dataset.label ?? ''}: ${value === null || value === undefined ? 'no value' : format(value)}`;
  };
  const times = data.times;
  const calendarDates = data.calendarDates ?? false;
  // On a time axis the tooltip title is the x value's date, not the raw milliseconds.
  const timeTitle = (items: Array<TooltipItem<'line'>>): string => {
    const x = (items[0]?.parsed as { x?: number } | undefined)?.x;
    return x === undefined ? '' : formatChartDate(x, calendarDates);
  };
  const grid = { color: theme.grid };
  const ticks = { color: theme.axis, font: { family: theme.font } };
  let x: object = { type: kind === 'scatter' ? ('linear' as const) : ('category' as const), stacked: chart.stacked, grid, ticks };
  if (times !== undefined && times.length > 0) x = timeScale(chart, { ...data, times }, grid, ticks);
  const scales =
    kind === 'pie'
      ? {}
      : {
          x,
          y: { type: 'linear' as const, stacked: chart.stacked, beginAtZero: kind === 'bar' || kind === 'area', grid, ticks: { ...ticks, callback: (value: string | number) => format(Number(value), true) } },
        };

  return {
    type: kind === 'area' ? 'line' : kind,
    // With a linear x scale, Chart.js reads the x of each value from the label at the same index, so a time axis passes its times here.
    data: { labels: kind === 'scatter' ? undefined : (times ?? data.labels), datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      font: { family: theme.font },
      interaction: kind === 'pie' || kind === 'scatter' ? { mode: 'nearest', intersect: true } : { mode: 'index', intersect: false },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: kind === 'pie' ? (item) => `${item.label}: ${format(Number(item.raw))}` : (valueLabel as never),
            ...(times !== undefined ? { title: timeTitle as never } : {}),
          },
        },
      },
      scales,
    },
  } as ChartConfiguration;
}
