// Toasts: short messages in a stack at the bottom right that disappear after a few seconds.
import { LitElement, css, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { buttonStyles } from './shared-styles.js';

/** Window event that `showToast` fires and the stack listens to. */
const TOAST_EVENT = 'od-toast';
/** How long a toast stays, in milliseconds. */
const TOAST_DURATION_MS = 5000;

/** Visual kind of a toast. */
export type ToastTone = 'success' | 'info' | 'error';

interface ToastDetail {
  message: string;
  tone: ToastTone;
}

interface Toast extends ToastDetail {
  id: number;
}

/** Shows a toast in the page's toast stack. */
export function showToast(message: string, tone: ToastTone = 'success'): void {
  window.dispatchEvent(new CustomEvent<ToastDetail>(TOAST_EVENT, { detail: { message, tone } }));
}

/** The stack of visible toasts. Each toast has `role="status"` and `data-testid="toast"`. */
export class ToastStack extends LitElement {
  static override properties = {
    toasts: { state: true },
  };

  static override styles = [
    buttonStyles,
    css`
      :host {
        position: fixed;
        right: var(--od-space-5);
        bottom: var(--od-space-5);
        z-index: 1000;
        display: flex;
        flex-direction: column;
        align-items: flex-end;
        gap: var(--od-space-2);
        pointer-events: none;
      }
      .toast {
        display: flex;
        align-items: center;
        gap: var(--od-space-3);
        min-width: 240px;
        max-width: min(420px, calc(100vw - 48px));
        padding: var(--od-space-2) var(--od-space-2) var(--od-space-2) var(--od-space-4);
        border-radius: var(--od-radius);
        background: var(--od-toast-bg);
        color: var(--od-toast-text);
        box-shadow: var(--od-shadow);
        font-size: var(--od-font-size);
        pointer-events: auto;
        animation: enter 0.16s ease-out;
      }
      .toast::before {
        content: '';
        flex: none;
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: var(--od-toast-success);
      }
      .toast.info::before {
        background: var(--od-toast-info);
      }
      .toast.error::before {
        background: var(--od-toast-error);
      }
      .message {
        flex: 1;
      }
      .close {
        color: var(--od-toast-muted);
      }
      .close:hover:not(:disabled) {
        background: var(--od-toast-hover);
      }
      @keyframes enter {
        from {
          opacity: 0;
          transform: translateY(8px);
        }
      }
    `,
  ];

  /** Toasts on screen, oldest first. */
  toasts: Toast[] = [];
  #nextId = 1;
  #timers = new Map<number, number>();

  readonly #onToast = (event: Event): void => {
    const detail = (event as CustomEvent<ToastDetail>).detail;
    const toast: Toast = { id: this.#nextId++, message: detail.message, tone: detail.tone };
    this.toasts = [...this.toasts, toast];
    this.#timers.set(toast.id, window.setTimeout(() => this.dismiss(toast.id), TOAST_DURATION_MS));
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener(TOAST_EVENT, this.#onToast);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener(TOAST_EVENT, this.#onToast);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Removes one toast at once. */
  dismiss(id: number): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    this.toasts = this.toasts.filter((toast) => toast.id !== id);
  }

  override render() {
    return repeat(
      this.toasts,
      (toast) => toast.id,
      (toast) => html`
        <div class="toast ${toast.tone}" role="status" data-testid="toast">
          <span class="message">${toast.message}</span>
          <button class="btn ghost small close" type="button" aria-label="Dismiss" @click=${() => this.dismiss(toast.id)}>✕</button>
        </div>
      `,
    );
  }
}

customElements.define('od-toast-stack', ToastStack);
