// One page of an app: its components, which tabs, sections, grids, modals and
// drawers may nest. The page view shares the selected rows, filter values and
// form values between them, runs the action dialog and keeps the open tabs and
// selected rows in the URL.
import { LitElement, css, html, nothing } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import type { ClientAction, ClientComponent, ClientFilters, ClientForm, ClientOpenRowAction, ClientPage, ClientRowAction, ClientSpec, ClientTable, ClientTabs, Row } from '../client-spec.js';
import { humanize, toText } from '../format.js';
import { bindingScope, resolveParams } from '../template.js';
import { appPath, buildPageSearch, parsePageState, rowKeyFromUrl, writePageState, type PageState } from '../router.js';
import type { ActionDialog } from './action-dialog.js';
import { DataTable, type RowActionDetail, type RowSelectDetail, type RowsLoadDetail } from './data-table.js';
import type { FormValuesDetail } from './action-form.js';
import type { TabChangeDetail } from './layout-tabs.js';
import './action-dialog.js';
import './action-form.js';
import './detail-view.js';
import { filterScope, filterUrlKeys, type FilterChangeDetail } from './filter-bar.js';
import type { BindingContext } from '../template.js';
import './layout-modal.js';
import './layout-tabs.js';
import './markdown-text.js';
import './job-card.js';
import { renderChartComponent } from './chart-render.js';
import { columnSpans, gridStyles } from './layout-grid.js';
import { buttonStyles, utilityStyles } from './shared-styles.js';

/** URL key of a `tabs` component without an `id`; the server's load checks use the same default. */
const DEFAULT_TABS_KEY = 'tab';

/**
 * Prefix of the action ids that stand for `{ open: <id> }` row actions inside
 * the data table, which shows them like actions. Spec ids cannot hold `:`.
 */
const OPEN_PREFIX = 'open:';

/** URL value of a modal or drawer id while it is open: `?history=open`. */
const OVERLAY_OPEN = 'open';

/** Pause after a form's last change before bindings read its values, so a bound query runs once per pause in typing. */
const FORM_VALUES_DELAY_MS = 250;

/** Returns the table and actions to give the data table, with each `{ open: <id> }` row action as an action without parameters. */
export function withOpenActions(table: ClientTable, actions: Record<string, ClientAction>, overlayTitles: Record<string, string>): [ClientTable, Record<string, ClientAction>] {
  const entries = (table.rowActions ?? []) as Array<string | ClientRowAction | ClientOpenRowAction>;
  if (!entries.some((entry) => typeof entry === 'object' && 'open' in entry)) return [table, actions];
  const extended = { ...actions };
  const rowActions = entries.map((entry): string | ClientRowAction => {
    if (typeof entry === 'string' || !('open' in entry)) return entry;
    const id = `${OPEN_PREFIX}${entry.open}`;
    extended[id] = { title: entry.label ?? overlayTitles[entry.open] ?? humanize(entry.open), style: 'default', params: {}, required: [] };
    return { action: id, params: {}, when: entry.when };
  });
  return [{ ...table, rowActions }, extended];
}

/** One component of a page with its key: its position path, such as `2.0.1`. */
interface PlacedComponent {
  component: ClientComponent;
  path: string;
}

/** Lists a page's components in document order, containers before their children, with their position paths. */
export function placedComponents(components: ClientComponent[], prefix = ''): PlacedComponent[] {
  const found: PlacedComponent[] = [];
  components.forEach((component, index) => {
    const path = prefix === '' ? String(index) : `${prefix}.${index}`;
    found.push({ component, path });
    for (const [childIndex, list] of childLists(component).entries()) found.push(...placedComponents(list, `${path}.${childIndex}`));
  });
  return found;
}

function childLists(component: ClientComponent): ClientComponent[][] {
  switch (component.type) {
    case 'section':
    case 'modal':
    case 'drawer':
      return [component.components];
    case 'tabs':
      return component.tabs.map((tab) => tab.components);
    case 'grid':
      return component.columns.map((column) => column.components);
    default:
      return [];
  }
}

