// The Approvals page of an app: requests the user may decide and requests
// the user sent, each with its parameters, the preview taken when it was sent,
// and Approve and Reject buttons for approvers.
import { LitElement, css, html, nothing } from 'lit';
import { ApiError, apiGet, apiPost, segment } from '../api.js';
import type { ApprovalItem, ApprovalStatus, ClientSpec } from '../client-spec.js';
import { humanize, toText } from '../format.js';
import { showToast } from './toast-stack.js';
import { buttonStyles, inputStyles, utilityStyles } from './shared-styles.js';
import './action-preview.js';

/** Page id of the Approvals page in app URLs. Spec page ids start with a letter, so none can take it. */
export const APPROVALS_PAGE = '_approvals';

/** Maximum length of a comment the server accepts on a decision. */
const MAX_COMMENT_LENGTH = 1000;

const STATUS_LABELS: Record<ApprovalStatus, string> = {
  pending: 'Pending',
  approved: 'Approved, running',
  rejected: 'Rejected',
  expired: 'Expired',
  executed: 'Approved and run',
  failed: 'Failed',
};

/** Lists an app's approval requests for the signed-in user and sends their decisions. */
export class ApprovalQueue extends LitElement {
  static override properties = {
    appId: { type: String },
    spec: { attribute: false },
    filter: { state: true },
    items: { state: true },
    loadError: { state: true },
    deciding: { state: true },
    comments: { state: true },
  };

