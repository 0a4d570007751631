// The `detail` component: the fields of one record, read through the query
// endpoint with parameters that usually follow a table's selected row.
import { LitElement, css, html, nothing } from 'lit';
import { ApiError, apiPost, segment } from '../api.js';
import type { ClientDetail, QueryResult, Row } from '../client-spec.js';
import { formatCell, humanize, type CellView } from '../format.js';
import { resolveParams, type BindingContext } from '../template.js';
import { utilityStyles } from './shared-styles.js';

/**
 * Shows the first row of a query as labelled fields. The host's `data-state`
 * is `waiting` (a needed selection is missing), `loading`, `ready`, `empty` or `error`.
 */
export class DetailView extends LitElement {
  static override properties = {
    appId: { type: String },
    detail: { attribute: false },
    selections: { attribute: false },
    bindings: { attribute: false },
    tableTitles: { attribute: false },
    refreshCount: { type: Number },
    row: { state: true },
    loading: { state: true },
    error: { state: true },
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
      dl {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
        gap: var(--od-space-3) var(--od-space-5);
        margin: 0;
      }
      dt {
        color: var(--od-text-muted);
        font-size: var(--od-font-size-xs);
        font-weight: 600;
        text-transform: uppercase;
        letter-spacing: 0.03em;
      }
      dd {
        margin: 2px 0 0;
        overflow-wrap: anywhere;
      }
      .state {
        color: var(--od-text-muted);
      }
      .error {
        color: var(--od-danger);
      }
      .null {
        color: var(--od-text-subtle);
      }
      .badge {
        display: inline-block;
        padding: 1px var(--od-space-2);
        border-radius: 999px;
        font-size: var(--od-font-size-xs);
        font-weight: 600;
        line-height: 18px;
        background: var(--od-tone-grey-bg);
        color: var(--od-tone-grey-text);
      }
      .badge.tone-success { background: var(--od-success-soft); color: var(--od-success); }
      .badge.tone-danger { background: var(--od-danger-soft); color: var(--od-danger); }
      .skeleton {
        display: block;
        height: 12px;
        width: 60%;
        margin-top: 4px;
        border-radius: var(--od-radius-sm);
        background: var(--od-surface-muted);
      }
    `,
  ];

  appId = '';
  detail: ClientDetail | undefined;
  /** Selected rows of the page's tables, by table key. */
  selections: Record<string, Row | undefined> = {};
  /** Values `{{ }}` bindings in params read besides selected rows: filter bars and the URL. */
  bindings: BindingContext = {};
  /** Titles of the page's tables, for the "Select a row in …" message. */
  tableTitles: Record<string, string> = {};
  /** Incremented by the page after an action, so the record is read again. */
  refreshCount = 0;
  row: Row | undefined;
  loading = false;
  error: ApiError | undefined;

  #missing: string[] = [];
  #requestKey: string | undefined;
  #controller: AbortController | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#controller?.abort();
  }

  override willUpdate(): void {
    if (!this.detail) return;
    const resolved = resolveParams(this.detail.params, this.selections, this.bindings);
    this.#missing = resolved.missingSelections;
    if (this.#missing.length > 0) {
      this.#controller?.abort();
      this.#requestKey = undefined;
      this.row = undefined;
      this.error = undefined;
      this.loading = false;
      return;
    }
    const body = { params: resolved.values, page: { size: 1, offset: 0 } };
    const key = JSON.stringify([this.appId, this.detail.query, body, this.refreshCount]);
    if (key === this.#requestKey) return;
    this.#requestKey = key;
    void this.#load(body);
  }

  override updated(): void {
    const state = this.#state();
    if (this.dataset.state !== state) this.dataset.state = state;
  }

  #state(): 'waiting' | 'loading' | 'error' | 'ready' | 'empty' {
    if (this.#missing.length > 0) return 'waiting';
    if (this.loading) return 'loading';
    if (this.error) return 'error';
    return this.row ? 'ready' : 'empty';
  }

  async #load(body: unknown): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.loading = true;
    this.error = undefined;
    try {
      const result = await apiPost<QueryResult>(`/api/apps/${segment(this.appId)}/queries/${segment(this.detail!.query)}`, body, { signal: controller.signal });
      if (controller.signal.aborted) return;
      this.row = result.rows[0];
    } catch (error) {
      if (controller.signal.aborted) return;
      this.row = undefined;
      this.error = error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));
    }
    this.loading = false;
  }

  override render() {
    const detail = this.detail;
    if (!detail) return nothing;
    return html`
      <section class="card" aria-labelledby="detail-title" aria-busy=${this.loading ? 'true' : 'false'}>
        <h2 id="detail-title">${detail.title ?? humanize(detail.query)}</h2>
        ${this.#renderBody(detail)}
      </section>
    `;
  }

  #renderBody(detail: ClientDetail) {
    if (this.#missing.length > 0) {
      const titles = this.#missing.map((id) => this.tableTitles[id] ?? humanize(id));
      return html`<p class="state" data-testid="detail-empty">${detail.empty ?? `Select a row in ${titles.join(' and ')} to see its details.`}</p>`;
    }
    if (this.error) return html`<p class="state error" role="alert" data-testid="detail-error">${this.error.message}</p>`;
    if (!this.row && !this.loading) return html`<p class="state" data-testid="detail-empty">${detail.empty ?? 'No record found.'}</p>`;
    return html`
      <dl>
        ${detail.fields.map((field) => html`
          <div data-field=${field.field}>
            <dt>${field.label ?? humanize(field.field)}</dt>
            <dd>${this.row ? renderValue(formatCell(this.row[field.field], field)) : html`<span class="skeleton" aria-hidden="true"></span>`}</dd>
          </div>
        `)}
      </dl>
    `;
  }
}

/** Renders a formatted value as text, a link or a badge; never as HTML. */
function renderValue(cell: CellView) {
  switch (cell.kind) {
    case 'null':
      return html`<span class="null" title="No value">—</span>`;
    case 'link':
      return html`<a href=${cell.href} target=${cell.href.startsWith('mailto:') ? nothing : '_blank'} rel="noopener noreferrer">${cell.text}</a>`;
    case 'badge':
      return html`<span class="badge tone-${cell.tone}">${cell.text}</span>`;
    case 'json':
      return cell.summary;
    default:
      return 'text' in cell ? cell.text : '';
  }
}

customElements.define('od-detail', DetailView);
