// A form generated from an action's parameter schema: fields, client-side checks,
// an optional preview and confirmation step, the POST, and field errors from the server.
import { LitElement, css, html, nothing } from 'lit';
import { ApiError, apiPost, segment } from '../api.js';
import type { ActionResult, ApprovalRequested, ClientAction, ParamSchema, PreviewResult, QueryResult, Row } from '../client-spec.js';
import { parsePreview } from '../preview-diff.js';
import { fillTemplate } from '../template.js';
import { fieldLabel, isVisible, toParams, toRawValue, validateField, validateParams, type RawValue } from '../validate.js';
import { renderControl, staticChoices, type Choice } from './form-fields.js';
import { showToast } from './toast-stack.js';
import './action-preview.js';
import { buttonStyles, inputStyles, utilityStyles } from './shared-styles.js';

/** Detail of the `od-action-done` event. */
export interface ActionDoneDetail {
  actionId: string;
  /** The run's result, or the pending request of an action that needs approval. */
  result: ActionResult | ApprovalRequested;
}

/**
 * Runs one action. Fires `od-action-done` (bubbles, composed) after the server
 * accepted it, and `od-action-cancel` when the user cancels.
 */
export class ActionForm extends LitElement {
  static override properties = {
    appId: { type: String },
    actionId: { type: String },
    action: { attribute: false },
    row: { attribute: false },
    prefill: { attribute: false },
    hiddenParams: { attribute: false },
    inline: { type: Boolean, reflect: true },
    values: { state: true },
    errors: { state: true },
    formError: { state: true },
    step: { state: true },
    busy: { state: true },
    previewing: { state: true },
    preview: { state: true },
    previewBlocked: { state: true },
    choices: { state: true },
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
        flex-direction: column;
        gap: var(--od-space-4);
      }
      .field {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-1);
      }
      label,
      .label {
        font-weight: 500;
        font-size: var(--od-font-size-sm);
      }
      .required {
        color: var(--od-danger);
        margin-left: 2px;
      }
      .help {
        color: var(--od-text-muted);
        font-size: var(--od-font-size-xs);
      }
      .checkbox {
        flex-direction: row;
        align-items: center;
        gap: var(--od-space-2);
      }
      .choices {
        display: flex;
        flex-wrap: wrap;
        gap: var(--od-space-1) var(--od-space-4);
      }
      .choice {
        display: inline-flex;
        align-items: center;
        gap: var(--od-space-2);
        font-weight: 400;
      }
      .money {
        display: flex;
        align-items: center;
        gap: var(--od-space-2);
      }
      .currency {
        color: var(--od-text-muted);
        font-size: var(--od-font-size-sm);
      }
      .choice input {
        accent-color: var(--od-accent);
      }
      .checkbox input {
        width: 16px;
        height: 16px;
        margin: 0;
        accent-color: var(--od-accent);
      }
      .error {
        color: var(--od-danger);
        font-size: var(--od-font-size-sm);
      }
      .form-error {
        padding: var(--od-space-2) var(--od-space-3);
        border: 1px solid #f3b8b8;
        border-radius: var(--od-radius);
        background: var(--od-danger-soft);
        color: var(--od-danger);
      }
      .confirm {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-4);
      }
      .confirm-text {
        margin: 0;
        font-size: var(--od-font-size);
        line-height: 1.5;
      }
      .buttons {
        display: flex;
        justify-content: flex-end;
        gap: var(--od-space-2);
        padding-top: var(--od-space-1);
      }
      :host([inline]) .buttons {
        justify-content: flex-start;
      }
    `,
  ];

  /** App the action belongs to. */
  appId = '';
  /** Id of the action to run. */
  actionId = '';
  /** The action as the client view describes it. */
  action: ClientAction | undefined;
  /** Row the action was started from; fills `{{ row.X }}` in the confirm and success texts. */
  row: Row | undefined;
  /** Initial values by parameter name, taken from the row. */
  prefill: Record<string, unknown> = {};
  /** Prefilled parameters that identify the row: sent with the action but not shown as fields. */
  hiddenParams: string[] = [];
  /** Laid out in a page card rather than a dialog: no Cancel button, and the form clears after success. */
  inline = false;
  /** Current field values by parameter name. */
  values: Record<string, RawValue> = {};
  /** Field messages by parameter name. */
  errors: Record<string, string> = {};
  /** Message for the whole form, such as a server error that names no field. */
  formError = '';
  /** Editing the fields, or confirming before the action runs. */
  step: 'edit' | 'confirm' = 'edit';
  /** Set while the request runs. */
  busy = false;
  /** Set while the preview request runs. */
  previewing = false;
  /** The preview shown in the confirmation step, for an action that offers one. */
  preview: PreviewResult | undefined;
  /** The preview returned 409 `expectation_failed`, so the confirmation step shows its message and no Confirm button. */
  previewBlocked = false;

  /** Choices of select and multi-select fields by parameter name; a field whose query is loading has none yet. */
  choices: Record<string, Choice[]> = {};

  #previewAbort: AbortController | undefined;
  #choicesAbort: AbortController | undefined;

  override willUpdate(changed: Map<string, unknown>): void {
    // A page passes a new prefill object on every render, so only a change of its values resets what the user typed.
    const prefillChanged = changed.has('prefill') && JSON.stringify(changed.get('prefill') ?? {}) !== JSON.stringify(this.prefill);
    if (changed.has('action') || changed.has('actionId') || prefillChanged) this.reset();
    if (changed.has('action') || changed.has('appId')) void this.#loadChoices();
  }

  /** Reads the choices of every field with `options` from its query, which the server runs with the user's row rules. */
  async #loadChoices(): Promise<void> {
    this.#choicesAbort?.abort();
    const controller = new AbortController();
    this.#choicesAbort = controller;
    const choices: Record<string, Choice[]> = {};
    const queried: Array<[string, NonNullable<ParamSchema['options']>]> = [];
    for (const [name, schema] of Object.entries(this.#params)) {
      const fixed = staticChoices(schema);
      if (fixed) choices[name] = fixed;
      else if (schema.options) queried.push([name, schema.options]);
    }
    this.choices = { ...choices };
    if (!this.appId) return;
    await Promise.all(
      queried.map(async ([name, options]) => {
        try {
          // NOTE: only the first page (500 rows) of an options query is offered.
          const result = await apiPost<QueryResult>(
            `/api/apps/${segment(this.appId)}/queries/${segment(options.query)}`,
            { params: {}, page: { size: 500, offset: 0 } },
            { signal: controller.signal },
          );
          choices[name] = result.rows.map((row) => ({ value: String(row[options.value] ?? ''), label: String(row[options.label ?? options.value] ?? '') }));
        } catch (error) {
          if (controller.signal.aborted) return;
          choices[name] = [];
          this.formError = `The choices of ${fieldLabel(name, this.#params[name])} could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
        }
      }),
    );
    if (!controller.signal.aborted) this.choices = { ...choices };
  }

  /** Puts every field back to its prefilled or default value and clears messages. */
  reset(): void {
    const values: Record<string, RawValue> = {};
    for (const [name, schema] of Object.entries(this.#params)) {
      const initial = Object.hasOwn(this.prefill, name) ? this.prefill[name] : schema.default;
      // A checkbox with no starting value is unticked (false); one whose row value is null stays null until touched.
      values[name] = initial === undefined && schema.type === 'boolean' ? false : toRawValue(schema, initial);
    }
    this.values = values;
    this.errors = {};
    this.formError = '';
    this.step = 'edit';
    this.busy = false;
    this.#stopPreview();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#previewAbort?.abort();
    this.#previewAbort = undefined;
    this.#choicesAbort?.abort();
    this.#choicesAbort = undefined;
  }

  #stopPreview(): void {
    this.#previewAbort?.abort();
    this.#previewAbort = undefined;
    this.previewing = false;
    this.preview = undefined;
    this.previewBlocked = false;
  }

  /** Moves focus to the first field the user can change. */
  focusFirst(): void {
    const field = this.renderRoot.querySelector<HTMLElement>('input:not([type=hidden]), select, textarea, button');
    field?.focus();
  }

  get #params(): Record<string, ParamSchema> {
    return this.action?.params ?? {};
  }

  get #required(): string[] {
    return this.action?.required ?? [];
  }

  #scope() {
    return { row: this.row ?? {}, params: toParams(this.#params, this.values) };
  }

  #setValue(name: string, value: RawValue): void {
    this.values = { ...this.values, [name]: value };
    // Once a field shows an error, re-check it as the user types so the message goes away when fixed.
    if (this.errors[name]) this.#checkField(name);
  }

  #checkField(name: string): void {
    const schema = this.#params[name];
    if (!schema) return;
    const message = validateField(name, schema, this.values[name], this.#required.includes(name));
    const errors = { ...this.errors };
    if (message) errors[name] = message;
    else delete errors[name];
    this.errors = errors;
  }

  async #onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    if (this.busy) return;
    this.formError = '';
    const errors = validateParams(this.#params, this.#required, this.values);
    // A hidden parameter has no field to show its message under, so its message goes to the top of the form.
    const hiddenMessages: string[] = [];
    for (const name of this.hiddenParams) {
      if (!errors[name]) continue;
      hiddenMessages.push(withLabel(fieldLabel(name, this.#params[name]), errors[name]));
      delete errors[name];
    }
    this.errors = errors;
    this.formError = hiddenMessages.join('. ');
    if (Object.keys(errors).length > 0 || hiddenMessages.length > 0) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"], [data-testid="form-error"]')?.focus();
      return;
    }
    if (this.action?.preview) {
      await this.#runPreview();
      return;
    }
    if (this.action?.confirm) {
      this.step = 'confirm';
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[data-testid="confirm"]')?.focus();
      return;
    }
    await this.#run();
  }

  /** Requests the preview and moves to the confirmation step, or shows why the preview failed. */
  async #runPreview(): Promise<void> {
    this.#stopPreview();
    const controller = new AbortController();
    this.#previewAbort = controller;
    this.busy = true;
    this.previewing = true;
    const params = toParams(this.#params, this.values);
    let focusTarget = '[data-testid="confirm"]';
    try {
      const body = await apiPost<unknown>(
        `/api/apps/${segment(this.appId)}/actions/${segment(this.actionId)}/preview`,
        { params },
        { signal: controller.signal },
      );
      if (controller.signal.aborted) return;
      this.preview = parsePreview(body);
      this.step = 'confirm';
    } catch (error) {
      // A reset or a newer preview aborted this one, so its outcome no longer applies.
      if (controller.signal.aborted) return;
      if (error instanceof ApiError && error.code === 'expectation_failed') {
        this.previewBlocked = true;
        this.formError = error.message;
        this.step = 'confirm';
        focusTarget = '[data-testid="cancel"]';
      } else if (error instanceof ApiError) {
        this.#showError(error);
        focusTarget = '[aria-invalid="true"], [data-testid="form-error"]';
      } else {
        this.formError = `The preview failed, and nothing was changed: ${error instanceof Error ? error.message : String(error)}`;
        focusTarget = '[data-testid="form-error"]';
      }
    } finally {
      if (this.#previewAbort === controller) {
        this.#previewAbort = undefined;
        this.busy = false;
        this.previewing = false;
      }
    }
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(focusTarget)?.focus();
  }

  async #run(): Promise<void> {
    if (!this.action) return;
    this.busy = true;
    this.formError = '';
    const params = toParams(this.#params, this.values);
    try {
      const result = await apiPost<ActionResult | ApprovalRequested>(
        `/api/apps/${segment(this.appId)}/actions/${segment(this.actionId)}`,
        { params },
      );
      const message = this.action.success ? fillTemplate(this.action.success, this.#scope()) : `${this.action.title} done`;
      // A 202 response: the action needs approval and did not run yet.
      if ('approval' in result) showToast(`${this.action.title} was sent for approval${this.action.approval ? ` by ${this.action.approval.by.join(' or ')}` : ''}.`, 'info');
      else showToast(message.trim() || `${this.action.title} done`);
      this.dispatchEvent(
        new CustomEvent<ActionDoneDetail>('od-action-done', {
          detail: { actionId: this.actionId, result },
          bubbles: true,
          composed: true,
        }),
      );
      if (this.inline) this.reset();
      else this.busy = false;
    } catch (error) {
      this.busy = false;
      this.step = 'edit';
      this.#showError(error);
    }
  }

  #showError(error: unknown): void {
    if (!(error instanceof ApiError)) {
      this.formError = `The action failed: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    const fieldErrors: Record<string, string> = {};
    const unmatched: string[] = [];
    let details = error.details;
    if (details.length === 0 && error.field) details = [{ field: error.field, message: error.message }];
    for (const detail of details) {
      const name = detail.field.replace(/^params\./, '');
      const schema = this.#params[name];
      if (schema && !this.hiddenParams.includes(name)) {
        fieldErrors[name] ??= withLabel(fieldLabel(name, schema), detail.message);
      } else {
        unmatched.push(schema ? withLabel(fieldLabel(name, schema), detail.message) : `${detail.field} ${detail.message}`);
      }
    }
    this.errors = fieldErrors;
    if (unmatched.length > 0) this.formError = unmatched.join('. ');
    else if (Object.keys(fieldErrors).length === 0) this.formError = error.message;
  }

  #cancel(): void {
    if (this.step === 'confirm') {
      this.step = 'edit';
      this.preview = undefined;
      this.previewBlocked = false;
      return;
    }
    this.dispatchEvent(new CustomEvent('od-action-cancel', { bubbles: true, composed: true }));
  }

  override render() {
    if (!this.action) return nothing;
    return this.step === 'confirm' ? this.#renderConfirm() : this.#renderFields();
  }

  #renderConfirm() {
    const action = this.action!;
    const style = action.style === 'danger' ? 'danger solid' : 'primary';
    return html`
      <div class="confirm" data-testid="confirm-step">
        ${this.formError
          ? html`<div class="form-error" role="alert" tabindex="-1" data-testid="form-error">${this.formError}</div>`
          : nothing}
        ${action.confirm ? html`<p class="confirm-text">${fillTemplate(action.confirm, this.#scope())}</p>` : nothing}
        ${this.preview ? html`<od-action-preview data-testid="preview" .result=${this.preview}></od-action-preview>` : nothing}
        <div class="buttons">
          <button class="btn" type="button" data-testid="cancel" @click=${() => this.#cancel()} ?disabled=${this.busy}>Cancel</button>
          ${this.previewBlocked
            ? nothing
            : html`<button class="btn ${style}" type="button" data-testid="confirm" @click=${() => this.#run()} ?disabled=${this.busy}>
                ${this.busy ? 'Working…' : 'Confirm'}
              </button>`}
        </div>
      </div>
    `;
  }

  #renderFields() {
    const action = this.action!;
    const style = action.style === 'danger' ? 'danger solid' : 'primary';
    return html`
      <form novalidate aria-busy=${this.previewing ? 'true' : 'false'} @submit=${this.#onSubmit}>
        ${this.formError
          ? html`<div class="form-error" role="alert" tabindex="-1" data-testid="form-error">${this.formError}</div>`
          : nothing}
        ${Object.entries(this.#params)
          .filter(([name, schema]) => !this.hiddenParams.includes(name) && isVisible(schema, this.#params, this.values))
          .map(([name, schema]) => this.#renderField(name, schema))}
        <div class="buttons">
          ${this.inline
            ? nothing
            : html`<button class="btn" type="button" data-testid="cancel" @click=${() => this.#cancel()}>Cancel</button>`}
          <button class="btn ${style}" type="submit" data-testid="submit" ?disabled=${this.busy}>
            ${this.#submitLabel(action)}
          </button>
        </div>
      </form>
    `;
  }

  #submitLabel(action: ClientAction): string {
    if (this.previewing) return 'Previewing…';
    if (this.busy) return 'Working…';
    return action.title;
  }

  #renderField(name: string, schema: ParamSchema) {
    const label = schema.widget === 'money' && schema.currency ? `${fieldLabel(name, schema)} (${schema.currency})` : fieldLabel(name, schema);
    const required = this.#required.includes(name);
    const id = `field-${name}`;
    const error = this.errors[name];
    const describedBy = [error ? `error-${name}` : '', schema.description ? `help-${name}` : ''].filter(Boolean).join(' ');
    const requiredMark = required ? html`<span class="required" aria-hidden="true">*</span>` : nothing;

    const help = schema.description ? html`<span class="help" id="help-${name}">${schema.description}</span>` : nothing;
    if (schema.type === 'boolean') {
      return html`
        <div class="field" data-field=${name}>
          <div class="field checkbox">
            <input
              id=${id}
              name=${name}
              type="checkbox"
              .checked=${this.values[name] === true}
              aria-invalid=${error ? 'true' : 'false'}
              aria-describedby=${describedBy || nothing}
              @change=${(event: Event) => this.#setValue(name, (event.target as HTMLInputElement).checked)}
              @blur=${() => this.#checkField(name)}
            />
            <label for=${id}>${label}${requiredMark}</label>
          </div>
          ${help} ${this.#renderError(name, error)}
        </div>
      `;
    }

    const control = renderControl({
      name,
      schema,
      id,
      value: this.values[name],
      invalid: Boolean(error),
      describedBy,
      required,
      choices: this.choices[name],
      onChange: (value) => this.#setValue(name, value),
      onBlur: () => this.#checkField(name),
    });
    // A multi-select is a group of checkboxes, which its heading labels through aria-labelledby.
    const heading = schema.type === 'array'
      ? html`<span class="label" id="label-${name}">${label}${requiredMark}</span>`
      : html`<label for=${id}>${label}${requiredMark}</label>`;
    return html`
      <div class="field" data-field=${name}>
        ${heading} ${control} ${help} ${this.#renderError(name, error)}
      </div>
    `;
  }

  #renderError(name: string, error: string | undefined) {
    return error ? html`<span class="error" id="error-${name}" data-error-for=${name}>${error}</span>` : nothing;
  }
}

/** Prefixes a server message that does not start with the field's label, so it reads "Reason must …". */
function withLabel(label: string, message: string): string {
  return message.toLowerCase().startsWith(label.toLowerCase()) ? message : `${label} ${message}`;
}

customElements.define('od-action-form', ActionForm);
