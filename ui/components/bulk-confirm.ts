// The confirmation shown before a bulk action runs anything. It is a native
// modal <dialog> that names the action, the number of rows and the action's
// `confirm:` text. Enter on the focused Run button confirms, and Escape or
// Cancel closes it without running anything.
import { LitElement, css, html, nothing } from 'lit';
import { fillTemplate } from '../template.js';
import type { Row } from '../client-spec.js';
import { buttonStyles, dialogStyles } from './shared-styles.js';

/** Maximum number of distinct confirm texts listed before the rest are counted. */
const MAX_CONFIRM_LINES = 5;

/**
 * Returns the action's `confirm:` text for a bulk run, filled for each row
 * and its parameters. Duplicates are dropped, so a text without placeholders
 * shows once. At most MAX_CONFIRM_LINES are returned, with the count of the rest.
 */
export function bulkConfirmLines(confirm: string | undefined, runs: Array<{ row: Row; params: Record<string, unknown> }>): { lines: string[]; more: number } {
  if (confirm === undefined || confirm.trim() === '') return { lines: [], more: 0 };
  const distinct = [...new Set(runs.map(({ row, params }) => fillTemplate(confirm, { row, params })))];
  if (distinct.length === 0) distinct.push(fillTemplate(confirm, { row: {}, params: {} }));
  return { lines: distinct.slice(0, MAX_CONFIRM_LINES), more: Math.max(0, distinct.length - MAX_CONFIRM_LINES) };
}

/** Asks to confirm a bulk run; fires `od-bulk-confirm` or `od-bulk-cancel` once. */
export class BulkConfirm extends LitElement {
  static override properties = {
    heading: { type: String },
    count: { type: Number },
    lines: { attribute: false },
    more: { type: Number },
    danger: { type: Boolean },
  };

  static override styles = [
    buttonStyles,
    dialogStyles,
    css`
      dialog {
        width: min(480px, calc(100vw - 32px));
        padding: var(--od-space-5);
        border-radius: var(--od-radius-lg);
        background: var(--od-bg);
      }
      h2 {
        margin: 0 0 var(--od-space-3);
        font-size: var(--od-font-size-lg);
      }
      p,
      ul {
        margin: 0 0 var(--od-space-3);
      }
      .buttons {
        display: flex;
        justify-content: flex-end;
        gap: var(--od-space-2);
      }
    `,
  ];

  /** Title of the action. */
  heading = '';
  /** Number of selected rows the action would run on. */
  count = 0;
  /** The action's confirm text, filled per row (see bulkConfirmLines). */
  lines: string[] = [];
  /** Distinct confirm texts left out of `lines`. */
  more = 0;
  /** The action is destructive: its Run button is red. */
  danger = false;

  #answered = false;

  override firstUpdated(): void {
    this.renderRoot.querySelector('dialog')?.showModal();
    // Focus starts on Run, so Enter confirms and Escape cancels.
    this.renderRoot.querySelector<HTMLElement>('[data-testid="bulk-confirm"]')?.focus();
  }

  #answer(confirmed: boolean): void {
    if (this.#answered) return;
    this.#answered = true;
    this.renderRoot.querySelector('dialog')?.close();
    this.dispatchEvent(new CustomEvent(confirmed ? 'od-bulk-confirm' : 'od-bulk-cancel', { bubbles: true, composed: true }));
  }

  override render() {
    const rows = `${this.count} ${this.count === 1 ? 'row' : 'rows'}`;
    return html`<dialog role="alertdialog" aria-labelledby="bulk-title" aria-describedby="bulk-text" data-testid="bulk-dialog" @close=${() => this.#answer(false)}>
      <h2 id="bulk-title">${this.heading} on ${rows}?</h2>
      <p id="bulk-text">Runs ${this.heading} on ${rows}, one after another. The run stops at the first failure.</p>
      ${this.lines.length > 0
        ? html`<ul data-testid="bulk-confirm-text">
            ${this.lines.map((line) => html`<li>${line}</li>`)}
            ${this.more > 0 ? html`<li>… and ${this.more} more</li>` : nothing}
          </ul>`
        : nothing}
      <div class="buttons">
        <button class="btn" type="button" data-testid="bulk-cancel" @click=${() => this.#answer(false)}>Cancel</button>
        <button class="btn ${this.danger ? 'danger' : 'primary'}" type="button" data-testid="bulk-confirm" @click=${() => this.#answer(true)}>Run on ${rows}</button>
      </div>
    </dialog>`;
  }
}

customElements.define('od-bulk-confirm', BulkConfirm);
