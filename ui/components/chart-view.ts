// A chart of a query's rows, drawn with Chart.js on a canvas. Rows come from
// the query endpoint, so row and column rules apply as for tables.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PieController,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
  type TooltipItem,
} from 'chart.js';
import { ApiError, apiPost, segment } from '../api.js';
import { buildChartData, formatValue, type ChartData } from '../chart-data.js';
import type { ClientChart, QueryResult } from '../client-spec.js';
import { humanize } from '../format.js';
import { resolveParams, type BindingContext } from '../template.js';
import { utilityStyles } from './shared-styles.js';

// Only the parts of Chart.js the five chart types use, so esbuild leaves the rest out of the bundle.
Chart.register(LineController, BarController, PieController, ScatterController, LineElement, BarElement, ArcElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip, Filler);

/** Rows a chart reads: the query endpoint's largest page. */
export const CHART_ROW_LIMIT = 500;

/** Series colours when the page defines no `--od-chart-1` … `--od-chart-8`. */
const DEFAULT_PALETTE = ['#4f46e5', '#0d9488', '#d97706', '#db2777', '#2563eb', '#65a30d', '#7c3aed', '#dc2626'];

/** Colours read from the page's CSS custom properties, so a dark theme changes the chart too. */
interface ChartTheme {
  text: string;
  muted: string;
  grid: string;
  surface: string;
  font: string;
  palette: string[];
}

/** Renders one `chart:` component: skeleton while loading, then the chart, an empty state or an error. */
export class ChartView extends LitElement {
  static override properties = {
    appId: { type: String },
    chart: { attribute: false },
    selections: { attribute: false },
    bindings: { attribute: false },
    refreshCount: { type: Number },
    result: { state: true },
    error: { state: true },
    loading: { state: true },
  };

  static override styles = [
    utilityStyles,
    css`
      :host {
        display: block;
      }
      .card {
        padding: var(--od-space-4) var(--od-space-5);
      }
      h2 {
        margin: 0 0 var(--od-space-3);
        font-size: var(--od-font-size);
        font-weight: 600;
      }
      .plot {
        position: relative;
        width: 100%;
      }
      .skeleton {
        border-radius: var(--od-radius);
        background: linear-gradient(90deg, var(--od-surface-muted) 0%, var(--od-surface) 50%, var(--od-surface-muted) 100%);
        background-size: 200% 100%;
        animation: shimmer 1.2s infinite linear;
      }
      @keyframes shimmer {
        from { background-position: 200% 0; }
        to { background-position: -200% 0; }
      }
      .state {
        display: flex;
        align-items: center;
        justify-content: center;
        color: var(--od-text-muted);
        text-align: center;
      }
      .state.error {
        color: var(--od-danger);
      }
      .note {
        margin: var(--od-space-2) 0 0;
        font-size: var(--od-font-size-sm);
        color: var(--od-text-muted);
      }
    `,
  ];

  /** App the chart belongs to. */
  appId = '';
  /** The client view of the chart. */
  chart: ClientChart | undefined;
  /** Selected row of each table and the other values `{{ }}` bindings in the chart's params read. */
  selections: Record<string, Record<string, unknown> | undefined> = {};
  bindings: BindingContext = {};
  /** Incremented by the page after an action, so the chart queries again. */
  refreshCount = 0;
  result: QueryResult | undefined;
  error: ApiError | undefined;
  loading = false;
  /** The Chart.js instance drawn last; tests read the data it was given. */
  chartInstance: Chart | undefined;
  /** Labels and series given to Chart.js, kept for tests and the accessible summary. */
  chartData: ChartData | undefined;

  #controller: AbortController | undefined;
  #lastRequestKey: string | undefined;
  #colorScheme = window.matchMedia('(prefers-color-scheme: dark)');
  #onSchemeChange = (): void => this.#draw();

