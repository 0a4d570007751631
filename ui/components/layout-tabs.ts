// Tabs: a tab list with roving focus (arrow keys, Home, End) around one panel.
// The page renders the open tab's components as the element's children.
import { LitElement, css, html } from 'lit';

/** Detail of `od-tab-change`: the id of the tab the user chose. */
export interface TabChangeDetail {
  id: string;
}

/** Renders a WAI-ARIA tab list; fires `od-tab-change` and leaves the open tab to the page. */
export class LayoutTabs extends LitElement {
  static override properties = {
    tabs: { attribute: false },
    active: { type: String },
  };

  static override styles = css`
    :host {
      display: block;
    }
    [role='tablist'] {
      display: flex;
      gap: var(--od-space-1);
      border-bottom: 1px solid var(--od-border);
      overflow-x: auto;
    }
    [role='tab'] {
      padding: var(--od-space-2) var(--od-space-3);
      border: none;
      border-bottom: 2px solid transparent;
      margin-bottom: -1px;
      background: none;
      color: var(--od-text-muted);
      font: inherit;
      font-weight: 500;
      white-space: nowrap;
      cursor: pointer;
    }
    [role='tab']:hover {
      color: var(--od-text);
    }
    [role='tab'][aria-selected='true'] {
      color: var(--od-accent);
      border-bottom-color: var(--od-accent);
    }
    [role='tab']:focus-visible {
      outline: none;
      border-radius: var(--od-radius-sm);
      box-shadow: var(--od-focus-ring);
    }
    [role='tabpanel'] {
      display: flex;
      flex-direction: column;
      gap: var(--od-space-5);
      padding-top: var(--od-space-4);
    }
    [role='tabpanel']:focus-visible {
      outline: none;
      border-radius: var(--od-radius-sm);
      box-shadow: var(--od-focus-ring);
    }
  `;

  /** Ids and titles of the tabs, in order. */
  tabs: Array<{ id: string; title: string }> = [];
  /** Id of the open tab. */
  active = '';

  #choose(id: string, focus: boolean): void {
    if (focus) {
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`[data-tab="${CSS.escape(id)}"]`)?.focus());
    }
    if (id === this.active) return;
    this.dispatchEvent(new CustomEvent<TabChangeDetail>('od-tab-change', { detail: { id }, bubbles: true, composed: true }));
  }

  #onKey(event: KeyboardEvent): void {
    const index = this.tabs.findIndex((tab) => tab.id === this.active);
    const last = this.tabs.length - 1;
    const next: Record<string, number> = { ArrowRight: index >= last ? 0 : index + 1, ArrowLeft: index <= 0 ? last : index - 1, Home: 0, End: last };
    if (!(event.key in next)) return;
    event.preventDefault();
    this.#choose(this.tabs[next[event.key]].id, true);
  }

  override render() {
    return html`
      <div role="tablist" @keydown=${this.#onKey}>
        ${this.tabs.map((tab) => {
          const selected = tab.id === this.active;
          return html`<button
            role="tab"
            type="button"
            id="tab-${tab.id}"
            data-tab=${tab.id}
            aria-selected=${selected ? 'true' : 'false'}
            aria-controls="panel"
            tabindex=${selected ? '0' : '-1'}
            @click=${() => this.#choose(tab.id, false)}
          >${tab.title}</button>`;
        })}
      </div>
      <div role="tabpanel" id="panel" aria-labelledby="tab-${this.active}" tabindex="0">
        <slot></slot>
      </div>
    `;
  }
}

customElements.define('od-tabs', LayoutTabs);
