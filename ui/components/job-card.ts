// Starting jobs: the start button with its parameter form (od-job-start), and
// the page component `{ type: 'job', job }` (od-job-card), which adds the
// progress of the job's latest run.
import { LitElement, css, html, nothing } from 'lit';
import { ApiError } from '../api.js';
import type { ClientJob, JobRun, ParamSchema } from '../client-spec.js';
import { JOBS_PAGE, jobFeed, startJob, type JobFeedState } from '../jobs-api.js';
import { isActive } from '../job-text.js';
import type { Choice } from '../option-choices.js';
import { RunFeedController } from '../run-feed-controller.js';
import { fieldLabel, isVisible, toParams, toRawValue, validateParams, type RawValue } from '../validate.js';
import { loadParamChoices, paramFieldStyles, recheckField, renderParamField, sortServerErrors } from './param-field.js';
import { showToast } from './toast-stack.js';
import { buttonStyles, inputStyles, utilityStyles } from './shared-styles.js';
import { appPath } from '../router.js';
import './job-list.js';

/** Detail of the `od-job-started` event, and of `od-job-done`, which a job card fires when the run it follows ends. */
export interface JobStartedDetail {
  jobId: string;
  run: JobRun;
}

/** Styles of the job form that differ from the action form's. */
const fieldStyles = css`
  .form-error {
    padding: var(--od-space-2) var(--od-space-3);
    border: 1px solid var(--od-danger);
    border-radius: var(--od-radius);
    background: var(--od-danger-soft);
    color: var(--od-danger);
  }
  .buttons {
    display: flex;
    flex-wrap: wrap;
    gap: var(--od-space-2);
  }
`;

/**
 * Starts one job. A job without parameters starts with one click; a job with
 * parameters opens its form first, unless `inline` shows the form at once.
 * Fires `od-job-started` (bubbles, composed) with the queued run.
 */
export class JobStart extends LitElement {
  static override properties = {
    appId: { type: String },
    jobId: { type: String },
    job: { attribute: false },
    inline: { type: Boolean, reflect: true },
    expanded: { type: Boolean, reflect: true },
    values: { state: true },
    errors: { state: true },
    formError: { state: true },
    busy: { state: true },
    choices: { state: true },
    totals: { state: true },
  };

  static override styles = [
    buttonStyles,
    inputStyles,
    utilityStyles,
    paramFieldStyles,
    fieldStyles,
    css`
      :host {
        display: block;
      }
      form {
        max-width: 560px;
        margin-top: var(--od-space-3);
      }
      :host([inline]) form {
        margin-top: 0;
      }
    `,
  ];

  /** App the job belongs to. */
  appId = '';
  /** Id of the job. */
  jobId = '';
  /** The job as the client view describes it. */
  job: ClientJob | undefined;
  /** Shows the form at once, with no button to open it. */
  inline = false;
  /** Whether the parameter form is open. */
  expanded = false;
  /** Field values by parameter name. */
  values: Record<string, RawValue> = {};
  /** Field messages by parameter name. */
  errors: Record<string, string> = {};
  /** Message for the whole form. */
  formError = '';
  /** Set while the start request runs. */
  busy = false;
  /** Choices of select fields by parameter name. */
  choices: Record<string, Choice[]> = {};
  /** Rows each options query returns in all, by parameter name. */
  totals: Record<string, number> = {};

  #choicesAbort: AbortController | undefined;