  static override styles = [
    buttonStyles,
    inputStyles,
    utilityStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-4);
        max-width: 880px;
      }
      .filter {
        display: flex;
        gap: var(--od-space-2);
      }
      .btn[aria-pressed='true'] {
        background: var(--od-accent-soft);
        border-color: var(--od-accent);
        color: var(--od-accent);
      }
      ul {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-4);
        margin: 0;
        padding: 0;
        list-style: none;
      }
      article {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-3);
        padding: var(--od-space-4) var(--od-space-5);
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: var(--od-space-2) var(--od-space-3);
      }
      h2 {
        margin: 0;
        font-size: var(--od-font-size-lg);
        font-weight: 600;
      }
      .status {
        padding: 0 8px;
        border-radius: var(--od-radius-sm);
        background: var(--od-surface-muted);
        color: var(--od-text-muted);
        font-size: var(--od-font-size-xs);
        font-weight: 500;
      }
      .status.pending {
        background: var(--od-warning-bg);
        color: var(--od-warning-text);
      }
      .status.executed {
        background: var(--od-success-soft);
        color: var(--od-success);
      }
      .status.rejected,
      .status.failed {
        background: var(--od-danger-soft);
        color: var(--od-danger);
      }
      .meta,
      .note {
        margin: 0;
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: var(--od-space-1) var(--od-space-4);
        margin: 0;
      }
      dt {
        color: var(--od-text-muted);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
        white-space: pre-wrap;
      }
      h3 {
        margin: 0;
        color: var(--od-text-subtle);
        font-size: var(--od-font-size-xs);
        font-weight: 600;
        letter-spacing: 0.04em;
        text-transform: uppercase;
      }
      .decide {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-2);
      }
      .buttons {
        display: flex;
        gap: var(--od-space-2);
      }
      .error {
        color: var(--od-danger);
      }
    `,
  ];

  /** App whose requests are listed. */
  appId = '';
  /** The app's client view, for action and parameter titles. */
  spec: ClientSpec | undefined;
  /** Pending requests only, or every request. */
  filter: 'pending' | 'all' = 'pending';
  /** Requests as last loaded; undefined while loading. */
  items: ApprovalItem[] | undefined;
  loadError: string | undefined;
  /** Id of the request whose decision is being sent. */
  deciding: string | undefined;
  /** Comment typed per request id. */
  comments: Record<string, string> = {};

  #loadSequence = 0;

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('appId') || changed.has('filter')) void this.#load();
  }

  async #load(): Promise<void> {
    const sequence = ++this.#loadSequence;
    try {
      const body = await apiGet<{ approvals: ApprovalItem[] }>(`/api/apps/${segment(this.appId)}/approvals?status=${this.filter}`);
      if (sequence !== this.#loadSequence) return;
      this.items = body.approvals;
      this.loadError = undefined;
    } catch (error) {
      if (sequence !== this.#loadSequence) return;
      this.loadError = error instanceof Error ? error.message : String(error);
    }
  }

  async #decide(item: ApprovalItem, verdict: 'approve' | 'reject'): Promise<void> {
    this.deciding = item.id;
    const comment = (this.comments[item.id] ?? '').trim();
    try {
      await apiPost<unknown>(`/api/apps/${segment(this.appId)}/approvals/${segment(item.id)}/${verdict}`, comment === '' ? {} : { comment });
      showToast(verdict === 'approve' ? `${item.actionTitle} approved and run.` : `${item.actionTitle} rejected.`);
      const { [item.id]: _sent, ...rest } = this.comments;
      this.comments = rest;
    } catch (error) {
      const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
      showToast(`${item.actionTitle} was not ${verdict === 'approve' ? 'approved' : 'rejected'}: ${message}`, 'error');
    } finally {
      this.deciding = undefined;
      await this.#load();
    }
  }

  override render() {
    return html`
      <div class="filter" role="group" aria-label="Show" data-testid="approvals-filter">
        ${(['pending', 'all'] as const).map(
          (value) => html`<button
            class="btn small"
            type="button"
            data-filter=${value}
            aria-pressed=${this.filter === value ? 'true' : 'false'}
            @click=${() => (this.filter = value)}
          >
            ${value === 'pending' ? 'Pending' : 'All requests'}
          </button>`,
        )}
      </div>
      ${this.#renderList()}
    `;
  }

  #renderList() {
    if (this.loadError !== undefined) return html`<p class="error" role="alert" data-testid="approvals-error">${this.loadError}</p>`;
    if (this.items === undefined) return html`<p class="muted" aria-busy="true">Loading…</p>`;
    if (this.items.length === 0) {
      return html`<p class="muted" data-testid="approvals-empty">${this.filter === 'pending' ? 'No request is waiting for a decision.' : 'No request yet.'}</p>`;
    }
    return html`<ul data-testid="approvals">
      ${this.items.map((item) => html`<li>${this.#renderItem(item)}</li>`)}
    </ul>`;
  }

  #renderItem(item: ApprovalItem) {
    const paramSchemas = this.spec?.actions[item.action]?.params ?? {};
    const params = Object.entries(item.params);
    return html`
      <article class="card" data-approval=${item.id} data-status=${item.status} aria-labelledby="title-${item.id}">
        <header>
          <h2 id="title-${item.id}">${item.actionTitle}</h2>
          <span class="status ${item.status}" data-testid="approval-status">${STATUS_LABELS[item.status] ?? item.status}</span>
        </header>
        <p class="meta">
          Requested by <span data-testid="approval-requester">${item.requester.name}</span> on ${formatTime(item.createdAt)}${item.status === 'pending'
            ? html` · expires ${formatTime(item.expiresAt)}`
            : nothing}
        </p>
        ${params.length > 0
          ? html`<dl data-testid="approval-params">
              ${params.map(([name, value]) => html`<dt>${paramSchemas[name]?.title ?? humanize(name)}</dt><dd data-param=${name}>${toText(value)}</dd>`)}
            </dl>`
          : nothing}
        ${item.preview
          ? html`<h3>Preview when requested</h3>
              <od-action-preview .result=${item.preview}></od-action-preview>`
          : nothing}
        ${this.#renderOutcome(item)} ${this.#renderDecision(item)}
      </article>
    `;
  }

  #renderOutcome(item: ApprovalItem) {
    const decision = item.decision;
    return html`
      ${decision
        ? html`<p class="note" data-testid="approval-decision">
            ${decision.status === 'approved' ? 'Approved' : 'Rejected'} by ${decision.by.name} on ${formatTime(decision.at)}${decision.comment ? `: ${decision.comment}` : '.'}
          </p>`
        : nothing}
      ${item.result?.error ? html`<p class="note error" data-testid="approval-error">${item.result.error}</p>` : nothing}
    `;
  }

  #renderDecision(item: ApprovalItem) {
    if (item.status !== 'pending') return nothing;
    if (!item.mayDecide) {
      const roles = item.approvers.length > 0 ? item.approvers.join(' or ') : 'an approver';
      return html`<p class="note" data-testid="approval-waiting">Waiting for approval by ${roles}.</p>`;
    }
    const busy = this.deciding === item.id;
    const fieldId = `comment-${item.id}`;
    return html`
      <div class="decide">
        <label for=${fieldId} class="note">Comment (optional)</label>
        <textarea
          id=${fieldId}
          class="input"
          rows="2"
          maxlength=${MAX_COMMENT_LENGTH}
          data-testid="approval-comment"
          .value=${this.comments[item.id] ?? ''}
          @input=${(event: Event) => (this.comments = { ...this.comments, [item.id]: (event.target as HTMLTextAreaElement).value })}
        ></textarea>
        <div class="buttons">
          <button class="btn primary" type="button" data-testid="approve" ?disabled=${busy} @click=${() => this.#decide(item, 'approve')}>Approve</button>
          <button class="btn danger" type="button" data-testid="reject" ?disabled=${busy} @click=${() => this.#decide(item, 'reject')}>Reject</button>
        </div>
      </div>
    `;
  }
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

customElements.define('od-approval-queue', ApprovalQueue);