  override connectedCallback(): void {
    super.connectedCallback();
    this.#colorScheme.addEventListener('change', this.#onSchemeChange);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#colorScheme.removeEventListener('change', this.#onSchemeChange);
    this.#controller?.abort();
    this.chartInstance?.destroy();
    this.chartInstance = undefined;
  }

  override willUpdate(): void {
    const chart = this.chart;
    if (!chart || chart.unavailable) return;
    const body = { params: resolveParams(chart.params, this.selections, this.bindings).values, page: { size: CHART_ROW_LIMIT, offset: 0 } };
    const requestKey = JSON.stringify([this.appId, chart.query, body, this.refreshCount]);
    if (requestKey === this.#lastRequestKey) return;
    this.#lastRequestKey = requestKey;
    void this.#load(body);
  }

  async #load(body: unknown): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.loading = true;
    this.error = undefined;
    try {
      const result = await apiPost<QueryResult>(`/api/apps/${segment(this.appId)}/queries/${segment(this.chart!.query)}`, body, { signal: controller.signal });
      if (controller.signal.aborted) return;
      this.result = result;
    } catch (error) {
      if (controller.signal.aborted) return;
      this.error = error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));
    }
    this.loading = false;
  }

  #state(): 'unavailable' | 'loading' | 'error' | 'empty' | 'ready' {
    if (this.chart?.unavailable) return 'unavailable';
    if (this.error) return 'error';
    if (this.loading || !this.result) return 'loading';
    if (this.result.rows.length === 0) return 'empty';
    return 'ready';
  }

  override updated(changed: PropertyValues): void {
    const state = this.#state();
    if (this.dataset.state !== state) this.dataset.state = state;
    if (state !== 'ready') {
      this.chartInstance?.destroy();
      this.chartInstance = undefined;
      delete this.dataset.painted;
      return;
    }
    if (changed.has('result') || changed.has('chart') || changed.has('loading')) this.#draw();
  }

  #theme(): ChartTheme {
    const style = getComputedStyle(this);
    const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
    return {
      text: read('--od-text', '#18181b'),
      muted: read('--od-text-muted', '#6b6b76'),
      grid: read('--od-border', '#e4e4e7'),
      surface: read('--od-surface', '#ffffff'),
      font: read('--od-font', 'system-ui, sans-serif'),
      palette: DEFAULT_PALETTE.map((fallback, index) => read(`--od-chart-${index + 1}`, fallback)),
    };
  }

  /** Builds the Chart.js configuration and draws it, then sets `data-painted` to the time the drawing finished. */
  #draw(): void {
    const chart = this.chart;
    const canvas = this.renderRoot.querySelector('canvas');
    if (!chart || !this.result || !canvas) return;
    const started = performance.now();
    this.chartData = buildChartData(chart, this.result.rows);
    // Set here, not in render(): the series names of a pivoted chart are known only once the rows are built.
    canvas.setAttribute('aria-label', this.#summary());
    this.chartInstance?.destroy();
    this.chartInstance = new Chart(canvas, chartConfiguration(chart, this.chartData, this.#theme()));
    // A user timing entry per draw, read by bench/ui.bench.mjs.
    performance.measure('od-chart-draw', { start: started, detail: chart.query });
    this.dataset.painted = String(performance.now());
    this.dispatchEvent(new CustomEvent('od-chart-painted', { bubbles: true, composed: true }));
  }

  #summary(): string {
    const chart = this.chart!;
    const names = this.chartData?.series.map((series) => humanize(series.label)).join(', ') ?? '';
    return `${chart.chartType} chart of ${names} by ${humanize(chart.x)}, ${this.result?.rows.length ?? 0} rows`;
  }

  override render() {
    const chart = this.chart;
    if (!chart) return nothing;
    const state = this.#state();
    const title = chart.title ?? humanize(chart.query);
    const height = `height: ${chart.height}px`;
    // The empty and unavailable notes need no room for axes.
    const noteHeight = `height: ${Math.min(chart.height, 120)}px`;
    let body;
    if (state === 'unavailable') {
      body = html`<div class="state" style=${noteHeight} data-testid="chart-unavailable">This chart needs columns that your role may not see.</div>`;
    } else if (state === 'loading') {
      body = html`<div class="skeleton" style=${height} data-testid="chart-skeleton" aria-hidden="true"></div>`;
    } else if (state === 'error') {
      body = html`<div class="state error" style=${height} role="alert">Could not load the chart: ${this.error!.message}</div>`;
    } else if (state === 'empty') {
      body = html`<div class="state" style=${noteHeight} data-testid="chart-empty">${chart.empty ?? 'No data to show.'}</div>`;
    } else {
      // NOTE: Chart.js legends and tooltips take no keyboard focus; keyboard and screen reader users get only the canvas label, not the values.
      body = html`<div class="plot" style=${height}><canvas role="img"></canvas></div>`;
    }
    const truncated = state === 'ready' && this.result!.total > this.result!.rows.length;
    return html`
      <section class="card" aria-label=${title}>
        <h2>${title}</h2>
        ${body}
        ${truncated ? html`<p class="note" data-testid="chart-truncated">Showing the first ${this.result!.rows.length} of ${this.result!.total} rows.</p>` : nothing}
        ${chart.hiddenSeries > 0 && !chart.unavailable
          ? html`<p class="note" data-testid="chart-hidden-series">${chart.hiddenSeries === 1 ? '1 series is' : `${chart.hiddenSeries} series are`} not shown because your role may not see ${chart.hiddenSeries === 1 ? 'it' : 'them'}.</p>`
          : nothing}
      </section>
    `;
  }
}

