// A compact "Actions" menu button for one table row, for tables with too many
// row actions to show as buttons.
import { LitElement, css, html } from 'lit';
import { buttonStyles } from './shared-styles.js';

/** One entry of a row menu. */
export interface RowMenuItem {
  /** Action id, also the item's `data-action` attribute. */
  id: string;
  /** Text of the item. */
  title: string;
  /** Shows the item in red, for actions whose `style` is `danger`. */
  danger: boolean;
}

/** Detail of `od-menu-select`: the id of the chosen item. */
export interface RowMenuSelectDetail {
  id: string;
}

/** Space in pixels between the button and the menu, and between the menu and the viewport edge. */
const GAP = 4;
const EDGE = 8;

/**
 * A menu button following the WAI-ARIA menu button pattern: Enter, Space or
 * ArrowDown opens the menu and focuses its first item, ArrowUp and ArrowDown
 * move, Enter or Space activates, Escape closes and focuses the button, Tab
 * closes. A click outside, a scroll or a resize closes it too. The menu is a
 * fixed-position popover, so a scrolling ancestor does not clip it. Fires
 * `od-menu-select` (bubbles, composed) when an item is chosen.
 */
export class RowMenu extends LitElement {
  static override properties = {
    items: { attribute: false },
    label: { type: String },
    open: { state: true },
  };

  static override styles = [
    buttonStyles,
    css`
      :host {
        display: inline-block;
      }
      .trigger {
        gap: 6px;
        padding: 0 6px 0 var(--od-space-2);
      }
      .trigger[aria-expanded='true'] {
        background: var(--od-surface-muted);
      }
      .chevron {
        width: 10px;
        height: 10px;
        color: var(--od-text-muted);
      }
      [role='menu'] {
        position: fixed;
        inset: auto;
        z-index: 50;
        min-width: 168px;
        margin: 0;
        padding: var(--od-space-1);
        border: 1px solid var(--od-border);
        border-radius: var(--od-radius);
        background: var(--od-surface);
        color: var(--od-text);
        box-shadow: var(--od-shadow-lg);
        font-family: var(--od-font);
        font-size: var(--od-font-size-sm);
        text-align: left;
      }
      [role='menu'][hidden] {
        display: none;
      }
      [role='menuitem'] {
        display: block;
        width: 100%;
        padding: 6px var(--od-space-2);
        border: 0;
        border-radius: var(--od-radius-sm);
        background: none;
        color: inherit;
        font: inherit;
        text-align: left;
        white-space: nowrap;
        cursor: pointer;
      }
      [role='menuitem']:hover,
      [role='menuitem']:focus-visible {
        outline: none;
        background: var(--od-surface-hover);
      }
      [role='menuitem'].danger {
        color: var(--od-danger);
      }
      [role='menuitem'].danger:hover,
      [role='menuitem'].danger:focus-visible {
        background: var(--od-danger-soft);
      }
    `,
  ];

  /** Entries of the menu, in order. */
  items: RowMenuItem[] = [];
  /** Accessible name of the button, such as "Actions for Luís Gonçalves". */
  label = 'Actions';
  /** Set while the menu is shown. */
  open = false;

