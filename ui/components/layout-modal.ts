// A `modal` or `drawer`: the native <dialog> shown modally, so the rest of the
// page is inert. Escape or the close button closes it, and focus returns to
// the element that was focused when it opened.
import { LitElement, css, html } from 'lit';
import { buttonStyles, dialogStyles } from './shared-styles.js';

/** Returns the focused element, looking into shadow roots. */
function deepActiveElement(): HTMLElement | undefined {
  let element = document.activeElement;
  while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
  return element instanceof HTMLElement ? element : undefined;
}

/** Shows its children in a dialog while `open`; fires `od-overlay-close` when the user closes it. */
export class LayoutModal extends LitElement {
  static override properties = {
    kind: { type: String, reflect: true },
    heading: { type: String },
    open: { type: Boolean },
  };

  static override styles = [
    buttonStyles,
    dialogStyles,
    css`
      dialog {
        padding: 0;
        background: var(--od-bg);
      }
      :host([kind='modal']) dialog {
        width: min(960px, calc(100vw - 32px));
        max-height: calc(100vh - 64px);
        border-radius: var(--od-radius-lg);
      }
      :host([kind='drawer']) dialog {
        width: min(560px, 100vw);
        height: 100vh;
        max-height: 100vh;
        margin: 0 0 0 auto;
        border-radius: 0;
        border-width: 0 0 0 1px;
      }
      header {
        position: sticky;
        top: 0;
        z-index: 1;
        display: flex;
        align-items: center;
        gap: var(--od-space-3);
        padding: var(--od-space-3) var(--od-space-4) var(--od-space-3) var(--od-space-5);
        border-bottom: 1px solid var(--od-border);
        background: var(--od-surface);
      }
      h2 {
        flex: 1;
        margin: 0;
        font-size: var(--od-font-size-lg);
        font-weight: 600;
      }
      .body {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-5);
        padding: var(--od-space-5);
      }
      .edge {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
      }
    `,
  ];

  /** `modal` (centred dialog) or `drawer` (panel at the right edge). */
  kind: 'modal' | 'drawer' = 'modal';
  heading = '';
  open = false;

  #returnFocus: HTMLElement | undefined;

  override updated(changed: Map<string, unknown>): void {
    if (!changed.has('open')) return;
    const dialog = this.renderRoot.querySelector('dialog');
    if (!dialog) return;
    if (this.open && !dialog.open) {
      this.#returnFocus = deepActiveElement();
      dialog.showModal();
      this.renderRoot.querySelector<HTMLElement>('[data-testid="overlay-close"]')?.focus();
    } else if (!this.open && dialog.open) {
      dialog.close();
    }
  }

  /** Runs on every close of the dialog, by Escape, the close button or the page. */
  #onClose(): void {
    const target = this.#returnFocus;
    this.#returnFocus = undefined;
    if (target?.isConnected) target.focus();
    if (this.open) this.dispatchEvent(new CustomEvent('od-overlay-close', { bubbles: true, composed: true }));
  }

  /** Keeps Tab inside the dialog: focus that reaches either edge moves to the close button. */
  #wrapFocus(): void {
    this.renderRoot.querySelector<HTMLElement>('[data-testid="overlay-close"]')?.focus();
  }

  override render() {
    return html`
      <dialog aria-labelledby="overlay-title" @close=${this.#onClose}>
        <span class="edge" tabindex="0" @focus=${this.#wrapFocus}></span>
        <header>
          <h2 id="overlay-title">${this.heading}</h2>
          <button class="btn ghost small" type="button" data-testid="overlay-close" aria-label="Close" @click=${() => this.renderRoot.querySelector('dialog')?.close()}>✕</button>
        </header>
        <div class="body"><slot></slot></div>
        <span class="edge" tabindex="0" @focus=${this.#wrapFocus}></span>
      </dialog>
    `;
  }
}

customElements.define('od-overlay', LayoutModal);