/** Key of a table on its page: its `id`, or its position path for tables without one. */
export function tableKey(table: ClientTable, path: string | number): string {
  return table.id ?? `#${path}`;
}

function tabsKey(tabs: ClientTabs): string {
  return tabs.id ?? DEFAULT_TABS_KEY;
}

/** Renders a page's components and keeps them in step: selections flow to dependent components, actions refresh them all. */
export class PageView extends LitElement {
  static override properties = {
    appId: { type: String },
    spec: { attribute: false },
    page: { attribute: false },
    selections: { state: true },
    selectedRows: { state: true },
    formValues: { state: true },
    openTabs: { state: true },
    filterValues: { state: true },
    openOverlay: { state: true },
    refreshCount: { state: true },
  };

  static override styles = [
    utilityStyles,
    buttonStyles,
    gridStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-5);
      }
      .stack {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-5);
      }
      .form-card {
        padding: var(--od-space-4) var(--od-space-5) var(--od-space-5);
        max-width: 640px;
      }
      .form-card h2,
      .layout-section > h2 {
        margin: 0 0 var(--od-space-1);
        font-size: var(--od-font-size);
        font-weight: 600;
      }
      .form-card p {
        margin: 0 0 var(--od-space-4);
      }
      .form-card od-action-form {
        margin-top: var(--od-space-3);
      }
      .layout-section {
        padding: var(--od-space-4) var(--od-space-5) var(--od-space-5);
      }
      .layout-section > p {
        margin: 0 0 var(--od-space-3);
      }
      .layout-section > h2 + .stack {
        margin-top: var(--od-space-3);
      }
      .buttons {
        display: flex;
        flex-wrap: wrap;
        gap: var(--od-space-2);
      }
    `,
  ];

  /** App the page belongs to. */
  appId = '';
  /** The client view of the app. */
  spec: ClientSpec | undefined;
  /** The page to show. */
  page: ClientPage | undefined;
  /**
   * Selected row of each table, by table key. A row restored from the URL holds
   * only its `rowKey` column until the table's rows arrive and contain it.
   */
  selections: Record<string, Row | undefined> = {};
  /** Every ticked row of each table with `selection: multiple`, by table key. */
  selectedRows: Record<string, Row[]> = {};
  /** Current values of each form with an `id`, by that id. */
  formValues: Record<string, Record<string, unknown>> = {};
  /** Open tab of each `tabs`, by its URL key. */
  openTabs: Record<string, string> = {};
  /** Text values of each filter bar, by its id and then by field name. */
  filterValues: Record<string, Record<string, string>> = {};
  /** Id of the open modal or drawer. */
  openOverlay: string | undefined;
  /** Incremented after an action succeeded, so every component queries again. */
  refreshCount = 0;

  /** Tables whose selection came from the URL and was not yet replaced by a click. */
  #restored = new Set<string>();
  /** Form values changed since formValues was last set, by form id, and the timer that sets them. */
  #pendingFormValues: Record<string, Record<string, unknown>> = {};
  #formValuesTimer: ReturnType<typeof setTimeout> | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.#onPopState);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.#onPopState);
    clearTimeout(this.#formValuesTimer);
    this.#pendingFormValues = {};
  }

  #onPopState = (): void => {
    // When the back button leads to another page, the app shell swaps the page and willUpdate restores its state instead.
    if (!this.page || location.pathname !== appPath(this.appId, this.page.id)) return;
    this.#restoreFromUrl();
  };

  override willUpdate(changed: Map<string, unknown>): void {
    const previous = changed.get('page') as ClientPage | undefined;
    if (changed.has('page') && previous?.id !== this.page?.id) {
      this.selections = {};
      this.selectedRows = {};
      this.formValues = {};
      clearTimeout(this.#formValuesTimer);
      this.#pendingFormValues = {};
      this.openTabs = {};
      this.filterValues = {};
      this.openOverlay = undefined;
      this.#restoreFromUrl();
    }
    // A new version of the spec may have changed the queries behind the tables, so they run again.
    const previousSpec = changed.get('spec') as ClientSpec | undefined;
    if (previousSpec && this.spec && previousSpec.version !== this.spec.version) this.refreshCount++;
  }

  #placed(): PlacedComponent[] {
    return this.page ? placedComponents(this.page.components) : [];
  }

  /** Tables that keep their selected row in the URL: those with an `id` and a `rowKey`. */
  #linkedTables(): ClientTable[] {
    return this.#placed().flatMap(({ component }) => (component.type === 'table' && component.id !== undefined && component.rowKey !== undefined ? [component] : []));
  }

  #allTabs(): ClientTabs[] {
    return this.#placed().flatMap(({ component }) => (component.type === 'tabs' ? [component] : []));
  }

  #allFilters(): ClientFilters[] {
    return this.#placed().flatMap(({ component }) => (component.type === 'filters' ? [component] : []));
  }

  /** Ids of the page's modals and drawers; each is a URL key whose value is `open` while it is open. */
  #overlayIds(): string[] {
    return this.#placed().flatMap(({ component }) => (component.type === 'modal' || component.type === 'drawer' ? [component.id] : []));
  }

  #stateKeys(): string[] {
    return [...this.#allFilters().flatMap(filterUrlKeys), ...this.#linkedTables().map((table) => table.id!), ...this.#allTabs().map(tabsKey), ...this.#overlayIds()];
  }

  /** Returns the values bindings read besides the selected row of each table: every selected row, the filter bars' and forms' values, the query string and the user. */
  #bindings(): BindingContext {
    const filters: Record<string, Record<string, unknown>> = {};
    for (const bar of this.#allFilters()) filters[bar.id] = filterScope(bar, this.filterValues[bar.id] ?? {});
    // Every table gets a list, so `selectedRows` and `selectedCount` read as empty and 0, never as missing.
    const selectedRows: Record<string, Row[]> = {};
    for (const { component, path } of this.#placed()) {
      if (component.type !== 'table') continue;
      const key = tableKey(component, path);
      const row = this.selections[key];
      if (component.selection === 'multiple') selectedRows[key] = this.selectedRows[key] ?? [];
      else selectedRows[key] = row ? [row] : [];
    }
    const url: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(location.search)) if (!Object.hasOwn(url, key)) url[key] = value;
    const user = this.spec?.user;
    return { filters, forms: this.formValues, selectedRows, url, user: user ? { id: user.id, name: user.name, email: user.email } : undefined };
  }

  /** The page state as the URL should show it. */
  #currentState(): PageState {
    const state: PageState = {};
    for (const bar of this.#allFilters()) {
      for (const [name, value] of Object.entries(this.filterValues[bar.id] ?? {})) state[`${bar.id}.${name}`] = value;
    }
    for (const table of this.#linkedTables()) {
      const row = this.selections[table.id!];
      if (row && Object.hasOwn(row, table.rowKey!)) state[table.id!] = toText(row[table.rowKey!]);
    }
    for (const tabs of this.#allTabs()) {
      const open = this.openTabs[tabsKey(tabs)];
      // The first tab is the default, so it stays out of the URL.
      if (open !== undefined && open !== tabs.tabs[0]?.id) state[tabsKey(tabs)] = open;
    }
    if (this.openOverlay !== undefined && this.#overlayIds().includes(this.openOverlay)) state[this.openOverlay] = OVERLAY_OPEN;
    return state;
  }

  /** Applies the URL's page state; then rewrites the URL in place to drop what the page does not know. */
  #restoreFromUrl(): void {
    if (!this.page) return;
    const state = parsePageState(location.search, this.#stateKeys());
    const selections: Record<string, Row | undefined> = {};
    this.#restored.clear();
    for (const table of this.#linkedTables()) {
      const id = table.id!;
      const text = state[id];
      if (text === undefined) continue;
      const current = this.selections[id];
      if (current && Object.hasOwn(current, table.rowKey!) && toText(current[table.rowKey!]) === text) {
        selections[id] = current;
      } else {
        // Only the key is known until the table's rows arrive; #onRowsLoad then puts the whole row in its place.
        selections[id] = { [table.rowKey!]: rowKeyFromUrl(text) };
      }
      this.#restored.add(id);
    }
    // Tables without an id keep no state in the URL, so their selection stays as it is.
    for (const [key, row] of Object.entries(this.selections)) if (key.startsWith('#')) selections[key] = row;
    const openTabs: Record<string, string> = {};
    for (const tabs of this.#allTabs()) {
      const requested = state[tabsKey(tabs)];
      openTabs[tabsKey(tabs)] = tabs.tabs.some((tab) => tab.id === requested) ? requested! : tabs.tabs[0].id;
    }
    const filterValues: Record<string, Record<string, string>> = {};
    for (const bar of this.#allFilters()) {
      const values: Record<string, string> = {};
      for (const key of filterUrlKeys(bar)) if (state[key] !== undefined) values[key.slice(bar.id.length + 1)] = state[key];
      filterValues[bar.id] = values;
    }
    this.selections = selections;
    this.openTabs = openTabs;
    this.filterValues = filterValues;
    // At most one modal or drawer is open; with several in the URL the first the page declares wins.
    this.openOverlay = this.#overlayIds().find((id) => state[id] === OVERLAY_OPEN);
    writePageState(buildPageSearch(this.#currentState(), this.#stateKeys()), { replace: true });
  }

  /** Records a step in the URL: a new history entry for a user's choice, or in place for a change the page made itself. */
  #recordState(replace: boolean): void {
    writePageState(buildPageSearch(this.#currentState(), this.#stateKeys()), { replace });
  }

  #overlayTitles(): Record<string, string> {
    const titles: Record<string, string> = {};
    for (const { component } of this.#placed()) if (component.type === 'modal' || component.type === 'drawer') titles[component.id] = component.title;
    return titles;
  }

  #tableTitles(): Record<string, string> {
    const titles: Record<string, string> = {};
    for (const { component, path } of this.#placed()) {
      if (component.type !== 'table') continue;
      titles[tableKey(component, path)] = component.title ?? this.spec?.queries[component.query]?.title ?? humanize(component.query);
    }
    return titles;
  }

  #select(key: string, row: Row | null): void {
    if (row === null && this.#restored.has(key)) {
      // A row restored from a link may sit on another page of its table; its key stays selected until the user picks another row.
      return;
    }
    if (row !== null) this.#restored.clear();
    if ((this.selections[key] ?? null) === row) return;
    this.selections = { ...this.selections, [key]: row ?? undefined };
    // A click is a step the back button returns from; a selection the table dropped by itself is not.
    this.#recordState(row === null);
  }

  #onRowSelect(event: CustomEvent<RowSelectDetail>): void {
    const { tableKey: key, row, rows } = event.detail;
    // Unticking a row other than the last leaves `row` as it was, so the list is kept before #select compares rows.
    if (rows !== undefined) this.selectedRows = { ...this.selectedRows, [key]: rows };
    this.#select(key, row);
  }

  /** Replaces a row restored from the URL, known by its key only, with the whole row once the table's rows contain it. */
  #onRowsLoad(event: CustomEvent<RowsLoadDetail>): void {
    const { tableKey: key, rows } = event.detail;
    if (!this.#restored.has(key)) return;
    const table = this.#linkedTables().find((candidate) => candidate.id === key);
    const stub = this.selections[key];
    if (!table || !stub || !Object.hasOwn(stub, table.rowKey!)) return;
    const expectedKey = toText(stub[table.rowKey!]);
    const row = rows.find((candidate) => Object.hasOwn(candidate, table.rowKey!) && toText(candidate[table.rowKey!]) === expectedKey);
    if (!row || row === stub) return;
    // The key is unchanged, so the URL stays as it is and no history entry is added.
    this.selections = { ...this.selections, [key]: row };
  }

  /** Shares a form's first values at once and later changes after FORM_VALUES_DELAY_MS without a change. */
  #onFormValues(form: ClientForm, event: CustomEvent<FormValuesDetail>): void {
    event.stopPropagation();
    if (form.id === undefined) return;
    if (!Object.hasOwn(this.formValues, form.id)) {
      this.formValues = { ...this.formValues, [form.id]: event.detail.values };
      return;
    }
    this.#pendingFormValues = { ...this.#pendingFormValues, [form.id]: event.detail.values };
    clearTimeout(this.#formValuesTimer);
    this.#formValuesTimer = setTimeout(() => {
      this.formValues = { ...this.formValues, ...this.#pendingFormValues };
      this.#pendingFormValues = {};
    }, FORM_VALUES_DELAY_MS);
  }

  #onRowAction(event: CustomEvent<RowActionDetail>): void {
    const overlay = event.detail.actionId.startsWith(OPEN_PREFIX) ? event.detail.actionId.slice(OPEN_PREFIX.length) : undefined;
    const table = event.target instanceof DataTable ? event.target : undefined;
    if (overlay !== undefined && table) {
      this.#select(table.tableKey, event.detail.row);
      this.#openOverlay(overlay);
      return;
    }
    const action = this.spec?.actions[event.detail.actionId];
    if (!action) return;
    const dialog = this.renderRoot.querySelector<ActionDialog>('od-action-dialog');
    void dialog?.open({ ...event.detail, action });
  }

  /** Opens a modal or drawer as a new history entry, so the back button closes it. */
  #openOverlay(id: string): void {
    this.openOverlay = id;
    this.#recordState(false);
  }

  /** A closed modal or drawer leaves the URL; the entry is replaced, so back does not open it again. */
  #onOverlayClose(): void {
    this.openOverlay = undefined;
    this.#recordState(true);
  }

  #onFilterChange(event: CustomEvent<FilterChangeDetail>): void {
    event.stopPropagation();
    this.filterValues = { ...this.filterValues, [event.detail.id]: event.detail.values };
    this.#recordState(false);
  }

  #onTabChange(tabs: ClientTabs, event: CustomEvent<TabChangeDetail>): void {
    event.stopPropagation();
    this.openTabs = { ...this.openTabs, [tabsKey(tabs)]: event.detail.id };
    this.#recordState(false);
  }

  override render() {
    const spec = this.spec;
    const page = this.page;
    if (!spec || !page) return nothing;
    const titles = this.#tableTitles();
    return html`
      <div
        style="display: contents"
        @od-row-select=${this.#onRowSelect}
        @od-rows-load=${this.#onRowsLoad}
        @od-row-action=${this.#onRowAction}
        @od-action-done=${() => this.refreshCount++}
        @od-job-done=${() => this.refreshCount++}
      >
        ${this.#renderList(page.components, '', titles)}
        <od-action-dialog .appId=${this.appId}></od-action-dialog>
      </div>
    `;
  }

  #renderList(components: ClientComponent[], prefix: string, titles: Record<string, string>) {
    return components.map((component, index) => this.#renderComponent(component, prefix === '' ? String(index) : `${prefix}.${index}`, titles));
  }

  #renderComponent(component: ClientComponent, path: string, titles: Record<string, string>): unknown {
    const spec = this.spec!;
    // Keyed by page and position, so a table's paging, sort and search never carry over to another page's table.
    const key = `${this.page!.id}:${path}`;
    switch (component.type) {
      case 'table': {
        const [table, actions] = withOpenActions(component, spec.actions, this.#overlayTitles());
        return keyed(key, html`<od-data-table
          data-table=${tableKey(component, path)}
          .appId=${this.appId}
          .table=${table}
          .tableKey=${tableKey(component, path)}
          .query=${spec.queries[component.query]}
          .actions=${actions}
          .selections=${this.selections}
          .bindings=${this.#bindings()}
          .selectedKey=${this.#selectedKey(component, path)}
          .tableTitles=${titles}
          .refreshCount=${this.refreshCount}
        ></od-data-table>`);
      }
      case 'form': {
        const action = spec.actions[component.action];
        if (!action) return nothing;
        return keyed(key, html`
          <section class="card form-card" data-form=${component.action} data-form-id=${component.id ?? nothing} @od-form-values=${(event: CustomEvent<FormValuesDetail>) => this.#onFormValues(component, event)}>
            <h2>${component.title ?? action.title}</h2>
            ${action.description ? html`<p class="muted">${action.description}</p>` : nothing}
            <od-action-form
              inline
              .appId=${this.appId}
              .actionId=${component.action}
              .action=${action}
              .prefill=${resolveParams(component.defaults, this.selections, this.#bindings()).values}
            ></od-action-form>
          </section>
        `);
      }
      case 'section':
        return keyed(key, html`
          <section class="card layout-section" data-section=${path}>
            ${component.title ? html`<h2>${component.title}</h2>` : nothing}
            ${component.description ? html`<p class="muted">${component.description}</p>` : nothing}
            <div class="stack">${this.#renderList(component.components, `${path}.0`, titles)}</div>
          </section>
        `);
      case 'tabs': {
        const open = this.openTabs[tabsKey(component)] ?? component.tabs[0].id;
        const index = Math.max(0, component.tabs.findIndex((tab) => tab.id === open));
        const tab = component.tabs[index];
        return keyed(key, html`
          <od-tabs
            data-tabs=${tabsKey(component)}
            .tabs=${component.tabs.map(({ id, title }) => ({ id, title }))}
            .active=${tab.id}
            @od-tab-change=${(event: CustomEvent<TabChangeDetail>) => this.#onTabChange(component, event)}
          >
            ${keyed(tab.id, html`${this.#renderList(tab.components, `${path}.${index}`, titles)}`)}
          </od-tabs>
        `);
      }
      case 'grid': {
        const spans = columnSpans(component.columns.map((column) => column.span));
        return keyed(key, html`
          <div class="grid" data-grid=${path}>
            ${component.columns.map((column, index) => html`
              <div class="grid-cell" style="grid-column: span ${spans[index]}">${this.#renderList(column.components, `${path}.${index}`, titles)}</div>
            `)}
          </div>
        `);
      }
      case 'modal':
      case 'drawer': {
        const open = this.openOverlay === component.id;
        return keyed(key, html`
          <od-overlay
            data-overlay=${component.id}
            kind=${component.type}
            .heading=${component.title}
            .open=${open}
            @od-overlay-close=${() => this.#onOverlayClose()}
          >
            ${open ? this.#renderList(component.components, `${path}.0`, titles) : nothing}
          </od-overlay>
        `);
      }
      case 'button':
        return html`<div class="buttons">
          <button class="btn ${component.style === 'primary' ? 'primary' : ''}" type="button" data-open=${component.open} aria-haspopup="dialog" @click=${() => this.#openOverlay(component.open)}>
            ${component.label}
          </button>
        </div>`;
      case 'markdown':
        return html`<od-markdown .text=${component.text} .scope=${bindingScope(this.selections, this.#bindings())}></od-markdown>`;
      case 'filters':
        return keyed(key, html`<od-filter-bar .appId=${this.appId} .filters=${component} .values=${this.filterValues[component.id] ?? {}} @od-filter-change=${this.#onFilterChange}></od-filter-bar>`);
      case 'job':
        return keyed(key, html`<od-job-card data-job-card=${component.job} .appId=${this.appId} .jobId=${component.job} .job=${spec.jobs?.[component.job]} .heading=${component.title ?? ''}></od-job-card>`);
      case 'detail':
        return keyed(key, html`<od-detail
          data-detail=${component.query}
          .appId=${this.appId}
          .detail=${component}
          .selections=${this.selections}
          .bindings=${this.#bindings()}
          .tableTitles=${titles}
          .refreshCount=${this.refreshCount}
        ></od-detail>`);
      default: {
        const chart = renderChartComponent(component, this.appId, this.refreshCount, this.selections, this.#bindings());
        return chart ? keyed(key, chart) : nothing;
      }
    }
  }

  /** The data table's key for its selected row, so a row restored from the URL shows as selected. */
  #selectedKey(table: ClientTable, path: string): string | undefined {
    const row = this.selections[tableKey(table, path)];
    if (!row || table.rowKey === undefined || !Object.hasOwn(row, table.rowKey)) return undefined;
    return `k:${toText(row[table.rowKey])}`;
  }
}

customElements.define('od-page-view', PageView);
