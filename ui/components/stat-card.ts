// A single number from the first row of a query, with the change from a
// previous value (a column of the same row or of another query's first row).
// Its params may hold `{{ }}` bindings, and it queries again when they change.
import { LitElement, css, html, nothing } from 'lit';
import { ApiError, apiPost, segment } from '../api.js';
import { formatValue, statChange, toChartNumber, type StatChange } from '../chart-data.js';
import type { ClientStat, QueryResult, Row } from '../client-spec.js';
import { humanize } from '../format.js';
import { resolveParams, type BindingContext } from '../template.js';
import { utilityStyles } from './shared-styles.js';

/** Arrow shown before the change, by direction. */
const ARROWS = { up: '▲', down: '▼', flat: '▬' } as const;

/** The stat's number and its previous value; null when the query returned no row or no number. */
interface StatValues {
  current: number | null;
  previous: number | null;
}

/**
 * Renders one `stat:` component. The host's `data-state` attribute is
 * `loading`, `ready`, `error`, `unavailable` or `waiting` (a selection its params need is missing).
 */
export class StatCard extends LitElement {
  static override properties = {
    appId: { type: String },
    stat: { attribute: false },
    selections: { attribute: false },
    bindings: { attribute: false },
    refreshCount: { type: Number },
    values: { state: true },
    error: { state: true },
  };

  static override styles = [
    utilityStyles,
    css`
      :host {
        display: block;
        min-width: 180px;
        max-width: 360px;
      }
      .card {
        padding: var(--od-space-4) var(--od-space-5);
        height: 100%;
      }
      .label {
        margin: 0;
        font-size: var(--od-font-size-sm);
        font-weight: 500;
        color: var(--od-text-muted);
      }
      .value {
        margin: var(--od-space-1) 0 0;
        font-size: 28px;
        font-weight: 600;
        line-height: 1.2;
        font-variant-numeric: tabular-nums;
      }
      .change {
        margin: var(--od-space-1) 0 0;
        font-size: var(--od-font-size-sm);
        color: var(--od-text-muted);
      }
      .change .delta {
        font-weight: 600;
      }
      .change.good .delta {
        color: var(--od-success);
      }
      .change.bad .delta {
        color: var(--od-danger);
      }
      .skeleton {
        display: block;
        height: 34px;
        width: 60%;
        margin-top: var(--od-space-1);
        border-radius: var(--od-radius);
        background: linear-gradient(90deg, var(--od-surface-muted) 0%, var(--od-surface) 50%, var(--od-surface-muted) 100%);
        background-size: 200% 100%;
        animation: shimmer 1.2s infinite linear;
      }
      @keyframes shimmer {
        from { background-position: 200% 0; }
        to { background-position: -200% 0; }
      }
      .error {
        color: var(--od-danger);
      }
    `,
  ];

  /** App the stat belongs to. */
  appId = '';
  /** The client view of the stat. */
  stat: ClientStat | undefined;
  /** Selected rows of the tables on the page, by table id, for `{{ <tableId>.selected.<column> }}` in params. */
  selections: Record<string, Row | undefined> = {};
  /** Values bindings in params read besides selected rows. */
  bindings: BindingContext = {};
  /** Incremented by the page after an action, so the stat queries again. */
  refreshCount = 0;
  values: StatValues | undefined;
  error: ApiError | undefined;

  #controller: AbortController | undefined;
  #lastRequestKey: string | undefined;
  /** Tables whose selection the params need but which have none. */
  #missing: string[] = [];

