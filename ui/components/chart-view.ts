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
  LineController,
  LineElement,
  LinearScale,
  PieController,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import { ApiError, apiPost, segment } from '../api.js';
import { buildChartData, type ChartData } from '../chart-data.js';
import { chartValues, seriesName } from '../chart-values.js';
import type { ClientChart, QueryResult } from '../client-spec.js';
import { humanize } from '../format.js';
import { resolveParams, type BindingContext } from '../template.js';
import { chartConfiguration, readChartTheme } from './chart-config.js';
import { chartLegendStyles, renderLegend, renderValues, type LegendEntry } from './chart-legend.js';
import { utilityStyles } from './shared-styles.js';

// Only the parts of Chart.js the five chart types use, so esbuild leaves the rest out of the bundle.
// The legend is drawn in HTML by this element, so the Legend plugin is not registered.
Chart.register(LineController, BarController, PieController, ScatterController, LineElement, BarElement, ArcElement, PointElement, LinearScale, CategoryScale, Tooltip, Filler);

/** Rows a chart reads: the query endpoint's largest page. */
export const CHART_ROW_LIMIT = 500;

let nextTableId = 1;

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
    hiddenEntries: { state: true },
    valuesOpen: { state: true },
  };

  static override styles = [
    utilityStyles,
    chartLegendStyles,
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
  /** Labels and series given to Chart.js, kept for the legend, the table of values and the accessible summary. */
  chartData: ChartData | undefined;
  /** Indexes of the series (or pie slices) the user hid with the legend, cleared when new rows arrive. */
  hiddenEntries: ReadonlySet<number> = new Set();
  /** Set while the table of values is open. */
  valuesOpen = false;

  #controller: AbortController | undefined;
  #lastRequestKey: string | undefined;
  #colorScheme = window.matchMedia('(prefers-color-scheme: dark)');
  #onSchemeChange = (): void => this.#draw();
  readonly #tableId = `chart-values-${nextTableId++}`;
  /** Time the series were last built, so the next draw's timing entry includes that work. */
  #buildStarted: number | undefined;

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

  override willUpdate(changed: PropertyValues): void {
    const chart = this.chart;
    if (!chart || chart.unavailable) return;
    if ((changed.has('result') || changed.has('chart')) && this.result) {
      this.#buildStarted = performance.now();
      // Built before render(), because the legend and the table of values show the series too.
      const before = this.#legendEntries().map((entry) => entry.name);
      this.chartData = buildChartData(chart, this.result.rows);
      // A refresh that keeps the same legend keeps what the user hid. New series or slices start all visible.
      const after = this.#legendEntries().map((entry) => entry.name);
      if (before.join('\u0000') !== after.join('\u0000')) this.hiddenEntries = new Set();
    }
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
      this.#buildStarted = undefined;
      delete this.dataset.painted;
      return;
    }
    if (changed.has('result') || changed.has('chart') || changed.has('loading')) this.#draw();
  }

  /** Builds the Chart.js configuration and draws it, then sets `data-painted` to the time the drawing finished. */
  #draw(): void {
    const chart = this.chart;
    const canvas = this.renderRoot.querySelector('canvas');
    const data = this.chartData;
    if (!chart || !data || !canvas) return;
    const started = this.#buildStarted ?? performance.now();
    this.#buildStarted = undefined;
    canvas.setAttribute('aria-label', this.#summary());
    this.chartInstance?.destroy();
    // The theme is read on every draw, so a redraw after a colour scheme change picks up the new tokens.
    const instance = new Chart(canvas, chartConfiguration(chart, data, readChartTheme(this)));
    this.chartInstance = instance;
    if (this.hiddenEntries.size > 0) {
      for (const index of this.hiddenEntries) this.#setVisible(instance, index, false);
      instance.update();
    }
    // A user timing entry per draw, read by bench/ui.bench.mjs.
    performance.measure('od-chart-draw', { start: started, detail: chart.query });
    this.dataset.painted = String(performance.now());
    this.dispatchEvent(new CustomEvent('od-chart-painted', { bubbles: true, composed: true }));
  }

  #setVisible(instance: Chart, index: number, visible: boolean): void {
    if (this.chart?.chartType === 'pie') {
      if (instance.getDataVisibility(index) !== visible) instance.toggleDataVisibility(index);
    } else {
      instance.setDatasetVisibility(index, visible);
    }
  }

  /** Shows or hides one legend entry in the chart and in the table of values. */
  #toggleEntry(index: number): void {
    const hidden = new Set(this.hiddenEntries);
    if (hidden.has(index)) hidden.delete(index);
    else hidden.add(index);
    this.hiddenEntries = hidden;
    if (this.chartInstance) {
      this.#setVisible(this.chartInstance, index, !hidden.has(index));
      this.chartInstance.update();
    }
  }

  /** Legend buttons: one per slice of a pie, one per series when there are several, none for a single series. */
  #legendEntries(): LegendEntry[] {
    const chart = this.chart!;
    const data = this.chartData;
    if (!data) return [];
    if (chart.chartType === 'pie') return data.labels.map((name, index) => ({ name, index, visible: !this.hiddenEntries.has(index) }));
    if (data.series.length < 2) return [];
    return data.series.map((series, index) => ({ name: seriesName(chart, series), index, visible: !this.hiddenEntries.has(index) }));
  }

  #summary(): string {
    const chart = this.chart!;
    const names = this.chartData?.series.map((series) => seriesName(chart, series)).join(', ') ?? '';
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
      // Chart.js tooltips take no keyboard focus, so the legend buttons and the table of values give keyboard and screen reader users the same facts.
      const entries = this.#legendEntries();
      body = html`<div class="plot" style=${height}><canvas role="img"></canvas></div>
        ${entries.length > 0 ? renderLegend(entries, (index) => this.#toggleEntry(index)) : nothing}
        ${renderValues(this.valuesOpen && this.chartData ? chartValues(chart, this.chartData, this.hiddenEntries) : undefined, title, this.#tableId, this.valuesOpen, () => {
          this.valuesOpen = !this.valuesOpen;
        })}`;
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

customElements.define('od-chart', ChartView);