  #onOutsidePointer = (event: PointerEvent): void => {
    if (!event.composedPath().includes(this)) this.close(false);
  };

  #onResize = (): void => this.close(false);

  #onScroll = (): void => {
    // A scroll event can arrive after the scroll that happened before the menu opened, so only a moved button closes it.
    const anchor = this.#button?.getBoundingClientRect();
    if (!anchor || !this.#anchor) return;
    if (Math.abs(anchor.top - this.#anchor.top) > 0.5 || Math.abs(anchor.left - this.#anchor.left) > 0.5) this.close(false);
  };

  /** Position of the button when the menu was placed. */
  #anchor: DOMRect | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#removeListeners();
  }

  get #button(): HTMLButtonElement | null {
    return this.renderRoot.querySelector<HTMLButtonElement>('.trigger');
  }

  get #menu(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>('[role="menu"]');
  }

  get #menuItems(): HTMLButtonElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
  }

  /** Shows the menu below the button, or above it when there is no room below, and focuses the first item. */
  async show(): Promise<void> {
    if (this.open || this.items.length === 0) return;
    this.open = true;
    await this.updateComplete;
    const menu = this.#menu;
    if (!menu) return;
    // In the popover's top layer the menu shows above the sticky table headers, and no scrolling ancestor clips it.
    if (typeof menu.showPopover === 'function') menu.showPopover();
    this.#place(menu);
    this.#menuItems[0]?.focus();
    this.#addListeners();
  }

  /** Hides the menu. With `restoreFocus`, focus goes back to the button. */
  close(restoreFocus = true): void {
    if (!this.open) return;
    const menu = this.#menu;
    if (menu && typeof menu.hidePopover === 'function' && menu.matches(':popover-open')) menu.hidePopover();
    this.open = false;
    this.#removeListeners();
    if (restoreFocus) this.#button?.focus();
  }

  #place(menu: HTMLElement): void {
    const button = this.#button;
    if (!button) return;
    const anchor = button.getBoundingClientRect();
    this.#anchor = anchor;
    const { width, height } = menu.getBoundingClientRect();
    const roomBelow = window.innerHeight - anchor.bottom - GAP - EDGE;
    const roomAbove = anchor.top - GAP - EDGE;
    const top = height > roomBelow && roomAbove > roomBelow ? anchor.top - GAP - height : anchor.bottom + GAP;
    // Right-aligned with the button, because the actions column sits at the right edge of the table.
    const left = Math.min(Math.max(EDGE, anchor.right - width), window.innerWidth - width - EDGE);
    menu.style.top = `${Math.max(EDGE, top)}px`;
    menu.style.left = `${Math.max(EDGE, left)}px`;
  }

  #addListeners(): void {
    document.addEventListener('pointerdown', this.#onOutsidePointer, true);
    window.addEventListener('resize', this.#onResize);
    window.addEventListener('scroll', this.#onScroll, true);
    // Scroll events are not composed, so a scroll of the table's own container only reaches its shadow root.
    this.getRootNode().addEventListener('scroll', this.#onScroll, true);
  }

  #removeListeners(): void {
    document.removeEventListener('pointerdown', this.#onOutsidePointer, true);
    window.removeEventListener('resize', this.#onResize);
    window.removeEventListener('scroll', this.#onScroll, true);
    this.getRootNode().removeEventListener('scroll', this.#onScroll, true);
  }

  #onButtonClick(): void {
    if (this.open) this.close();
    else void this.show();
  }

  #onButtonKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' || event.key === ' ' || event.key === 'ArrowDown') {
      // Without preventDefault the button's own click would follow and close the menu again.
      event.preventDefault();
      void this.show();
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      void this.show().then(() => this.#menuItems.at(-1)?.focus());
    }
  }

  #onMenuKey(event: KeyboardEvent): void {
    const items = this.#menuItems;
    const index = items.indexOf(event.target as HTMLButtonElement);
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        items[(index + 1) % items.length]?.focus();
        break;
      case 'ArrowUp':
        event.preventDefault();
        items[(index - 1 + items.length) % items.length]?.focus();
        break;
      case 'Home':
        event.preventDefault();
        items[0]?.focus();
        break;
      case 'End':
        event.preventDefault();
        items.at(-1)?.focus();
        break;
      case 'Escape':
        event.preventDefault();
        event.stopPropagation();
        this.close();
        break;
      case 'Tab':
        // Focus moves to the button first, so the browser's own Tab continues from the button's place in the page.
        this.close();
        break;
      default:
        break;
    }
  }

  #choose(item: RowMenuItem): void {
    // Focus returns to the button first, so a dialog opened by the action gives focus back to it when it closes.
    this.close();
    this.dispatchEvent(
      new CustomEvent<RowMenuSelectDetail>('od-menu-select', { detail: { id: item.id }, bubbles: true, composed: true }),
    );
  }

  override render() {
    return html`
      <button
        class="btn small trigger"
        type="button"
        data-testid="row-actions"
        aria-haspopup="menu"
        aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls="menu"
        aria-label=${this.label}
        @click=${this.#onButtonClick}
        @keydown=${this.#onButtonKey}
      >
        Actions
        <svg class="chevron" viewBox="0 0 10 10" fill="none" stroke="currentColor" stroke-width="1.5" aria-hidden="true">
          <path d="M2 3.5L5 6.5L8 3.5" stroke-linecap="round" stroke-linejoin="round"></path>
        </svg>
      </button>
      <div id="menu" role="menu" popover="manual" aria-label=${this.label} ?hidden=${!this.open} @keydown=${this.#onMenuKey}>
        ${this.items.map(
          (item) => html`<button
            class=${item.danger ? 'danger' : ''}
            type="button"
            role="menuitem"
            tabindex="-1"
            data-action=${item.id}
            @click=${() => this.#choose(item)}
          >
            ${item.title}
          </button>`,
        )}
      </div>
    `;
  }
}

customElements.define('od-row-menu', RowMenu);
