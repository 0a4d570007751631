// The Audit page of an app: its audit records, newest first, with filters
// for user, object, outcome and time range, paged by the server.
import { LitElement, css, html, nothing } from 'lit';
import { ApiError, apiGet, segment } from '../api.js';
import { buttonStyles, inputStyles, utilityStyles } from './shared-styles.js';

/** Page id of the Audit page in app URLs. Spec page ids start with a letter, so none can take it. */
export const AUDIT_PAGE = '_audit';

/** Reads the client view's `mayViewAudit` flag: whether the app offers the user its Audit page. */
export function mayViewAudit(spec: object): boolean {
  return (spec as { mayViewAudit?: unknown }).mayViewAudit === true;
}

/** Records per page. */
const PAGE_SIZE = 25;

/** Outcomes offered by the filter; the server rejects others with 400. */
const OUTCOMES = ['succeeded', 'failed', 'started', 'denied', 'invalid', 'previewed', 'signed-in', 'signed-out', 'pending', 'approved', 'rejected', 'expired'];

/** One record as `GET /api/apps/:app/audit` returns it. */
interface AuditRecordView {
  id: string;
  seq?: number;
  time: string;
  user: string;
  object?: string;
  action?: string;
  outcome: string;
  rule?: string;
  params?: Record<string, unknown>;
  rows?: number;
  changes?: number;
  error?: string;
}

interface AuditPage {
  records: AuditRecordView[];
  total: number;
  limit: number;
  offset: number;
}

/** Filter values as the form contains them. Times are `datetime-local` values in the browser's time zone. */
interface AuditFilters {
  user: string;
  object: string;
  outcome: string;
  from: string;
  to: string;
}

const NO_FILTERS: AuditFilters = { user: '', object: '', outcome: '', from: '', to: '' };

/** Lists an app's audit records for users the spec names under `audit: { viewers }`. */
export class AuditView extends LitElement {
  static override properties = {
    appId: { type: String },
    page: { state: true },
    error: { state: true },
    loading: { state: true },
    filters: { state: true },
    offset: { state: true },
  };

  static override styles = [
    buttonStyles,
    inputStyles,
    utilityStyles,
    css`
      :host {
        display: block;
      }
      form {
        display: flex;
        flex-wrap: wrap;
        align-items: flex-end;
        gap: var(--od-space-3);
        padding: var(--od-space-3) var(--od-space-4);
        border-bottom: 1px solid var(--od-border);
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 2px;
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
      }
      label .input {
        width: 168px;
        height: 34px;
      }
      .buttons {
        display: flex;
        gap: var(--od-space-2);
      }
      .scroll {
        overflow-x: auto;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: var(--od-font-size);
      }
      table[aria-busy='true'] tbody {
        opacity: 0.5;
      }
      th {
        height: 34px;
        padding: 0 var(--od-space-3);
        border-bottom: 1px solid var(--od-border);
        background: var(--od-surface-muted);
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
        font-weight: 600;
        text-align: left;
        white-space: nowrap;
      }
      td {
        padding: 6px var(--od-space-3);
        border-bottom: 1px solid var(--od-border);
        vertical-align: top;
      }
      td.time,
      td.object,
      td.rule {
        font-family: var(--od-font-mono);
        font-size: var(--od-font-size-sm);
      }
      td.time,
      td.object {
        white-space: nowrap;
      }
      td.rule {
        min-width: 160px;
        overflow-wrap: anywhere;
      }
      td.details {
        min-width: 160px;
        max-width: 360px;
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
        overflow-wrap: anywhere;
      }
      .outcome {
        display: inline-block;
        padding: 1px 8px;
        border-radius: 999px;
        background: var(--od-surface-muted);
        font-size: var(--od-font-size-xs);
        font-weight: 600;
      }
      .outcome.good {
        background: var(--od-success-soft);
        color: var(--od-success);
      }
      .outcome.bad {
        background: var(--od-danger-soft);
        color: var(--od-danger);
      }
      footer {
        display: flex;
        align-items: center;
        justify-content: flex-end;
        gap: var(--od-space-3);
        padding: var(--od-space-2) var(--od-space-4);
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
      }
      .message {
        padding: var(--od-space-5) var(--od-space-4);
        color: var(--od-text-muted);
      }
      .message.error {
        color: var(--od-danger);
      }
    `,
  ];

  /** Id of the app whose records are shown. */
  appId = '';
  /** The page of records last loaded. */
  page: AuditPage | undefined;
  /** Error of the last load. */
  error: ApiError | undefined;
  loading = false;
  /** Filters applied to the records shown. */
  filters: AuditFilters = NO_FILTERS;
  /** Index of the first record shown. */
  offset = 0;

