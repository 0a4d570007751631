// A table component: server-side paging, sorting and search, formatted cells,
// row selection shared with other tables, and row actions as buttons or a per-row menu.
import { LitElement, css, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { ApiError, apiPost, segment } from '../api.js';
import type { ClientAction, ClientColumn, ClientQuery, ClientRowAction, ClientTable, QueryResult, Row } from '../client-spec.js';
import { formatCell, humanize, toText, type CellView } from '../format.js';
import { matchesRowCondition } from '../row-conditions.js';
import { resolveParams } from '../template.js';
import { rowLabel } from './action-dialog.js';
import type { RowMenuItem, RowMenuSelectDetail } from './row-menu.js';
import './row-menu.js';
import { buttonStyles, inputStyles, utilityStyles } from './shared-styles.js';

/** Milliseconds between the last key stroke in the search box and the query. */
const SEARCH_DEBOUNCE_MS = 250;
const DEFAULT_PAGE_SIZE = 25;
const MAX_SKELETON_ROWS = 5;
/** Maximum number of row actions shown as inline buttons. A table with more gets one "Actions" menu per row. */
const MAX_INLINE_ROW_ACTIONS = 2;

type SortDirection = 'asc' | 'desc';

const SORT_NAMES: Record<SortDirection, { aria: 'ascending' | 'descending'; arrow: string }> = {
  asc: { aria: 'ascending', arrow: '↑' },
  desc: { aria: 'descending', arrow: '↓' },
};

/** Detail of `od-row-select`: the table's key on the page and its selected row, or null when cleared. */
export interface RowSelectDetail {
  tableKey: string;
  row: Row | null;
}

/** Detail of `od-row-action`: the action to run and its values taken from the row. */
export interface RowActionDetail {
  actionId: string;
  row: Row;
  prefill: Record<string, unknown>;
  /** Prefilled parameters without a title: they identify the row, so the form sends them without showing a field. */
  hiddenParams: string[];
}

/** Column objects for a table's column list, which may hold bare field names. */
export function normalizeColumns(columns: Array<string | ClientColumn>): ClientColumn[] {
  return columns.map((column) => (typeof column === 'string' ? { field: column } : column));
}

/** Row actions as objects, keeping only the actions the user may run. */
export function normalizeRowActions(
  rowActions: Array<string | ClientRowAction> | undefined,
  actions: Record<string, ClientAction>,
): ClientRowAction[] {
  return (rowActions ?? [])
    .map((entry) => (typeof entry === 'string' ? { action: entry } : entry))
    .filter((entry) => Object.hasOwn(actions, entry.action));
}

/**
 * Shows one query as a table. Fires `od-row-select` and `od-row-action` (both
 * bubble and are composed). The host's `data-state` attribute is `loading`,
 * `ready`, `empty`, `error` or `waiting` (a needed selection is missing).
 */
export class DataTable extends LitElement {
  static override properties = {
    appId: { type: String },
    table: { attribute: false },
    tableKey: { type: String },
    query: { attribute: false },
    actions: { attribute: false },
    selections: { attribute: false },
    tableTitles: { attribute: false },
    refreshCount: { type: Number },
    result: { state: true },
    loading: { state: true },
    error: { state: true },
    offset: { state: true },
    sort: { state: true },
    search: { state: true },
    searchInput: { state: true },
    selectedKey: { state: true },
  };

  static override styles = [
    buttonStyles,
    inputStyles,
    utilityStyles,
    css`
      :host {
        display: block;
      }
      .card {
        overflow: hidden;
      }
      .toolbar {
        display: flex;
        align-items: center;
        gap: var(--od-space-3);
        padding: var(--od-space-3) var(--od-space-4);
        border-bottom: 1px solid var(--od-border);
      }
      h2 {
        flex: 1;
        margin: 0;
        font-size: var(--od-font-size);
        font-weight: 600;
      }
      .search {
        position: relative;
        width: min(280px, 45%);
      }
      .search .input {
        padding-left: 30px;
        min-height: 30px;
        height: 30px;
      }
      .search svg {
        position: absolute;
        left: 9px;
        top: 8px;
        width: 14px;
        height: 14px;
        color: var(--od-text-subtle);
        pointer-events: none;
      }
      .scroll {
        overflow: auto;
        max-height: 70vh;
      }
      table {
        width: 100%;
        border-collapse: separate;
        border-spacing: 0;
        font-size: var(--od-font-size);
      }
      table[aria-busy='true'] tbody {
        opacity: 0.55;
        transition: opacity 0.15s 0.1s;
      }
      th {
        position: sticky;
        top: 0;
        z-index: 1;
        height: 34px;
        padding: 0 var(--od-space-3);
        border-bottom: 1px solid var(--od-border);
        background: var(--od-surface-muted);
        color: var(--od-text-muted);
        font-size: var(--od-font-size-xs);
        font-weight: 600;
        letter-spacing: 0.02em;
        text-align: left;
        text-transform: uppercase;
        white-space: nowrap;
      }
      th.numeric,
      td.numeric {
        text-align: right;
      }
      .sort {
        display: inline-flex;
        align-items: center;
        gap: var(--od-space-1);
        margin: 0 calc(-1 * var(--od-space-1));
        padding: 2px var(--od-space-1);
        border: 0;
        border-radius: var(--od-radius-sm);
        background: none;
        color: inherit;
        font: inherit;
        letter-spacing: inherit;
        text-transform: inherit;
        cursor: pointer;
      }
      th.numeric .sort {
        flex-direction: row-reverse;
      }
      .sort:hover {
        color: var(--od-text);
      }
      .sort:focus-visible {
        outline: none;
        box-shadow: var(--od-focus-ring);
      }
      .arrow {
        width: 10px;
        color: var(--od-accent);
      }
      td {
        height: var(--od-row-height);
        padding: 0 var(--od-space-3);
        border-bottom: 1px solid var(--od-border);
        vertical-align: middle;
        max-width: 200px;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      tbody tr:last-child td {
        border-bottom: 0;
      }
      tbody tr.data {
        cursor: pointer;
      }
      tbody tr.data:hover td {
        background: var(--od-surface-hover);
      }
      tbody tr.data:focus-visible {
        outline: none;
      }
      tbody tr.data:focus-visible td {
        box-shadow: inset 0 2px 0 -1px var(--od-accent), inset 0 -2px 0 -1px var(--od-accent);
      }
      tbody tr[aria-selected='true'] td {
        background: var(--od-selected);
      }
      tbody tr[aria-selected='true'] td:first-child {
        box-shadow: inset 3px 0 0 var(--od-accent);
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
      }
      .tone-success { background: var(--od-success-soft); color: var(--od-success); }
      .tone-danger { background: var(--od-danger-soft); color: var(--od-danger); }
      .tone-blue { background: #e6f0ff; color: #1d4ed8; }
      .tone-violet { background: #f1eafe; color: #6d28d9; }
      .tone-amber { background: #fdf3dc; color: #92400e; }
      .tone-teal { background: #dcf5f2; color: #0f766e; }
      .tone-pink { background: #fde8f1; color: #be185d; }
      .tone-grey { background: #eeeef1; color: #52525b; }
      /* The actions column sticks to the right edge, so a wide table never scrolls its buttons out of view. */
      td.actions,
      th.actions {
        position: sticky;
        right: 0;
        width: 1%;
        padding: 0 var(--od-space-2);
        text-align: right;
        box-shadow: inset 1px 0 0 var(--od-border);
      }
      td.actions {
        z-index: 1;
        max-width: none;
        overflow: visible;
        background: var(--od-surface);
      }
      th.actions {
        z-index: 2;
      }
      .action-buttons {
        display: inline-flex;
        gap: var(--od-space-1);
      }
      .skeleton td span {
        display: block;
        height: 10px;
        border-radius: 4px;
        background: linear-gradient(90deg, #ececef 0%, #f6f6f8 50%, #ececef 100%);
        background-size: 200% 100%;
        animation: shimmer 1.2s infinite linear;
      }
      @keyframes shimmer {
        from { background-position: 200% 0; }
        to { background-position: -200% 0; }
      }
      .state {
        padding: var(--od-space-6) var(--od-space-4);
        color: var(--od-text-muted);
        text-align: center;
      }
      .state.error {
        color: var(--od-danger);
      }
      .error-title {
        margin-bottom: var(--od-space-1);
        font-weight: 600;
      }
      .state .btn {
        margin-top: var(--od-space-3);
      }
      .footer {
        display: flex;
        align-items: center;
        justify-content: flex-end;
        gap: var(--od-space-3);
        padding: var(--od-space-2) var(--od-space-4);
        border-top: 1px solid var(--od-border);
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
      }
      .range {
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  /** App whose query this table runs. */
  appId = '';
  /** The table as the client view describes it. */
  table: ClientTable | undefined;
  /** Key of this table on its page: its `id`, or a generated one. */
  tableKey = '';
  /** The query's description from the client view, for its title. */
  query: ClientQuery | undefined;
  /** Actions the user may run, by id. */
  actions: Record<string, ClientAction> = {};
  /** Selected rows of the tables on the page, by table id. */
  selections: Record<string, Row | undefined> = {};
  /** Titles of the tables on the page, by table id, for the "Select a row in …" message. */
  tableTitles: Record<string, string> = {};
  /** Incremented by the page to make every table query again. */
  refreshCount = 0;
  /** Last result from the server. */
  result: QueryResult | undefined;
  /** Set while a query runs. */
  loading = false;
  /** Error of the last query. */
  error: ApiError | undefined;
  /** Index of the first row shown. */
  offset = 0;
  /** Current sort, or undefined for the query's own order. */
  sort: { field: string; dir: SortDirection } | undefined;
  /** Search text sent to the server. */
  search = '';
  /** Search text as typed, before the debounce. */
  searchInput = '';
  /** rowKey value (or row JSON) of the selected row. */
  selectedKey: string | undefined;

  #lastRequestKey: string | undefined;
  #lastParamsKey: string | undefined;
  #controller: AbortController | undefined;
  #searchTimer: number | undefined;
  #missing: string[] = [];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#controller?.abort();
    clearTimeout(this.#searchTimer);
  }

  get #pageSize(): number {
    return this.table?.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  get #columns(): ClientColumn[] {
    return normalizeColumns(this.table?.columns ?? []);
  }

  /** Title shown above the table: its own, else the query's, else the query id. */
  get heading(): string {
    return this.table?.title ?? this.query?.title ?? humanize(this.table?.query ?? '');
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (!this.table) return;
    const resolved = resolveParams(this.table.params, this.selections);
    this.#missing = resolved.missingSelections;

    const paramsKey = JSON.stringify([this.table.query, resolved.values]);
    if (this.#lastParamsKey !== undefined && paramsKey !== this.#lastParamsKey && this.offset !== 0 && !changed.has('offset')) {
      // Other rows entirely: go back to the first page.
      this.offset = 0;
    }
    this.#lastParamsKey = paramsKey;

    if (this.#missing.length > 0) {
      this.#controller?.abort();
      this.#lastRequestKey = undefined;
      this.result = undefined;
      this.error = undefined;
      this.loading = false;
      if (this.selectedKey !== undefined) this.#select(null);
      return;
    }

    const params: Record<string, unknown> = { ...resolved.values };
    if (this.table.search && this.search !== '') params[this.table.search] = this.search;
    const body = {
      params,
      ...(this.sort ? { sort: [this.sort] } : {}),
      page: { size: this.#pageSize, offset: this.offset },
    };
    const requestKey = JSON.stringify([this.appId, this.table.query, body, this.refreshCount]);
    if (requestKey !== this.#lastRequestKey) {
      this.#lastRequestKey = requestKey;
      void this.#load(body);
    }
  }

  override updated(): void {
    const state = this.#state();
    if (this.dataset.state !== state) this.dataset.state = state;
  }

  #state(): 'waiting' | 'loading' | 'error' | 'empty' | 'ready' {
    if (this.#missing.length > 0) return 'waiting';
    if (this.loading) return 'loading';
    if (this.error) return 'error';
    if (this.result && this.result.rows.length === 0) return 'empty';
    return 'ready';
  }

  async #load(body: unknown): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.loading = true;
    this.error = undefined;
    try {
      const result = await apiPost<QueryResult>(
        `/api/apps/${segment(this.appId)}/queries/${segment(this.table!.query)}`,
        body,
        { signal: controller.signal },
      );
      if (controller.signal.aborted) return;
      this.result = result;
      this.loading = false;
      this.#dropVanishedSelection(result.rows);
    } catch (error) {
      if (controller.signal.aborted) return;
      this.loading = false;
      this.error = error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));
    }
  }

  #dropVanishedSelection(rows: Row[]): void {
    if (this.selectedKey === undefined) return;
    if (!rows.some((row) => this.#keyOf(row) === this.selectedKey)) this.#select(null);
  }

  #keyOf(row: Row): string {
    const rowKey = this.table?.rowKey;
    return rowKey && Object.hasOwn(row, rowKey) ? `k:${toText(row[rowKey])}` : `j:${JSON.stringify(row)}`;
  }

  #select(row: Row | null): void {
    this.selectedKey = row ? this.#keyOf(row) : undefined;
    this.dispatchEvent(
      new CustomEvent<RowSelectDetail>('od-row-select', {
        detail: { tableKey: this.tableKey, row },
        bubbles: true,
        composed: true,
      }),
    );
  }

  /** Runs the query again with the current paging, sort and search. */
  reload(): void {
    this.#lastRequestKey = undefined;
    this.requestUpdate();
  }

  #onSearchInput(event: Event): void {
    this.searchInput = (event.target as HTMLInputElement).value;
    clearTimeout(this.#searchTimer);
    this.#searchTimer = window.setTimeout(() => {
      this.search = this.searchInput.trim();
      this.offset = 0;
    }, SEARCH_DEBOUNCE_MS);
  }

  #toggleSort(field: string): void {
    // Each click moves through ascending, descending and the query's own order.
    if (!this.sort || this.sort.field !== field) this.sort = { field, dir: 'asc' };
    else if (this.sort.dir === 'asc') this.sort = { field, dir: 'desc' };
    else this.sort = undefined;
    this.offset = 0;
  }

  #startAction(event: Event, rowAction: ClientRowAction, row: Row): void {
    event.stopPropagation();
    const action = this.actions[rowAction.action];
    if (!action) return;
    const prefill: Record<string, unknown> = {};
    const hiddenParams: string[] = [];
    const params = action.params ?? {};
    // Without a map (the server sends an empty one for a bare action id), a parameter takes the column of the same name.
    let map = rowAction.params ?? {};
    if (Object.keys(map).length === 0) {
      map = Object.fromEntries(Object.keys(params).filter((name) => Object.hasOwn(row, name)).map((name) => [name, name]));
    }
    for (const [param, column] of Object.entries(map)) {
      if (!Object.hasOwn(params, param) || !Object.hasOwn(row, column)) continue;
      prefill[param] = row[column];
      if (!params[param].title) hiddenParams.push(param);
    }
    this.dispatchEvent(
      new CustomEvent<RowActionDetail>('od-row-action', {
        detail: { actionId: rowAction.action, row, prefill, hiddenParams },
        bubbles: true,
        composed: true,
      }),
    );
  }

  #onRowKey(event: KeyboardEvent, row: Row): void {
    if (event.target !== event.currentTarget) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.#select(row);
    }
  }

  override render() {
    if (!this.table) return nothing;
    return html`
      <section class="card" aria-labelledby="table-title">
        <div class="toolbar">
          <h2 id="table-title">${this.heading}</h2>
          ${this.table.search ? this.#renderSearch() : nothing}
        </div>
        ${this.#renderBody()}
      </section>
    `;
  }

  #renderSearch() {
    return html`
      <div class="search">
        <svg viewBox="0 0 16 16" fill="none" stroke="currentColor" stroke-width="1.6" aria-hidden="true">
          <circle cx="7" cy="7" r="4.75"></circle>
          <path d="M10.5 10.5L14 14" stroke-linecap="round"></path>
        </svg>
        <input
          class="input"
          type="search"
          data-testid="search"
          placeholder="Search"
          aria-label="Search ${this.heading}"
          .value=${this.searchInput}
          @input=${this.#onSearchInput}
        />
      </div>
    `;
  }

  #renderBody() {
    if (this.#missing.length > 0) {
      const titles = this.#missing.map((id) => this.tableTitles[id] ?? humanize(id));
      return html`<div class="state" data-testid="needs-selection">Select a row in ${titles.join(' and ')} to see this.</div>`;
    }
    if (this.error) {
      return html`
        <div class="state error" role="alert" data-testid="table-error" data-code=${this.error.code}>
          ${errorHeading(this.error) ? html`<div class="error-title">${errorHeading(this.error)}</div>` : nothing}
          <div>${this.error.message}</div>
          <button class="btn small" type="button" data-testid="retry" @click=${() => this.reload()}>Retry</button>
        </div>
      `;
    }
    const columns = this.#columns;
    const rowActions = normalizeRowActions(this.table!.rowActions, this.actions);
    const rows = this.result?.rows ?? [];
    const showSkeleton = this.loading && !this.result;
    if (!showSkeleton && this.result && rows.length === 0) {
      return html`<div class="state" data-testid="empty">${this.table!.empty ?? 'No rows'}</div>`;
    }
    const numeric = new Set(columns.filter((c) => c.format === 'number' || c.format === 'currency').map((c) => c.field));
    return html`
      <div class="scroll">
        <table aria-labelledby="table-title" aria-busy=${this.loading ? 'true' : 'false'}>
          <thead>
            <tr>
              ${columns.map((column) => this.#renderHeader(column, numeric.has(column.field)))}
              ${rowActions.length > 0 ? html`<th scope="col" class="actions"><span class="visually-hidden">Actions</span></th>` : nothing}
            </tr>
          </thead>
          <tbody>
            ${showSkeleton
              ? this.#renderSkeleton(columns.length + (rowActions.length > 0 ? 1 : 0))
              : repeat(
                  rows,
                  (row) => this.#keyOf(row),
                  (row) => this.#renderRow(row, columns, numeric, rowActions),
                )}
          </tbody>
        </table>
      </div>
      ${this.#renderFooter()}
    `;
  }

  #renderHeader(column: ClientColumn, numeric: boolean) {
    const label = column.label ?? humanize(column.field);
    const direction = this.sort?.field === column.field ? this.sort.dir : undefined;
    const ariaSort = direction === undefined ? 'none' : SORT_NAMES[direction].aria;
    const arrow = direction === undefined ? '' : SORT_NAMES[direction].arrow;
    if (column.masked) {
      return html`<th scope="col" class="masked" data-field=${column.field} title="Masked for your role">${label}</th>`;
    }
    return html`
      <th scope="col" class=${numeric ? 'numeric' : ''} aria-sort=${ariaSort} data-field=${column.field}>
        <button class="sort" type="button" @click=${() => this.#toggleSort(column.field)}>
          ${label}<span class="arrow" aria-hidden="true">${arrow}</span>
        </button>
      </th>
    `;
  }

  #renderSkeleton(columnCount: number) {
    const count = Math.min(this.#pageSize, MAX_SKELETON_ROWS);
    return Array.from(
      { length: count },
      (_, index) => html`
        <tr class="skeleton" data-testid="skeleton-row" aria-hidden="true">
          ${Array.from({ length: columnCount }, (_, column) => html`<td><span style="width: ${45 + ((index * 7 + column * 13) % 45)}%"></span></td>`)}
        </tr>
      `,
    );
  }

  #renderRow(row: Row, columns: ClientColumn[], numeric: Set<string>, rowActions: ClientRowAction[]) {
    const selected = this.selectedKey !== undefined && this.#keyOf(row) === this.selectedKey;
    return html`
      <tr
        class="data"
        data-testid="row"
        tabindex="0"
        aria-selected=${selected ? 'true' : 'false'}
        @click=${() => this.#select(row)}
        @keydown=${(event: KeyboardEvent) => this.#onRowKey(event, row)}
      >
        ${columns.map((column) => {
          const cell = formatCell(row[column.field], column);
          // The full text shows on hover, because long cells are cut off with an ellipsis.
          const title = cell.kind === 'null' ? nothing : cell.text;
          return html`<td class=${numeric.has(column.field) ? 'numeric' : ''} data-field=${column.field} title=${title}>${renderCell(cell)}</td>`;
        })}
        ${rowActions.length > 0 ? html`<td class="actions">${this.#renderRowActions(row, rowActions)}</td>` : nothing}
      </tr>
    `;
  }

  #renderRowActions(row: Row, tableActions: ClientRowAction[]) {
    const rowActions = tableActions.filter((rowAction) => matchesRowCondition(row, rowAction.when));
    // Menu or buttons is decided by the table's actions, not the row's, so the column keeps one shape on every row.
    if (tableActions.length > MAX_INLINE_ROW_ACTIONS) {
      if (rowActions.length === 0) return nothing;
      const items: RowMenuItem[] = rowActions.map((rowAction) => {
        const action = this.actions[rowAction.action];
        return { id: rowAction.action, title: action.title, danger: action.style === 'danger' };
      });
      const subject = rowLabel(row);
      const onSelect = (event: CustomEvent<RowMenuSelectDetail>) => {
        const rowAction = rowActions.find((entry) => entry.action === event.detail.id);
        if (rowAction) this.#startAction(event, rowAction, row);
      };
      // The menu's clicks stop here, so opening it or choosing an item does not also select the row.
      return html`<od-row-menu
        .items=${items}
        label=${subject ? `Actions for ${subject}` : 'Row actions'}
        @click=${(event: Event) => event.stopPropagation()}
        @od-menu-select=${onSelect}
      ></od-row-menu>`;
    }
    return html`<span class="action-buttons">
      ${rowActions.map((rowAction) => {
        const action = this.actions[rowAction.action];
        return html`<button
          class="btn small ${action.style === 'danger' ? 'danger' : action.style === 'primary' ? 'primary' : ''}"
          type="button"
          data-action=${rowAction.action}
          @click=${(event: Event) => this.#startAction(event, rowAction, row)}
        >
          ${action.title}
        </button>`;
      })}
    </span>`;
  }

  #renderFooter() {
    const result = this.result;
    if (!result) return nothing;
    const total = result.total;
    const first = total === 0 ? 0 : this.offset + 1;
    const last = Math.min(this.offset + result.rows.length, total);
    return html`
      <div class="footer">
        <span class="range" data-testid="range">${first}–${last} of ${new Intl.NumberFormat().format(total)}</span>
        <button
          class="btn small"
          type="button"
          data-testid="previous"
          aria-label="Previous page"
          ?disabled=${this.offset === 0 || this.loading}
          @click=${() => (this.offset = Math.max(0, this.offset - this.#pageSize))}
        >
          ‹ Previous
        </button>
        <button
          class="btn small"
          type="button"
          data-testid="next"
          aria-label="Next page"
          ?disabled=${this.offset + this.#pageSize >= total || this.loading}
          @click=${() => (this.offset = this.offset + this.#pageSize)}
        >
          Next ›
        </button>
      </div>
    `;
  }
}

/** A heading for errors that the user cannot fix by changing the request; the server's message says the rest. */
function errorHeading(error: ApiError): string {
  if (error.code === 'app_unavailable') return 'App unavailable';
  if (error.code === 'statement_timeout') return 'The query timed out';
  return '';
}

/** Renders a formatted cell; every value goes through a text binding. */
function renderCell(cell: CellView) {
  switch (cell.kind) {
    case 'null':
      return html`<span class="null" title="No value">—</span>`;
    case 'link':
      return html`<a href=${cell.href} target=${cell.href.startsWith('mailto:') ? nothing : '_blank'} rel="noopener noreferrer">${cell.text}</a>`;
    case 'badge':
      return html`<span class="badge tone-${cell.tone}">${cell.text}</span>`;
    default:
      return cell.text;
  }
}

customElements.define('od-data-table', DataTable);
