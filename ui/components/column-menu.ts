// The "Columns" menu of a table: the operator shows, hides and reorders
// columns; the table stores the choice in localStorage per app, page and table.
import { LitElement, css, html, nothing } from 'lit';
import type { ClientColumn } from '../client-spec.js';
import { humanize } from '../format.js';
import { buttonStyles, utilityStyles } from './shared-styles.js';

/** An operator's column choice: every field in display order, and the hidden ones. */
export interface ColumnLayout {
  order: string[];
  hidden: string[];
}

/** Prefix of the localStorage keys of column layouts; the rest is app, page and table, URL-encoded. */
const STORAGE_PREFIX = 'opsdeck:columns:';

/** Builds the localStorage key of one table's layout. */
export function layoutStorageKey(appId: string, pageId: string, tableKey: string): string {
  return STORAGE_PREFIX + [appId, pageId, tableKey].map(encodeURIComponent).join(':');
}

/** Reads a stored layout; anything unreadable counts as none, so a bad entry never breaks the table. */
export function loadLayout(key: string): ColumnLayout | undefined {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key) ?? 'null');
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const { order, hidden } = parsed as Record<string, unknown>;
    const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every((item) => typeof item === 'string');
    return strings(order) && strings(hidden) ? { order, hidden } : undefined;
  } catch {
    return undefined;
  }
}

/** Stores a layout, or removes it when `layout` is undefined. Storage errors (quota, private mode) are ignored: the layout then lasts until reload. */
export function saveLayout(key: string, layout: ColumnLayout | undefined): void {
  try {
    if (layout === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(layout));
  } catch {
    // The choice still applies to this page view.
  }
}

/**
 * Orders the spec's columns by a layout and drops the hidden ones. Columns the
 * layout does not name (added to the spec later) follow the named ones in
 * spec order. Fields no longer in the spec are ignored. When the layout hides
 * every column, all of them show.
 */
export function applyLayout(columns: ClientColumn[], layout: ColumnLayout | undefined): { ordered: ClientColumn[]; visible: ClientColumn[] } {
  if (layout === undefined) return { ordered: columns, visible: columns };
  const byField = new Map(columns.map((column) => [column.field, column]));
  const named = layout.order.filter((field, index) => byField.has(field) && layout.order.indexOf(field) === index).map((field) => byField.get(field)!);
  const rest = columns.filter((column) => !layout.order.includes(column.field));
  const ordered = [...named, ...rest];
  const visible = ordered.filter((column) => !layout.hidden.includes(column.field));
  return { ordered, visible: visible.length > 0 ? visible : ordered };
}

/**
 * A button that opens a panel listing the table's columns, each with a
 * checkbox and move-up and move-down buttons, and a reset. Fires
 * `od-columns-change` with a ColumnLayout, and `od-columns-reset`. Escape or a
 * click outside closes the panel and focus returns to the button.
 */
export class ColumnMenu extends LitElement {
  static override properties = {
    columns: { attribute: false },
    hiddenFields: { attribute: false },
    tableLabel: { type: String },
    open: { state: true },
  };

  static override styles = [
    buttonStyles,
    utilityStyles,
    css`
      :host {
        display: inline-block;
      }
      .panel {
        position: fixed;
        inset: auto;
        margin: 0;
        min-width: 240px;
        padding: var(--od-space-2);
        border: 1px solid var(--od-border);
        border-radius: var(--od-radius);
        background: var(--od-surface);
        box-shadow: var(--od-shadow);
        color: var(--od-text);
        font-size: var(--od-font-size);
      }
      .panel[hidden] {
        display: none;
      }
      ul {
        margin: 0;
        padding: 0;
        list-style: none;
      }
      li {
        display: flex;
        align-items: center;
        gap: var(--od-space-2);
        padding: 2px var(--od-space-1);
        border-radius: var(--od-radius-sm);
      }
      li:hover {
        background: var(--od-surface-hover);
      }
      label {
        display: flex;
        flex: 1;
        align-items: center;
        gap: var(--od-space-2);
        min-height: 28px;
        cursor: pointer;
      }
      .move {
        width: 26px;
        min-width: 26px;
        padding: 0;
      }
      .footer {
        display: flex;
        justify-content: flex-end;
        margin-top: var(--od-space-2);
        padding-top: var(--od-space-2);
        border-top: 1px solid var(--od-border);
      }
    `,
  ];

  /** Every column of the table in its current order. */
  columns: ClientColumn[] = [];
  /** Fields currently hidden. */
  hiddenFields: string[] = [];
  /** Name of the table, for the accessible names of the button and panel. */
  tableLabel = '';
  /** Whether the panel shows. */
  open = false;

