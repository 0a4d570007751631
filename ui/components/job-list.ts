// The Jobs page of an app: a start button per job the user may run, then the
// running and recent runs with their status, who started them, duration,
// progress, errors, export downloads, and Cancel and Resume buttons.
import { LitElement, css, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { ClientSpec, JobInfo, JobRun } from '../client-spec.js';
import { humanize, toText } from '../format.js';
import { JOBS_PAGE, cancelRun, downloadUrl, jobFeed, resumeRun, type JobFeedState } from '../jobs-api.js';
import { attemptText, errorText, formatBytes, formatDuration, isActive, runDurationMs, startedByText, statusLabel, statusTone } from '../job-text.js';
import { RunFeedController } from '../run-feed-controller.js';
import { showToast } from './toast-stack.js';
import { buttonStyles, utilityStyles } from './shared-styles.js';
import './job-progress.js';
import './job-card.js';

export { JOBS_PAGE };

/** Tells whether the app offers the user its Jobs page: the client view lists at least one job. */
export function hasJobs(spec: ClientSpec): boolean {
  return (spec.jobs !== undefined && Object.keys(spec.jobs).length > 0) || spec.exports === true;
}

/** Badge styles of run statuses, one colour per status tone. */
const statusStyles = css`
  .status {
    padding: 0 8px;
    border-radius: var(--od-radius-sm);
    background: var(--od-surface-muted);
    color: var(--od-text-muted);
    font-size: var(--od-font-size-xs);
    font-weight: 500;
    white-space: nowrap;
  }
  .status.active {
    background: var(--od-accent-soft);
    color: var(--od-accent);
  }
  .status.warning {
    background: var(--od-warning-bg);
    color: var(--od-warning-text);
  }
  .status.success {
    background: var(--od-success-soft);
    color: var(--od-success);
  }
  .status.danger {
    background: var(--od-danger-soft);
    color: var(--od-danger);
  }
`;

/** One run: status, who started it, when, for how long, its progress and what the user may do with it. */
export class JobRunView extends LitElement {
  static override properties = {
    appId: { type: String },
    run: { attribute: false },
    compact: { type: Boolean, reflect: true },
    now: { state: true },
    busy: { state: true },
  };

  static override styles = [
    buttonStyles,
    utilityStyles,
    statusStyles,
    css`
      :host {
        display: block;
      }
      article {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-2);
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: var(--od-space-2) var(--od-space-3);
      }
      h3 {
        margin: 0;
        font-size: var(--od-font-size);
        font-weight: 600;
      }
      .kind {
        color: var(--od-text-subtle);
        font-size: var(--od-font-size-xs);
        font-weight: 600;
        letter-spacing: 0.04em;
        text-transform: uppercase;
      }
      .buttons {
        display: flex;
        gap: var(--od-space-2);
        margin-left: auto;
      }
      .meta,
      .note {
        margin: 0;
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
      }
      .duration {
        font-variant-numeric: tabular-nums;
      }
      .error {
        margin: 0;
        padding: var(--od-space-2) var(--od-space-3);
        border-radius: var(--od-radius);
        background: var(--od-danger-soft);
        color: var(--od-danger);
        font-size: var(--od-font-size-sm);
        overflow-wrap: anywhere;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 2px var(--od-space-4);
        margin: 0;
        font-size: var(--od-font-size-sm);
      }
      dt {
        color: var(--od-text-muted);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
    `,
  ];

  /** App the run belongs to. */
  appId = '';
  /** The run to show. */
  run: JobRun | undefined;
  /** Compact layout without title and parameters, for a job card that names the job already. */
  compact = false;
  /** Current time in milliseconds, ticking each second while the run is active. */
  now = Date.now();
  /** Set while a cancel or resume request runs. */
  busy = false;

  #ticker: ReturnType<typeof setInterval> | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stopTicker();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.requestUpdate();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (!changed.has('run') && this.#ticker !== undefined) return;
    const active = this.run !== undefined && isActive(this.run.status);
    if (active && this.#ticker === undefined && this.isConnected) {
      this.now = Date.now();
      this.#ticker = setInterval(() => (this.now = Date.now()), 1000);
    } else if (!active) {
      this.#stopTicker();
    }
  }

  #stopTicker(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  async #act(kind: 'cancel' | 'resume'): Promise<void> {
    const run = this.run;
    if (!run || this.busy) return;
    this.busy = true;
    try {
      const changed = kind === 'cancel' ? await cancelRun(this.appId, run.id) : await resumeRun(this.appId, run.id);
      jobFeed(this.appId).apply(changed);
      showToast(kind === 'cancel' ? `${run.title}: cancelling at the next step or chunk.` : `${run.title} resumed.`, 'info');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      showToast(`${run.title} was not ${kind === 'cancel' ? 'cancelled' : 'resumed'}: ${message}`, 'error');
      // The run may have finished meanwhile, so its current state is read again.
      void jobFeed(this.appId).reload();
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const run = this.run;
    if (!run) return nothing;
    const titleId = `run-${run.id}`;
    const duration = runDurationMs(run, this.now);
    const attempt = attemptText(run);
    const since = run.startedAt ?? run.createdAt;
    return html`
      <article data-run=${run.id} data-status=${run.status} aria-labelledby=${this.compact ? nothing : titleId} aria-label=${this.compact ? `Run of ${run.title}` : nothing}>
        <header>
          ${this.compact ? nothing : html`<h3 id=${titleId}>${run.title}</h3>`}
          ${run.kind === 'export' ? html`<span class="kind">Export</span>` : nothing}
          <span class="status ${statusTone(run.status)}" data-testid="job-status">${statusLabel(run.status)}</span>
          ${this.#renderButtons(run)}
        </header>
        <p class="meta">
          <span data-testid="job-started-by">${startedByText(run)}</span>
          · <time datetime=${since}>${formatTime(since)}</time>
          ${duration !== undefined
            ? html`· <span class="duration" data-testid="job-duration" aria-label="Duration ${formatDuration(duration)}">${formatDuration(duration)}</span>`
            : run.status === 'queued'
              ? html`· <span data-testid="job-duration">waiting to start</span>`
              : nothing}
          ${attempt ? html`· ${attempt}` : nothing}
        </p>
        <od-job-progress .progress=${run.progress} .status=${run.status} .label=${`Progress of ${run.title}`}></od-job-progress>
        ${run.error ? html`<p class="error" data-testid="job-error">${errorText(run.error)}</p>` : nothing}
        ${run.retryAt && run.status === 'queued' ? html`<p class="note" data-testid="job-retry">Next attempt at ${formatTime(run.retryAt)}.</p>` : nothing}
        ${run.result && run.status === 'succeeded'
          ? html`<p class="note">
              <a href=${downloadUrl(this.appId, run)} download=${run.result.filename} data-testid="job-download">Download ${run.result.filename}</a>
              (${formatBytes(run.result.bytes)}, ${run.result.rows.toLocaleString()} ${run.result.rows === 1 ? 'row' : 'rows'})
            </p>`
          : nothing}
        ${!this.compact ? this.#renderParams(run) : nothing}
      </article>
    `;
  }

  #renderButtons(run: JobRun) {
    if (!run.canCancel && !run.canResume) return nothing;
    return html`<div class="buttons">
      ${run.canResume
        ? html`<button class="btn small" type="button" data-testid="job-resume" ?disabled=${this.busy} @click=${() => this.#act('resume')} aria-label="Resume ${run.title}">Resume</button>`
        : nothing}
      ${run.canCancel
        ? html`<button class="btn small danger" type="button" data-testid="job-cancel" ?disabled=${this.busy} @click=${() => this.#act('cancel')} aria-label="Cancel ${run.title}">Cancel</button>`
        : nothing}
    </div>`;
  }

  #renderParams(run: JobRun) {
    const params = Object.entries(run.params ?? {});
    if (params.length === 0) return nothing;
    return html`<dl data-testid="job-params">
      ${params.map(([name, value]) => html`<dt>${humanize(name)}</dt><dd data-param=${name}>${value === null ? '—' : toText(value)}</dd>`)}
    </dl>`;
  }
}

/** Lists an app's jobs to start and its running and recent runs, kept current by the app's job feed. */
export class JobList extends LitElement {
  static override properties = {
    appId: { type: String },
    spec: { attribute: false },
    feed: { state: true },
    announcement: { state: true },
  };

  static override styles = [
    buttonStyles,
    utilityStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-5);
        max-width: 880px;
      }
      section {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-3);
      }
      h2 {
        margin: 0;
        color: var(--od-text-subtle);
        font-size: var(--od-font-size-xs);
        font-weight: 600;
        letter-spacing: 0.04em;
        text-transform: uppercase;
      }
      ul {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-3);
        margin: 0;
        padding: 0;
        list-style: none;
      }
      .jobs {
        gap: 0;
      }
      .jobs > li {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-1);
        padding: var(--od-space-4) var(--od-space-5);
      }
      .jobs > li + li {
        border-top: 1px solid var(--od-border);
      }
      .job-head {
        display: flex;
        flex-wrap: wrap;
        align-items: flex-start;
        justify-content: space-between;
        gap: var(--od-space-2) var(--od-space-4);
      }
      .job-head > div {
        display: flex;
        flex-direction: column;
        gap: 2px;
        min-width: 0;
      }
      h3 {
        margin: 0;
        font-size: var(--od-font-size);
        font-weight: 600;
      }
      .job-head p,
      .note {
        margin: 0;
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
      }
      od-job-start {
        flex: none;
      }
      od-job-start[expanded] {
        flex-basis: 100%;
      }
      .runs > li {
        padding: var(--od-space-4) var(--od-space-5);
      }
      .error {
        color: var(--od-danger);
      }
    `,
  ];

  /** App whose runs are listed. */
  appId = '';
  /** The app's client view. */
  spec: ClientSpec | undefined;
  /** The app's runs as last received. */
  feed: JobFeedState | undefined;
  /** Text of the polite live region: the last run that finished. */
  announcement = '';

  /** Last status of each run seen since subscribing, to announce the runs that finish. */
  #statuses = new Map<string, string>();

  constructor() {
    super();
    new RunFeedController(this, { appId: () => this.appId, onSubscribe: () => this.#statuses.clear(), onState: (state) => this.#onFeed(state) });
  }

  #onFeed(state: JobFeedState): void {
    // Runs seen before that have just finished are announced once; the first list announces nothing.
    const first = this.#statuses.size === 0;
    for (const run of state.runs ?? []) {
      const before = this.#statuses.get(run.id);
      if (!first && before !== undefined && before !== run.status && !isActive(run.status)) {
        this.announcement = `${run.title}: ${statusLabel(run.status).toLowerCase()}.`;
      }
      this.#statuses.set(run.id, run.status);
    }
    this.feed = state;
  }

  #jobs(): JobInfo[] {
    if (this.feed?.jobs) return this.feed.jobs;
    return Object.entries(this.spec?.jobs ?? {}).map(([id, job]) => ({ ...job, id }));
  }

  override render() {
    return html`
      <div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>
      ${this.#renderJobs()} ${this.#renderRuns()}
    `;
  }

  #renderJobs() {
    const jobs = this.#jobs();
    if (jobs.length === 0) return nothing;
    return html`
      <section aria-labelledby="start-heading">
        <h2 id="start-heading">Start a job</h2>
        <ul class="jobs card" data-testid="jobs">
          ${jobs.map(
            (job) => html`<li data-job=${job.id}>
              <div class="job-head">
                <div>
                  <h3>${job.title}</h3>
                  ${job.description ? html`<p>${job.description}</p>` : nothing}
                  ${job.schedule ? html`<p data-testid="job-schedule">${scheduleText(job.schedule)}</p>` : nothing}
                </div>
                <od-job-start
                  .appId=${this.appId}
                  .jobId=${job.id}
                  .job=${job}
                  @od-job-started=${() => this.renderRoot.querySelector<HTMLElement>('[data-testid="runs-running"]')?.scrollIntoView?.({ block: 'nearest' })}
                ></od-job-start>
              </div>
            </li>`,
          )}
        </ul>
      </section>
    `;
  }

  #renderRuns() {
    const feed = this.feed;
    if (feed?.runs === undefined) {
      if (feed?.error !== undefined) return html`<p class="error" role="alert" data-testid="jobs-error">The runs could not be loaded: ${feed.error}</p>`;
      return html`<p class="muted" aria-busy="true">Loading…</p>`;
    }
    const running = feed.runs.filter((run) => isActive(run.status));
    const recent = feed.runs.filter((run) => !isActive(run.status));
    return html`
      ${feed.error !== undefined ? html`<p class="note error" data-testid="jobs-error">Showing the runs last received; the list could not be updated: ${feed.error}</p>` : nothing}
      <section aria-labelledby="running-heading">
        <h2 id="running-heading">Running</h2>
        ${running.length === 0
          ? html`<p class="note" data-testid="runs-none-running">No job is running.</p>`
          : html`<ul class="runs" data-testid="runs-running">${repeat(running, (run) => run.id, (run) => this.#renderRun(run))}</ul>`}
      </section>
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recent</h2>
        ${recent.length === 0
          ? html`<p class="note" data-testid="runs-none-recent">No run finished yet.</p>`
          : html`<ul class="runs" data-testid="runs-recent">${repeat(recent, (run) => run.id, (run) => this.#renderRun(run))}</ul>`}
      </section>
    `;
  }

  #renderRun(run: JobRun) {
    return html`<li class="card"><od-job-run .appId=${this.appId} .run=${run}></od-job-run></li>`;
  }
}

/** Describes a job's timetable: "Runs on schedule (0 2 * * *, Europe/Berlin); next Dec 6, 2:00 AM." */
function scheduleText(schedule: NonNullable<JobInfo['schedule']>): string {
  const zone = schedule.timeZone ? `, ${schedule.timeZone}` : '';
  const next = schedule.next ? `; next ${formatTime(schedule.next)}` : '';
  return `Runs on schedule (${schedule.cron}${zone})${next}.`;
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

customElements.define('od-job-run', JobRunView);
customElements.define('od-job-list', JobList);
