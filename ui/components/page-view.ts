// One page of an app: its tables and forms, the selected rows they share, and the action dialog.
import { LitElement, css, html, nothing } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import type { ClientPage, ClientSpec, ClientTable, Row } from '../client-spec.js';
import { humanize } from '../format.js';
import type { ActionDialog } from './action-dialog.js';
import type { RowActionDetail, RowSelectDetail } from './data-table.js';
import './action-dialog.js';
import './action-form.js';
import './data-table.js';
import { utilityStyles } from './shared-styles.js';

/** Key of a table on its page: its `id`, or its position for tables without one. */
export function tableKey(table: ClientTable, index: number): string {
  return table.id ?? `#${index}`;
}

/** Renders a page's components and keeps them in step: selections flow to dependent tables, actions refresh all tables. */
export class PageView extends LitElement {
  static override properties = {
    appId: { type: String },
    spec: { attribute: false },
    page: { attribute: false },
    selections: { state: true },
    refreshCount: { state: true },
  };

  static override styles = [
    utilityStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-5);
      }
      .form-card {
        padding: var(--od-space-4) var(--od-space-5) var(--od-space-5);
        max-width: 640px;
      }
      .form-card h2 {
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
    `,
  ];

  /** App the page belongs to. */
  appId = '';
  /** The client view of the app. */
  spec: ClientSpec | undefined;
  /** The page to show. */
  page: ClientPage | undefined;
  /** Selected row of each table, by table key. */
  selections: Record<string, Row | undefined> = {};
  /** Incremented after an action succeeded, so every table queries again. */
  refreshCount = 0;

  override willUpdate(changed: Map<string, unknown>): void {
    const previous = changed.get('page') as ClientPage | undefined;
    if (changed.has('page') && previous?.id !== this.page?.id) this.selections = {};
    // A new version of the spec may have changed the queries behind the tables, so they run again.
    const previousSpec = changed.get('spec') as ClientSpec | undefined;
    if (previousSpec && this.spec && previousSpec.version !== this.spec.version) this.refreshCount++;
  }

  #tableTitles(): Record<string, string> {
    const titles: Record<string, string> = {};
    this.page?.components.forEach((component, index) => {
      if (component.type !== 'table') return;
      titles[tableKey(component, index)] = component.title ?? this.spec?.queries[component.query]?.title ?? humanize(component.query);
    });
    return titles;
  }

  #onRowSelect(event: CustomEvent<RowSelectDetail>): void {
    const { tableKey: key, row } = event.detail;
    if ((this.selections[key] ?? null) === row) return;
    this.selections = { ...this.selections, [key]: row ?? undefined };
  }

  #onRowAction(event: CustomEvent<RowActionDetail>): void {
    const action = this.spec?.actions[event.detail.actionId];
    if (!action) return;
    const dialog = this.renderRoot.querySelector<ActionDialog>('od-action-dialog');
    void dialog?.open({ ...event.detail, action });
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
        @od-row-action=${this.#onRowAction}
        @od-action-done=${() => this.refreshCount++}
      >
        ${page.components.map((component, index) => {
          // Keyed by page and position, so a table's paging, sort and search never carry over to another page's table.
          const key = `${page.id}:${index}`;
          if (component.type === 'table') {
            return keyed(key, html`<od-data-table
              data-table=${tableKey(component, index)}
              .appId=${this.appId}
              .table=${component}
              .tableKey=${tableKey(component, index)}
              .query=${spec.queries[component.query]}
              .actions=${spec.actions}
              .selections=${this.selections}
              .tableTitles=${titles}
              .refreshCount=${this.refreshCount}
            ></od-data-table>`);
          }
          if (component.type === 'form') {
            const action = spec.actions[component.action];
            if (!action) return nothing;
            return keyed(key, html`
              <section class="card form-card" data-form=${component.action}>
                <h2>${component.title ?? action.title}</h2>
                ${action.description ? html`<p class="muted">${action.description}</p>` : nothing}
                <od-action-form inline .appId=${this.appId} .actionId=${component.action} .action=${action}></od-action-form>
              </section>
            `);
          }
          return nothing;
        })}
        <od-action-dialog .appId=${this.appId}></od-action-dialog>
      </div>
    `;
  }
}

customElements.define('od-page-view', PageView);
