// A table component: server-side paging, sorting and search, formatted cells,
// operator-chosen columns, single or multiple row selection shared with other
// components, bulk actions, and row actions as buttons or a per-row menu.
import { LitElement, css, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { ApiError, apiPost, segment } from '../api.js';
import { missingBulkParams, paramsFromRow, runBulk } from '../bulk-run.js';
import { parseRoute } from '../router.js';
import { applyLayout, layoutStorageKey, loadLayout, saveLayout, type ColumnLayout } from './column-menu.js';
import './column-menu.js';
import { showToast } from './toast-stack.js';
import type { ClientAction, ClientColumn, ClientQuery, ClientRowAction, ClientTable, QueryResult, Row } from '../client-spec.js';
import { formatCell, humanize, toText, type CellView } from '../format.js';
import { matchesRowCondition } from '../row-conditions.js';
import { resolveParams, type BindingContext } from '../template.js';
import { rowLabel } from './action-dialog.js';
import { bulkConfirmLines } from './bulk-confirm.js';
import './bulk-confirm.js';
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

/**
 * Detail of `od-row-select`: the table's key on the page and its selected row,
 * or null when cleared. With `selection: multiple`, `rows` lists every
 * selected row and `row` is the one selected last.
 */
export interface RowSelectDetail {
  tableKey: string;
  row: Row | null;
  rows?: Row[];
}

/** Detail of `od-rows-load`: the rows of the page the table shows, each time its query returns. */
export interface RowsLoadDetail {
  tableKey: string;
  rows: Row[];
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
    pageId: { type: String },
    table: { attribute: false },
    tableKey: { type: String },
    query: { attribute: false },
    actions: { attribute: false },
    selections: { attribute: false },
    bindings: { attribute: false },
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
    checked: { state: true },
    focusKey: { state: true },
    layout: { state: true },
    bulk: { state: true },
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
      .tone-blue { background: var(--od-tone-blue-bg); color: var(--od-tone-blue-text); }
      .tone-violet { background: var(--od-tone-violet-bg); color: var(--od-tone-violet-text); }
      .tone-amber { background: var(--od-tone-amber-bg); color: var(--od-tone-amber-text); }
      .tone-teal { background: var(--od-tone-teal-bg); color: var(--od-tone-teal-text); }
      .tone-pink { background: var(--od-tone-pink-bg); color: var(--od-tone-pink-text); }
      .tone-grey { background: var(--od-tone-grey-bg); color: var(--od-tone-grey-text); }
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
        background: linear-gradient(90deg, var(--od-skeleton) 0%, var(--od-skeleton-highlight) 50%, var(--od-skeleton) 100%);
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
      th.check,
      td.check {
        width: 1%;
        padding: 0 0 0 var(--od-space-3);
      }
      .check input {
        margin: 0;
        vertical-align: middle;
      }
      .bulk {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: var(--od-space-2);
        padding: var(--od-space-2) var(--od-space-4);
        border-bottom: 1px solid var(--od-border);
        background: var(--od-selected);
        font-size: var(--od-font-size-sm);
      }
      .bulk .count {
        margin-right: auto;
        font-weight: 600;
      }
      .null-marker {
        color: var(--od-text-subtle);
      }
      details.json:not([open]) {
        max-width: 180px;
      }
      details.json summary {
        overflow: hidden;
        cursor: pointer;
        font-family: var(--od-font-mono, ui-monospace, monospace);
        font-size: var(--od-font-size-xs);
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      details.json[open] pre {
        margin: var(--od-space-1) 0;
        padding: var(--od-space-2);
        max-height: 240px;
        overflow: auto;
        border-radius: var(--od-radius-sm);
        background: var(--od-surface-muted);
        font-size: var(--od-font-size-xs);
        white-space: pre;
      }
      td.has-json {
        max-width: 240px;
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
  /** Values `{{ }}` bindings in params read besides selected rows: filter bars and the URL. */
  bindings: BindingContext = {};
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
  /** Page whose table this is, for the stored column layout; read from the location when unset. */
  pageId = '';
  /** Rows ticked in `multiple` selection, by key, across pages, in the order they were ticked. */
  checked: Map<string, Row> = new Map();
  /** Key of the row that takes Tab focus (roving tabindex). */
  focusKey: string | undefined;
  /** The operator's column layout, from localStorage. */
  layout: ColumnLayout | undefined;
  /** A bulk action waiting for confirmation, or running with its progress. */
  bulk: { actionId: string; running: boolean; done: number; total: number } | undefined;

  #lastRequestKey: string | undefined;
  #lastParamsKey: string | undefined;
  #controller: AbortController | undefined;
  #searchTimer: number | undefined;
  #missing: string[] = [];
  #layoutKey: string | undefined;
  /** Cursor of the page at each offset, from `page.next` of the page before it, for the current sort, search and params. */
  #cursors = new Map<number, string>();

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#controller?.abort();
    clearTimeout(this.#searchTimer);
  }

  get #pageSize(): number {
    return this.table?.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  /** Every column of the spec, in the operator's order. */
  get #orderedColumns(): ClientColumn[] {
    return applyLayout(normalizeColumns(this.table?.columns ?? []), this.layout).ordered;
  }

  /** Columns shown: the operator's order without the hidden ones. */
  get #columns(): ClientColumn[] {
    return applyLayout(normalizeColumns(this.table?.columns ?? []), this.layout).visible;
  }

  get #multiple(): boolean {
    return this.table?.selection === 'multiple';
  }

  /** Title shown above the table: its own, else the query's, else the query id. */
  get heading(): string {
    return this.table?.title ?? this.query?.title ?? humanize(this.table?.query ?? '');
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (!this.table) return;
    const layoutKey = layoutStorageKey(this.appId, this.#pageId(), this.tableKey);
    if (layoutKey !== this.#layoutKey) {
      this.#layoutKey = layoutKey;
      this.layout = loadLayout(layoutKey);
    }
    const resolved = resolveParams(this.table.params, this.selections, this.bindings);
    this.#missing = resolved.missingSelections;

    const paramsKey = JSON.stringify([this.table.query, resolved.values]);
    if (this.#lastParamsKey !== undefined && paramsKey !== this.#lastParamsKey && this.offset !== 0 && !changed.has('offset')) {
      // Other rows entirely: go back to the first page.
      this.offset = 0;
      this.#cursors.clear();
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
    // The row key ends the order on the server, so rows that tie in the sort keep their place from page to page.
    // With a key, a later page starts after the last row of the page before it (keyset paging),
    // so rows inserted or deleted meanwhile on earlier pages neither shift nor repeat rows.
    const key = this.#pagingKey();
    const cursor = key && this.offset > 0 ? this.#cursors.get(this.offset) : undefined;
    const body = {
      params,
      ...(this.sort ? { sort: [this.sort] } : {}),
      ...(key ? { key } : {}),
      page: cursor ? { size: this.#pageSize, after: cursor } : { size: this.#pageSize, offset: this.offset },
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
      this.loading = false;
      if (result.rows.length === 0 && this.offset > 0) {
        // Rows deleted since the earlier pages were read can leave a later page empty; the page before it still has rows and the pager.
        this.offset = Math.max(0, this.offset - this.#pageSize);
        return;
      }
      this.result = result;
      this.#dropVanishedSelection(result.rows);
      this.dispatchEvent(new CustomEvent<RowsLoadDetail>('od-rows-load', { detail: { tableKey: this.tableKey, rows: result.rows }, bubbles: true, composed: true }));
    } catch (error) {
      if (controller.signal.aborted) return;
      this.loading = false;
      const usedCursor = typeof body === 'object' && body !== null && 'after' in ((body as { page?: object }).page ?? {});
      if (usedCursor && error instanceof ApiError && error.code === 'invalid_page') {
        // A cursor the server no longer accepts: read the same page by offset instead.
        this.#cursors.clear();
        this.reload();
        return;
      }
      this.error = error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));
    }
  }

  #pageId(): string {
    if (this.pageId) return this.pageId;
    const route = parseRoute(location.pathname);
    return route.name === 'app' ? (route.pageId ?? '') : '';
  }

  /** The row key, unless the user's column rules mask it (the server then refuses it as a key). */
  #pagingKey(): string | undefined {
    const rowKey = this.table?.rowKey;
    if (!rowKey) return undefined;
    const column = normalizeColumns(this.table!.columns).find((entry) => entry.field === rowKey);
    return column?.masked ? undefined : rowKey;
  }

  #dropVanishedSelection(rows: Row[]): void {
    // Ticked rows stay ticked on other pages; a single selection must be on the page shown.
    if (this.#multiple) return;
    if (this.selectedKey === undefined) return;
    if (!rows.some((row) => this.#keyOf(row) === this.selectedKey)) this.#select(null);
  }

  #keyOf(row: Row): string {
    const rowKey = this.table?.rowKey;
    return rowKey && Object.hasOwn(row, rowKey) ? `k:${toText(row[rowKey])}` : `j:${JSON.stringify(row)}`;
  }

  #select(row: Row | null): void {
    this.selectedKey = row ? this.#keyOf(row) : undefined;
    if (this.#multiple && row && !this.checked.has(this.#keyOf(row))) {
      this.checked = new Map(this.checked).set(this.#keyOf(row), row);
    }
    this.#announceSelection(row);
  }

  #announceSelection(row: Row | null): void {
    const detail: RowSelectDetail = { tableKey: this.tableKey, row };
    if (this.#multiple) detail.rows = [...this.checked.values()];
    this.dispatchEvent(new CustomEvent<RowSelectDetail>('od-row-select', { detail, bubbles: true, composed: true }));
  }

  /** Ticks or unticks rows in `multiple` selection; the last ticked row still ticked becomes `row` of the event. */
  #setChecked(rows: Row[], on: boolean): void {
    const checked = new Map(this.checked);
    for (const row of rows) {
      if (on) checked.set(this.#keyOf(row), row);
      else checked.delete(this.#keyOf(row));
    }
    this.checked = checked;
    const last = [...checked.values()].at(-1) ?? null;
    this.selectedKey = last ? this.#keyOf(last) : undefined;
    this.#announceSelection(last);
  }

  /** The ticked rows in `multiple` selection. */
  get checkedRows(): Row[] {
    return [...this.checked.values()];
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
      this.#cursors.clear();
    }, SEARCH_DEBOUNCE_MS);
  }

  #toggleSort(field: string): void {
    // Each click moves through ascending, descending and the query's own order.
    if (!this.sort || this.sort.field !== field) this.sort = { field, dir: 'asc' };
    else if (this.sort.dir === 'asc') this.sort = { field, dir: 'desc' };
    else this.sort = undefined;
    this.offset = 0;
    this.#cursors.clear();
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

  #onRowClick(row: Row): void {
    this.focusKey = this.#keyOf(row);
    if (this.#multiple) this.#setChecked([row], !this.checked.has(this.#keyOf(row)));
    else this.#select(row);
  }

  /**
   * Handles the keys of a focused row. Arrows, Home and End move focus between
   * rows. Enter selects. Space selects, or toggles the tick with
   * `selection: multiple`. The context-menu key or Shift+F10 opens the row's
   * action menu, or focuses its first action button.
   */
  #onRowKey(event: KeyboardEvent, row: Row): void {
    if (event.target !== event.currentTarget) return;
    const rows = this.result?.rows ?? [];
    const index = rows.findIndex((entry) => this.#keyOf(entry) === this.#keyOf(row));
    const moves: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: rows.length - 1 };
    if (Object.hasOwn(moves, event.key)) {
      event.preventDefault();
      const target = rows[Math.max(0, Math.min(rows.length - 1, moves[event.key]))];
      if (target) void this.#focusRow(target);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      this.#select(row);
    } else if (event.key === ' ') {
      event.preventDefault();
      if (this.#multiple) this.#setChecked([row], !this.checked.has(this.#keyOf(row)));
      else this.#select(row);
    } else if (event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey)) {
      event.preventDefault();
      const cell = (event.currentTarget as HTMLElement).querySelector('td.actions');
      const menu = cell?.querySelector<HTMLElement & { show(): Promise<void> }>('od-row-menu');
      if (menu) void menu.show();
      else cell?.querySelector<HTMLButtonElement>('button')?.focus();
    }
  }

  async #focusRow(row: Row): Promise<void> {
    this.focusKey = this.#keyOf(row);
    await this.updateComplete;
    const element = [...this.renderRoot.querySelectorAll<HTMLElement>('tr.data')].find((tr) => tr.dataset.key === this.focusKey);
    element?.focus();
  }

  #onColumnsChange(event: CustomEvent<ColumnLayout>): void {
    this.layout = event.detail;
    if (this.#layoutKey) saveLayout(this.#layoutKey, event.detail);
  }

  #onColumnsReset(): void {
    this.layout = undefined;
    if (this.#layoutKey) saveLayout(this.#layoutKey, undefined);
  }

  /** Bulk actions of the table that the user may run, with the mapping of their row action when the table has one. */
  get #bulkActions(): Array<{ id: string; action: ClientAction; map: Record<string, string> }> {
    const rowActions = normalizeRowActions(this.table?.rowActions, this.actions);
    return (this.table?.bulkActions ?? [])
      .filter((id) => Object.hasOwn(this.actions, id))
      .map((id) => ({ id, action: this.actions[id], map: rowActions.find((entry) => entry.action === id)?.params ?? {} }));
  }

  /** Closes the bulk confirmation without running anything, and puts focus back on the action's button. */
  async #cancelBulk(actionId: string): Promise<void> {
    this.bulk = undefined;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`[data-bulk-action="${CSS.escape(actionId)}"]`)?.focus();
  }

  // NOTE: a bulk run shows no preview, only the confirmation dialog with the action's confirm text; the server still checks every row.
  async #runBulk(actionId: string): Promise<void> {
    const entry = this.#bulkActions.find((candidate) => candidate.id === actionId);
    if (!entry) return;
    const rows = this.checkedRows;
    this.bulk = { actionId, running: true, done: 0, total: rows.length };
    const outcome = await runBulk(
      this.appId,
      actionId,
      rows.map((row) => ({ row, params: paramsFromRow(entry.action, row, entry.map) })),
      (done) => (this.bulk = { actionId, running: true, done, total: rows.length }),
    );
    this.bulk = undefined;
    const title = entry.action.title;
    const requested = outcome.requested > 0 ? ` (${outcome.requested} sent for approval)` : '';
    if (outcome.failure) {
      const subject = rowLabel(outcome.failure.row) || `row ${outcome.failure.index + 1}`;
      const skipped = rows.length - outcome.done - 1;
      showToast(`${title}: ${outcome.done} of ${rows.length} done${requested}. Failed on ${subject}: ${outcome.failure.error.message}${skipped > 0 ? ` ${skipped} not run.` : ''}`, 'error');
      // The rows that ran are unticked, so running the action again starts at the row that failed.
      this.#setChecked(rows.slice(0, outcome.done), false);
    } else {
      showToast(`${title}: ${outcome.done} of ${rows.length} done${requested}.`);
      this.#setChecked(rows, false);
    }
    this.dispatchEvent(new CustomEvent('od-action-done', { detail: { actionId, bulk: outcome }, bubbles: true, composed: true }));
  }

  override render() {
    if (!this.table) return nothing;
    return html`
      <section class="card" aria-labelledby="table-title">
        <div class="toolbar">
          <h2 id="table-title">${this.heading}</h2>
          ${this.table.search ? this.#renderSearch() : nothing}
          ${this.table.export && this.#missing.length === 0 ? this.#renderExport() : nothing}
          <od-column-menu
            .columns=${this.#orderedColumns}
            .hiddenFields=${this.layout?.hidden ?? []}
            tableLabel=${this.heading}
            @od-columns-change=${this.#onColumnsChange}
            @od-columns-reset=${this.#onColumnsReset}
          ></od-column-menu>
        </div>
        ${this.#multiple ? this.#renderBulkBar() : nothing}
        ${this.#renderBody()}
      </section>
    `;
  }

  #renderBulkBar() {
    const count = this.checked.size;
    if (count === 0 && !this.bulk) return nothing;
    const columns = this.result?.columns ?? [];
    const bulk = this.bulk;
    if (bulk?.running) {
      return html`<div class="bulk" role="status" data-testid="bulk-bar">
        <span class="count">${this.actions[bulk.actionId]?.title}: ${bulk.done} of ${bulk.total} done…</span>
      </div>`;
    }
    return html`${bulk ? this.#renderBulkConfirm(bulk.actionId) : nothing}<div class="bulk" role="group" aria-label="Selected rows" data-testid="bulk-bar">
      <span class="count" data-testid="selected-count">${count} selected</span>
      ${this.#bulkActions.map(({ id, action, map }) => {
        const missing = missingBulkParams(action, columns, map);
        return html`<button
          class="btn small ${action.style === 'danger' ? 'danger' : ''}"
          type="button"
          data-bulk-action=${id}
          ?disabled=${missing.length > 0}
          title=${missing.length > 0 ? `Needs ${missing.join(', ')}, which the rows do not have` : nothing}
          @click=${() => (this.bulk = { actionId: id, running: false, done: 0, total: count })}
        >
          ${action.title}
        </button>`;
      })}
      <button class="btn small" type="button" data-testid="clear-selection" @click=${() => this.#setChecked(this.checkedRows, false)}>Clear selection</button>
    </div>`;
  }

  /** Renders the confirmation dialog of a bulk run, which runs nothing until its Run button. */
  #renderBulkConfirm(actionId: string) {
    const entry = this.#bulkActions.find((candidate) => candidate.id === actionId);
    if (!entry) return nothing;
    const runs = this.checkedRows.map((row) => ({ row, params: paramsFromRow(entry.action, row, entry.map) }));
    const { lines, more } = bulkConfirmLines(entry.action.confirm, runs);
    return html`<od-bulk-confirm
      .heading=${entry.action.title}
      .count=${runs.length}
      .lines=${lines}
      .more=${more}
      .danger=${entry.action.style === 'danger'}
      @od-bulk-confirm=${(event: Event) => {
        event.stopPropagation();
        void this.#runBulk(actionId);
      }}
      @od-bulk-cancel=${(event: Event) => {
        event.stopPropagation();
        void this.#cancelBulk(actionId);
      }}
    ></od-bulk-confirm>`;
  }

  /** Download links for every row under the current parameters, search and sort; the server applies the same row and column rules. */
  #renderExport() {
    const href = (format: 'csv' | 'jsonl'): string => {
      const params: Record<string, unknown> = { ...resolveParams(this.table!.params, this.selections, this.bindings).values };
      if (this.table!.search && this.search !== '') params[this.table!.search] = this.search;
      const query = new URLSearchParams({ format, params: JSON.stringify(params), ...(this.sort ? { sort: JSON.stringify([this.sort]) } : {}) });
      return `/api/apps/${segment(this.appId)}/queries/${segment(this.table!.query)}/export?${query}`;
    };
    return html`<div class="export" role="group" aria-label="Export ${this.heading}">
      <a class="btn small" data-testid="export-csv" href=${href('csv')} download>Export CSV</a>
      <a class="btn small" data-testid="export-jsonl" href=${href('jsonl')} download>JSON lines</a>
      <button class="btn small" type="button" data-testid="export-background" title="Write the CSV file on the server and download it later from the Jobs page" @click=${() => this.#exportInBackground()}>
        CSV in background
      </button>
    </div>`;
  }

  /** Starts a background export of the same rows as the links; the Jobs page offers its file when it is written. */
  async #exportInBackground(): Promise<void> {
    const params: Record<string, unknown> = { ...resolveParams(this.table!.params, this.selections, this.bindings).values };
    if (this.table!.search && this.search !== '') params[this.table!.search] = this.search;
    try {
      await apiPost(`/api/apps/${segment(this.appId)}/queries/${segment(this.table!.query)}/export-runs`, { format: 'csv', params, ...(this.sort ? { sort: [this.sort] } : {}) });
      showToast('The export started. Download its file from the Jobs page when it is written.', 'info');
    } catch (error) {
      showToast(error instanceof ApiError ? error.message : 'The export could not be started.', 'error');
    }
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
    const numeric = new Set(columns.filter((c) => c.format === 'number' || c.format === 'currency' || c.format === 'percent').map((c) => c.field));
    return html`
      <div class="scroll">
        <table aria-labelledby="table-title" aria-busy=${this.loading ? 'true' : 'false'}>
          <thead>
            <tr>
              ${this.#multiple ? this.#renderSelectAll(rows) : nothing}
              ${columns.map((column) => this.#renderHeader(column, numeric.has(column.field)))}
              ${rowActions.length > 0 ? html`<th scope="col" class="actions"><span class="visually-hidden">Actions</span></th>` : nothing}
            </tr>
          </thead>
          <tbody>
            ${showSkeleton
              ? this.#renderSkeleton(columns.length + (rowActions.length > 0 ? 1 : 0) + (this.#multiple ? 1 : 0))
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

  #renderSelectAll(rows: Row[]) {
    const ticked = rows.filter((row) => this.checked.has(this.#keyOf(row))).length;
    const all = rows.length > 0 && ticked === rows.length;
    return html`<th scope="col" class="check">
      <input
        type="checkbox"
        data-testid="select-all"
        aria-label="Select all rows on this page"
        .checked=${all}
        .indeterminate=${ticked > 0 && !all}
        ?disabled=${rows.length === 0}
        @change=${() => this.#setChecked(rows, !all)}
      />
    </th>`;
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
    const key = this.#keyOf(row);
    const selected = this.#multiple ? this.checked.has(key) : this.selectedKey !== undefined && key === this.selectedKey;
    const rows = this.result?.rows ?? [];
    // One row takes Tab focus: the last focused one, else the first of the page.
    const focusable = rows.some((entry) => this.#keyOf(entry) === this.focusKey) ? key === this.focusKey : rows.length > 0 && this.#keyOf(rows[0]) === key;
    const subject = rowLabel(row);
    return html`
      <tr
        class="data"
        data-testid="row"
        data-key=${key}
        tabindex=${focusable ? '0' : '-1'}
        aria-selected=${selected ? 'true' : 'false'}
        @click=${() => this.#onRowClick(row)}
        @focus=${() => (this.focusKey = key)}
        @keydown=${(event: KeyboardEvent) => this.#onRowKey(event, row)}
      >
        ${this.#multiple
          ? html`<td class="check">
              <input
                type="checkbox"
                tabindex="-1"
                aria-label=${subject ? `Select ${subject}` : 'Select row'}
                .checked=${selected}
                @click=${(event: Event) => event.stopPropagation()}
                @change=${(event: Event) => this.#setChecked([row], (event.target as HTMLInputElement).checked)}
              />
            </td>`
          : nothing}
        ${columns.map((column) => {
          const cell = formatCell(row[column.field], column);
          // The full text shows on hover, because long cells are cut off with an ellipsis; a rounded value shows its exact one.
          const title = cell.kind === 'null' || cell.kind === 'json' ? nothing : cell.kind === 'text' && cell.title ? cell.title : cell.text;
          const classes = [numeric.has(column.field) ? 'numeric' : '', cell.kind === 'json' ? 'has-json' : ''].join(' ').trim();
          return html`<td class=${classes} data-field=${column.field} title=${title}>${renderCell(cell)}</td>`;
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

  #nextPage(): void {
    const next = this.result?.page.next;
    const offset = this.offset + this.#pageSize;
    if (next) this.#cursors.set(offset, next);
    else this.#cursors.delete(offset);
    this.offset = offset;
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
          @click=${() => this.#nextPage()}
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
      // Screen readers read "empty" in place of the dash, so a missing value never sounds like 0 or blank text.
      return html`<span class="null null-marker" data-null title="Empty"><span aria-hidden="true">—</span><span class="visually-hidden">empty</span></span>`;
    case 'json':
      // The click on the summary only opens the JSON; it must not select the row too.
      return html`<details class="json" @click=${(event: Event) => event.stopPropagation()}><summary>${cell.summary}</summary><pre>${cell.pretty}</pre></details>`;
    case 'link':
      return html`<a href=${cell.href} target=${cell.href.startsWith('mailto:') ? nothing : '_blank'} rel="noopener noreferrer">${cell.text}</a>`;
    case 'badge':
      return html`<span class="badge tone-${cell.tone}">${cell.text}</span>`;
    default:
      return cell.text;
  }
}

customElements.define('od-data-table', DataTable);
