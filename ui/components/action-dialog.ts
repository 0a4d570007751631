// The modal dialog that runs a row action, built on the native <dialog> element.
import { LitElement, css, html, nothing } from 'lit';
import type { ClientAction, Row } from '../client-spec.js';
import type { ActionForm } from './action-form.js';
import './action-form.js';
import { buttonStyles, dialogStyles } from './shared-styles.js';

/** Request to run one action: the action, its row and its initial values. */
export interface ActionRequest {
  actionId: string;
  action: ClientAction;
  /** Row the action was started from, if any. */
  row?: Row;
  /** Initial values by parameter name. */
  prefill: Record<string, unknown>;
  /** Prefilled parameters that identify the row: sent with the action but not shown as fields. */
  hiddenParams: string[];
}

const NAME_FIELDS = ['name', 'title', 'fullname', 'customer', 'email'];

/** Picks a short label for a row, such as "Luís Gonçalves", for the dialog header. */
export function rowLabel(row: Row | undefined): string {
  if (!row) return '';
  const byLowerName = new Map(Object.keys(row).map((key) => [key.toLowerCase(), key]));
  const first = row[byLowerName.get('firstname') ?? ''];
  const last = row[byLowerName.get('lastname') ?? ''];
  if (typeof first === 'string' || typeof last === 'string') {
    return [first, last].filter((part) => typeof part === 'string' && part !== '').join(' ');
  }
  for (const field of NAME_FIELDS) {
    const key = byLowerName.get(field);
    const value = key === undefined ? undefined : row[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return '';
}

/** Modal that shows an action form for one row. Escape or Cancel closes it; success closes it too. */
export class ActionDialog extends LitElement {
  static override properties = {
    appId: { type: String },
    request: { state: true },
  };

  static override styles = [
    buttonStyles,
    dialogStyles,
    css`
      dialog {
        width: min(520px, calc(100vw - 32px));
        max-height: calc(100vh - 64px);
        padding: 0;
        border-radius: var(--od-radius-lg);
        background: var(--od-surface);
      }
      header {
        display: flex;
        align-items: flex-start;
        gap: var(--od-space-3);
        padding: var(--od-space-4) var(--od-space-5) 0;
      }
      h2 {
        flex: 1;
        margin: 0;
        font-size: var(--od-font-size-lg);
        font-weight: 600;
      }
      .subject {
        color: var(--od-text-muted);
        font-weight: 400;
      }
      .description {
        margin: var(--od-space-1) var(--od-space-5) 0;
        color: var(--od-text-muted);
      }
      .body {
        padding: var(--od-space-4) var(--od-space-5) var(--od-space-5);
      }
    `,
  ];

  /** App whose actions this dialog runs. */
  appId = '';
  /** The action being run, or undefined while closed. */
  request: ActionRequest | undefined;

  /** Opens the dialog for one action. */
  async open(request: ActionRequest): Promise<void> {
    this.request = request;
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && !dialog.open) dialog.showModal();
    const form = this.renderRoot.querySelector<ActionForm>('od-action-form');
    if (form) {
      form.reset();
      await form.updateComplete;
      form.focusFirst();
    }
  }

  /** Closes the dialog without running the action. */
  close(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }

  #onClosed(): void {
    this.request = undefined;
  }

  override render() {
    const request = this.request;
    const subject = rowLabel(request?.row);
    return html`
      <dialog
        aria-labelledby="action-dialog-title"
        data-testid="action-dialog"
        @close=${this.#onClosed}
        @od-action-done=${() => this.close()}
        @od-action-cancel=${() => this.close()}
      >
        ${request
          ? html`
              <header>
                <h2 id="action-dialog-title">
                  ${request.action.title}${subject ? html`<span class="subject"> — ${subject}</span>` : nothing}
                </h2>
                <button class="btn ghost small" type="button" aria-label="Close" @click=${() => this.close()}>✕</button>
              </header>
              ${request.action.description ? html`<p class="description">${request.action.description}</p>` : nothing}
              <div class="body">
                <od-action-form
                  .appId=${this.appId}
                  .actionId=${request.actionId}
                  .action=${request.action}
                  .row=${request.row}
                  .prefill=${request.prefill}
                  .hiddenParams=${request.hiddenParams}
                ></od-action-form>
              </div>
            `
          : nothing}
      </dialog>
    `;
  }
}

customElements.define('od-action-dialog', ActionDialog);