/** Builds the Chart.js configuration of one chart: no animation, nulls as gaps, value formats on the axis and in tooltips. */
function chartConfiguration(chart: ClientChart, data: ChartData, theme: ChartTheme): ChartConfiguration {
  const kind = chart.chartType;
  const format = (value: number, compact = false): string => formatValue(value, chart.yFormat, chart.currency, { compact });
  const color = (index: number): string => theme.palette[index % theme.palette.length];
  // Points would hide a dense line, so they are drawn only up to 60 labels.
  const linePointRadius = data.labels.length > 60 ? 0 : 2;
  const areaFill = (index: number): string => (chart.stacked && index > 0 ? '-1' : 'origin');
  const datasets = data.series.map((series, index) => {
    const label = chart.series === undefined ? humanize(series.label) : series.label;
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
  const grid = { color: theme.grid };
  const ticks = { color: theme.muted, font: { family: theme.font } };
  const scales =
    kind === 'pie'
      ? {}
      : {
          // NOTE: dates are category labels, evenly spaced whatever the gap between them.
          x: { type: kind === 'scatter' ? ('linear' as const) : ('category' as const), stacked: chart.stacked, grid, ticks },
          y: { type: 'linear' as const, stacked: chart.stacked, beginAtZero: kind === 'bar' || kind === 'area', grid, ticks: { ...ticks, callback: (value: string | number) => format(Number(value), true) } },
        };

  return {
    type: kind === 'area' ? 'line' : kind,
    data: { labels: kind === 'scatter' ? undefined : data.labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      color: theme.text,
      font: { family: theme.font },
      interaction: kind === 'pie' || kind === 'scatter' ? { mode: 'nearest', intersect: true } : { mode: 'index', intersect: false },
      plugins: {
        legend: { display: kind === 'pie' || datasets.length > 1, position: 'bottom', labels: { color: theme.text, boxWidth: 12, font: { family: theme.font } } },
        tooltip: { callbacks: { label: kind === 'pie' ? (item) => `${item.label}: ${format(Number(item.raw))}` : (valueLabel as never) } },
      },
      scales,
    },
  } as ChartConfiguration;
}

customElements.define('od-chart', ChartView);