  get #params(): Record<string, ParamSchema> {
    return this.job?.params ?? {};
  }

  get #required(): string[] {
    return this.job?.required ?? [];
  }

  get #hasParams(): boolean {
    return Object.keys(this.#params).length > 0;
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('job') || changed.has('jobId')) {
      // The app shell passes a new spec object after every reload; values the user typed survive when the parameters stay the same.
      const previous = changed.get('job') as ClientJob | undefined;
      if (!changed.has('jobId') && previous && JSON.stringify(previous.params) === JSON.stringify(this.job?.params)) return;
      this.#reset();
      void this.#loadChoices();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#choicesAbort?.abort();
    this.#choicesAbort = undefined;
  }

  #reset(): void {
    const values: Record<string, RawValue> = {};
    for (const [name, schema] of Object.entries(this.#params)) {
      values[name] = schema.default === undefined && schema.type === 'boolean' ? false : toRawValue(schema, schema.default);
    }
    this.values = values;
    this.errors = {};
    this.formError = '';
  }

  /** Reads the choices of fields with `options` from their queries. */
  async #loadChoices(): Promise<void> {
    this.#choicesAbort?.abort();
    const controller = new AbortController();
    this.#choicesAbort = controller;
    const failures = await loadParamChoices(this.appId, this.#params, controller.signal, (loaded) => {
      this.choices = loaded.choices;
      this.totals = loaded.totals;
    });
    if (failures.length > 0 && !controller.signal.aborted) this.formError = failures[failures.length - 1];
  }

  async #open(): Promise<void> {
    this.expanded = true;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('form input, form select, form textarea')?.focus();
  }

  async #close(): Promise<void> {
    this.expanded = false;
    this.#reset();
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('[data-testid="job-open-form"]')?.focus();
  }

  #onKeydown(event: KeyboardEvent): void {
    // Escape closes a form opened by its button, and the focus returns to the button.
    if (event.key !== 'Escape' || this.inline || event.defaultPrevented) return;
    event.preventDefault();
    void this.#close();
  }

  #setValue(name: string, value: RawValue): void {
    this.values = { ...this.values, [name]: value };
    if (this.errors[name]) this.#checkField(name);
  }

  #checkField(name: string): void {
    this.errors = recheckField(this.errors, this.#params, this.#required, this.values, name);
  }

  async #onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    if (this.busy) return;
    this.formError = '';
    this.errors = validateParams(this.#params, this.#required, this.values);
    if (Object.keys(this.errors).length > 0) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    await this.#start();
  }

  async #start(): Promise<void> {
    if (!this.job || this.busy) return;
    this.busy = true;
    this.formError = '';
    try {
      const run = await startJob(this.appId, this.jobId, toParams(this.#params, this.values));
      jobFeed(this.appId).apply(run);
      showToast(`${this.job.title} started.`, 'info');
      this.dispatchEvent(new CustomEvent<JobStartedDetail>('od-job-started', { detail: { jobId: this.jobId, run }, bubbles: true, composed: true }));
      this.busy = false;
      if (this.inline) this.#reset();
      else if (this.expanded) await this.#close();
    } catch (error) {
      this.busy = false;
      this.#showError(error);
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"], [data-testid="job-form-error"]')?.focus();
    }
  }

  #showError(error: unknown): void {
    if (!(error instanceof ApiError)) {
      this.formError = `The job did not start: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    const sorted = sortServerErrors(error, this.#params, () => this.inline || this.expanded);
    const { fieldErrors } = sorted;
    const unmatched = sorted.unmatched.map(({ detail, schema, name }) => `${schema ? fieldLabel(name, schema) : detail.field} ${detail.message}`);
    this.errors = fieldErrors;
    this.formError = unmatched.length > 0 ? unmatched.join('. ') : Object.keys(fieldErrors).length === 0 ? `The job did not start: ${error.message}` : '';
  }

  override render() {
    const job = this.job;
    if (!job) return nothing;
    const formError = this.formError
      ? html`<div class="form-error" role="alert" tabindex="-1" data-testid="job-form-error">${this.formError}</div>`
      : nothing;
    if (!this.#hasParams) {
      return html`
        ${formError}
        <div class="buttons">
          <button class="btn primary" type="button" data-testid="job-start" ?disabled=${this.busy} @click=${() => this.#start()}>
            ${this.busy ? 'Starting…' : 'Start'}
          </button>
        </div>
      `;
    }
    if (!this.inline && !this.expanded) {
      return html`<div class="buttons">
        <button class="btn primary" type="button" data-testid="job-open-form" aria-expanded="false" aria-controls="form-${this.jobId}" @click=${() => this.#open()}>
          Start…
        </button>
      </div>`;
    }
    return html`
      <form id="form-${this.jobId}" novalidate aria-label="Start ${job.title}" data-testid="job-form" @submit=${this.#onSubmit} @keydown=${this.#onKeydown}>
        ${formError}
        ${Object.entries(this.#params)
          .filter(([, schema]) => isVisible(schema, this.#params, this.values))
          .map(([name, schema]) => this.#renderField(name, schema))}
        <div class="buttons">
          <button class="btn primary" type="submit" data-testid="job-start" ?disabled=${this.busy}>${this.busy ? 'Starting…' : 'Start'}</button>
          ${this.inline ? nothing : html`<button class="btn" type="button" data-testid="job-close-form" @click=${() => this.#close()}>Cancel</button>`}
        </div>
      </form>
    `;
  }

  #renderField(name: string, schema: ParamSchema) {
    // Ids carry the job id, so two start forms on one page never share an id.
    const id = `${this.jobId}-field-${name}`;
    return renderParamField({
      appId: this.appId,
      name,
      schema,
      ids: { control: id, help: `${id}-help`, error: `${id}-error`, label: `${id}-label` },
      value: this.values[name],
      error: this.errors[name],
      required: this.#required.includes(name),
      choices: this.choices[name],
      total: this.totals[name],
      onChange: (value) => this.#setValue(name, value),
      onBlur: () => this.#checkField(name),
    });
  }
}

/** The page component `{ type: 'job', job }`: the job's title, its start form and the progress of its latest run. */
export class JobCard extends LitElement {
  static override properties = {
    appId: { type: String },
    jobId: { type: String },
    job: { attribute: false },
    heading: { type: String },
    feed: { state: true },
  };

  static override styles = [
    utilityStyles,
    css`
      :host {
        display: block;
        max-width: 640px;
      }
      section {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-3);
        padding: var(--od-space-4) var(--od-space-5) var(--od-space-5);
      }
      h2 {
        margin: 0;
        font-size: var(--od-font-size);
        font-weight: 600;
      }
      p {
        margin: 0;
      }
      .latest {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-2);
        padding-top: var(--od-space-3);
        border-top: 1px solid var(--od-border);
      }
      .latest header {
        display: flex;
        justify-content: space-between;
        gap: var(--od-space-3);
        font-size: var(--od-font-size-sm);
      }
      h3 {
        margin: 0;
        color: var(--od-text-subtle);
        font-size: var(--od-font-size-xs);
        font-weight: 600;
        letter-spacing: 0.04em;
        text-transform: uppercase;
      }
    `,
  ];

  /** App the job belongs to. */
  appId = '';
  /** Id of the job. */
  jobId = '';
  /** The job as the client view describes it; undefined when the user may not run it. */
  job: ClientJob | undefined;
  /** Title shown instead of the job's own. */
  heading = '';
  /** The app's runs as last received. */
  feed: JobFeedState | undefined;

  /** Id of the latest run while it was active. */
  #activeRun: string | undefined;

  constructor() {
    super();
    // A card the user may not run (no job) does not follow the feed.
    new RunFeedController(this, { appId: () => (this.job ? this.appId : undefined), onState: (state) => this.#onFeed(state) });
  }

  #onFeed(state: JobFeedState): void {
    this.feed = state;
    const latest = this.#latest();
    // When a run seen active has ended, the event makes the page read its tables again.
    if (latest && this.#activeRun === latest.id && !isActive(latest.status)) {
      this.dispatchEvent(new CustomEvent<JobStartedDetail>('od-job-done', { detail: { jobId: this.jobId, run: latest }, bubbles: true, composed: true }));
    }
    this.#activeRun = latest && isActive(latest.status) ? latest.id : undefined;
  }

  #latest(): JobRun | undefined {
    return this.feed?.runs?.find((run) => run.job === this.jobId && run.kind !== 'export');
  }

  override render() {
    const job = this.job;
    if (!job) return nothing;
    const latest = this.#latest();
    return html`
      <section class="card" data-job=${this.jobId} aria-labelledby="job-title">
        <h2 id="job-title">${this.heading || job.title}</h2>
        ${job.description ? html`<p class="muted">${job.description}</p>` : nothing}
        <od-job-start inline .appId=${this.appId} .jobId=${this.jobId} .job=${job}></od-job-start>
        ${latest
          ? html`<div class="latest" data-testid="job-latest">
              <header>
                <h3>Latest run</h3>
                <a href=${appPath(this.appId, JOBS_PAGE)} data-route>All runs</a>
              </header>
              <od-job-run compact .appId=${this.appId} .run=${latest}></od-job-run>
            </div>`
          : nothing}
      </section>
    `;
  }
}

customElements.define('od-job-start', JobStart);
customElements.define('od-job-card', JobCard);