  #onOutsidePointer = (event: PointerEvent): void => {
    if (!event.composedPath().includes(this)) this.#close(false);
  };

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('pointerdown', this.#onOutsidePointer, true);
  }

  async #show(): Promise<void> {
    this.open = true;
    await this.updateComplete;
    const panel = this.renderRoot.querySelector<HTMLElement>('.panel');
    const button = this.renderRoot.querySelector<HTMLElement>('.toggle');
    if (!panel || !button) return;
    // In the popover top layer the panel is not clipped by the table card, which hides its overflow.
    if (typeof panel.showPopover === 'function' && !panel.matches(':popover-open')) panel.showPopover();
    const box = button.getBoundingClientRect();
    const width = panel.offsetWidth;
    panel.style.top = `${Math.min(box.bottom + 4, window.innerHeight - panel.offsetHeight - 8)}px`;
    panel.style.left = `${Math.max(8, box.right - width)}px`;
    panel.querySelector<HTMLInputElement>('input')?.focus();
    document.addEventListener('pointerdown', this.#onOutsidePointer, true);
  }

  #close(restoreFocus = true): void {
    if (!this.open) return;
    const panel = this.renderRoot.querySelector<HTMLElement>('.panel');
    if (panel && typeof panel.hidePopover === 'function' && panel.matches(':popover-open')) panel.hidePopover();
    this.open = false;
    document.removeEventListener('pointerdown', this.#onOutsidePointer, true);
    if (restoreFocus) this.renderRoot.querySelector<HTMLElement>('.toggle')?.focus();
  }

  #emit(order: string[], hidden: string[]): void {
    this.dispatchEvent(new CustomEvent<ColumnLayout>('od-columns-change', { detail: { order, hidden }, bubbles: true, composed: true }));
  }

  #toggle(field: string, visible: boolean): void {
    const hidden = visible ? this.hiddenFields.filter((entry) => entry !== field) : [...this.hiddenFields, field];
    this.#emit(this.columns.map((column) => column.field), hidden);
  }

  async #move(index: number, delta: number): Promise<void> {
    const order = this.columns.map((column) => column.field);
    const target = index + delta;
    if (target < 0 || target >= order.length) return;
    [order[index], order[target]] = [order[target], order[index]];
    // The list reorders itself at once, without waiting for the table, so focus can follow the moved column and repeated presses keep moving it.
    const columns = [...this.columns];
    [columns[index], columns[target]] = [columns[target], columns[index]];
    this.columns = columns;
    this.#emit(order, this.hiddenFields);
    await this.updateComplete;
    const direction = delta < 0 ? 'up' : 'down';
    const button = this.renderRoot.querySelector<HTMLButtonElement>(`li[data-field="${CSS.escape(order[target])}"] button[data-move="${direction}"]`);
    (button && !button.disabled ? button : this.renderRoot.querySelector<HTMLInputElement>(`li[data-field="${CSS.escape(order[target])}"] input`))?.focus();
  }

  #reset(): void {
    this.dispatchEvent(new CustomEvent('od-columns-reset', { bubbles: true, composed: true }));
  }

  #onKey(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      this.#close();
    }
  }

  override render() {
    const visibleCount = this.columns.filter((column) => !this.hiddenFields.includes(column.field)).length;
    return html`
      <button
        class="btn small toggle"
        type="button"
        data-testid="columns-button"
        aria-haspopup="true"
        aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls="columns-panel"
        aria-label="Columns of ${this.tableLabel}"
        @click=${() => (this.open ? this.#close() : void this.#show())}
      >
        Columns
      </button>
      <div id="columns-panel" class="panel" popover="manual" role="group" aria-label="Columns of ${this.tableLabel}" ?hidden=${!this.open} @keydown=${this.#onKey}>
        ${this.open ? this.#renderList(visibleCount) : nothing}
      </div>
    `;
  }

  #renderList(visibleCount: number) {
    return html`
      <ul data-testid="columns-list">
        ${this.columns.map((column, index) => {
          const label = column.label ?? humanize(column.field);
          const visible = !this.hiddenFields.includes(column.field);
          return html`<li data-field=${column.field}>
            <label>
              <input
                type="checkbox"
                .checked=${visible}
                ?disabled=${visible && visibleCount === 1}
                @change=${(event: Event) => this.#toggle(column.field, (event.target as HTMLInputElement).checked)}
              />
              ${label}
            </label>
            <button class="btn small move" type="button" data-move="up" aria-label="Move ${label} up" ?disabled=${index === 0} @click=${() => this.#move(index, -1)}>↑</button>
            <button class="btn small move" type="button" data-move="down" aria-label="Move ${label} down" ?disabled=${index === this.columns.length - 1} @click=${() => this.#move(index, 1)}>↓</button>
          </li>`;
        })}
      </ul>
      <div class="footer">
        <button class="btn small" type="button" data-testid="columns-reset" @click=${() => this.#reset()}>Reset columns</button>
      </div>
    `;
  }
}

customElements.define('od-column-menu', ColumnMenu);