  override willUpdate(): void {
    const stat = this.stat;
    if (!stat || stat.unavailable) return;
    const own = resolveParams(stat.params, this.selections, this.bindings);
    const compare = stat.compare?.query === undefined ? undefined : resolveParams(stat.compare.params, this.selections, this.bindings);
    this.#missing = [...new Set([...own.missingSelections, ...(compare?.missingSelections ?? [])])];
    if (this.#missing.length > 0) {
      this.#controller?.abort();
      this.#lastRequestKey = undefined;
      this.values = undefined;
      this.error = undefined;
      return;
    }
    const requestKey = JSON.stringify([this.appId, stat, own.values, compare?.values, this.refreshCount]);
    if (requestKey === this.#lastRequestKey) return;
    this.#lastRequestKey = requestKey;
    void this.#load(stat, own.values, compare?.values ?? {});
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#controller?.abort();
  }

  async #firstRow(query: string, params: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown> | undefined> {
    const result = await apiPost<QueryResult>(`/api/apps/${segment(this.appId)}/queries/${segment(query)}`, { params, page: { size: 1, offset: 0 } }, { signal });
    return result.rows[0];
  }

  async #load(stat: ClientStat, params: Record<string, unknown>, compareParams: Record<string, unknown>): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.values = undefined;
    this.error = undefined;
    try {
      const compare = stat.compare;
      const [row, compareRow] = await Promise.all([
        this.#firstRow(stat.query, params, controller.signal),
        compare?.query === undefined ? Promise.resolve(undefined) : this.#firstRow(compare.query, compareParams, controller.signal),
      ]);
      if (controller.signal.aborted) return;
      const previousRow = compare?.query === undefined ? row : compareRow;
      this.values = {
        current: toChartNumber(row?.[stat.value]),
        previous: compare === undefined ? null : toChartNumber(previousRow?.[compare.column]),
      };
    } catch (error) {
      if (controller.signal.aborted) return;
      this.error = error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));
    }
  }

  override updated(): void {
    let state = 'loading';
    if (this.stat?.unavailable) state = 'unavailable';
    else if (this.#missing.length > 0) state = 'waiting';
    else if (this.error) state = 'error';
    else if (this.values) state = 'ready';
    if (this.dataset.state !== state) this.dataset.state = state;
  }

  #format(value: number): string {
    return formatValue(value, this.stat!.format, this.stat!.currency);
  }

  #renderChange(change: StatChange) {
    const stat = this.stat!;
    let tone = '';
    if (change.direction !== 'flat') tone = change.direction === stat.goodWhen ? 'good' : 'bad';
    const arrow = ARROWS[change.direction];
    const amount = change.ratio !== undefined ? formatValue(Math.abs(change.ratio), 'percent') : this.#format(Math.abs(change.difference));
    const words = change.direction === 'flat' ? 'unchanged' : `${change.direction} ${amount}`;
    const against = stat.compare?.label ?? 'vs previous';
    return html`<p class="change ${tone}" data-testid="stat-change" data-direction=${change.direction} data-tone=${tone || 'neutral'}>
      <span class="delta"><span aria-hidden="true">${arrow}</span> <span class="visually-hidden">${words}</span><span aria-hidden="true">${change.direction === 'flat' ? '0' : amount}</span></span>
      ${against}
    </p>`;
  }

  override render() {
    const stat = this.stat;
    if (!stat) return nothing;
    const label = stat.label ?? humanize(stat.value);
    let body;
    if (stat.unavailable) {
      body = html`<p class="value muted" data-testid="stat-value">—</p><p class="change">Your role may not see this value.</p>`;
    } else if (this.#missing.length > 0) {
      body = html`<p class="value muted" data-testid="stat-value">—</p><p class="change">Select a row to see this value.</p>`;
    } else if (this.error) {
      body = html`<p class="change error" role="alert">Could not load: ${this.error.message}</p>`;
    } else if (!this.values) {
      body = html`<span class="skeleton" data-testid="stat-skeleton" aria-hidden="true"></span>`;
    } else {
      const { current, previous } = this.values;
      const change = statChange(current, previous);
      body = html`
        <p class="value" data-testid="stat-value">${current === null ? '—' : this.#format(current)}</p>
        ${change ? this.#renderChange(change) : nothing}
      `;
    }
    return html`<section class="card" role="group" aria-label=${label}><p class="label">${label}</p>${body}</section>`;
  }
}

customElements.define('od-stat', StatCard);