  #loadSequence = 0;

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('appId') || changed.has('filters') || changed.has('offset')) void this.#load();
  }

  async #load(): Promise<void> {
    if (!this.appId) return;
    const sequence = ++this.#loadSequence;
    this.loading = true;
    try {
      const page = await apiGet<AuditPage>(`/api/apps/${segment(this.appId)}/audit?${this.#queryString()}`);
      if (sequence !== this.#loadSequence) return;
      this.page = page;
      this.error = undefined;
    } catch (error) {
      if (sequence !== this.#loadSequence) return;
      this.error = error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));
    } finally {
      if (sequence === this.#loadSequence) this.loading = false;
    }
  }

  #queryString(): string {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(this.offset) });
    const { user, object, outcome, from, to } = this.filters;
    if (user.trim() !== '') query.set('user', user.trim());
    if (object.trim() !== '') query.set('object', object.trim());
    if (outcome !== '') query.set('outcome', outcome);
    // datetime-local values carry no zone: they are the browser's local time, sent to the server in UTC.
    const fromIso = toIso(from);
    const toIsoValue = toIso(to);
    if (fromIso !== undefined) query.set('from', fromIso);
    if (toIsoValue !== undefined) query.set('to', toIsoValue);
    return query.toString();
  }

  #onSubmit(event: SubmitEvent): void {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string): string => String(data.get(name) ?? '');
    this.filters = { user: text('user'), object: text('object'), outcome: text('outcome'), from: text('from'), to: text('to') };
    this.offset = 0;
  }

  #onReset(): void {
    this.filters = { ...NO_FILTERS };
    this.offset = 0;
  }

  override render() {
    return html`
      <section class="card" data-testid="audit-view" data-state=${this.#state()}>
        ${this.#renderFilters()} ${this.#renderBody()}
      </section>
    `;
  }

  #state(): string {
    if (this.error) return 'error';
    if (this.loading || !this.page) return 'loading';
    return this.page.records.length === 0 ? 'empty' : 'ready';
  }

  #renderFilters() {
    const filters = this.filters;
    return html`
      <form @submit=${this.#onSubmit} @reset=${this.#onReset} aria-label="Filter audit records">
        <label>User <input class="input" name="user" type="search" .value=${filters.user} placeholder="ana@example.com" /></label>
        <label>Object <input class="input" name="object" type="search" .value=${filters.object} placeholder="action:addNote" /></label>
        <label
          >Outcome
          <select class="input" name="outcome" .value=${filters.outcome}>
            <option value="">Any</option>
            ${OUTCOMES.map((outcome) => html`<option value=${outcome} ?selected=${outcome === filters.outcome}>${outcome}</option>`)}
          </select>
        </label>
        <label>From <input class="input" name="from" type="datetime-local" .value=${filters.from} /></label>
        <label>To <input class="input" name="to" type="datetime-local" .value=${filters.to} /></label>
        <div class="buttons">
          <button class="btn primary" type="submit" data-testid="audit-apply">Apply</button>
          <button class="btn" type="reset" data-testid="audit-clear">Clear</button>
        </div>
      </form>
    `;
  }

  #renderBody() {
    if (this.error) {
      return html`<p class="message error" role="alert" data-testid="audit-error" data-code=${this.error.code}>${this.error.message}</p>`;
    }
    const page = this.page;
    if (!page) return html`<p class="message" aria-busy="true">Loading…</p>`;
    if (page.records.length === 0) return html`<p class="message" data-testid="audit-empty">No audit records match these filters.</p>`;
    const last = page.offset + page.records.length;
    return html`
      <div class="scroll">
        <table aria-busy=${this.loading ? 'true' : 'false'}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">User</th>
              <th scope="col">Object</th>
              <th scope="col">Outcome</th>
              <th scope="col">Rule</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            ${page.records.map((record) => this.#renderRecord(record))}
          </tbody>
        </table>
      </div>
      <footer>
        <span data-testid="audit-range">${page.offset + 1}–${last} of ${page.total}</span>
        <button class="btn small" type="button" data-testid="audit-previous" ?disabled=${page.offset === 0} @click=${() => (this.offset = Math.max(0, page.offset - PAGE_SIZE))}>
          Previous
        </button>
        <button class="btn small" type="button" data-testid="audit-next" ?disabled=${last >= page.total} @click=${() => (this.offset = page.offset + PAGE_SIZE)}>Next</button>
      </footer>
    `;
  }

  #renderRecord(record: AuditRecordView) {
    const time = new Date(record.time);
    return html`
      <tr data-testid="audit-row" data-outcome=${record.outcome}>
        <td class="time" title=${record.time}>${Number.isNaN(time.getTime()) ? record.time : time.toLocaleString()}</td>
        <td>${record.user}</td>
        <td class="object">${record.object ?? (record.action ? `action:${record.action}` : '')}</td>
        <td><span class="outcome ${outcomeTone(record.outcome)}">${record.outcome}</span></td>
        <td class="rule">${record.rule ?? ''}</td>
        <td class="details">${details(record) || nothing}</td>
      </tr>
    `;
  }
}

function outcomeTone(outcome: string): string {
  if (outcome === 'succeeded' || outcome === 'signed-in' || outcome === 'approved') return 'good';
  if (outcome === 'denied' || outcome === 'failed' || outcome === 'invalid' || outcome === 'rejected') return 'bad';
  return '';
}

/** Summarizes what a record adds to who, what and how: parameters, row counts and errors. */
function details(record: AuditRecordView): string {
  const parts: string[] = [];
  if (record.params && Object.keys(record.params).length > 0) parts.push(Object.entries(record.params).map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(', '));
  if (record.rows !== undefined) parts.push(`${record.rows} row(s)`);
  if (record.changes !== undefined) parts.push(`${record.changes} change(s)`);
  if (record.error) parts.push(record.error);
  return parts.join(' · ');
}

/** Converts a `datetime-local` value to an ISO 8601 UTC time, or undefined when empty or invalid. */
function toIso(value: string): string | undefined {
  if (value === '') return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

customElements.define('od-audit-view', AuditView);
