// A form generated from an action's parameter schema: fields, client-side checks,
// an optional preview and confirmation step, the POST, and field errors from the server.
import { LitElement, css, html, nothing } from 'lit';
import { ApiError, apiPost, segment } from '../api.js';
import type { ActionResult, ApprovalRequested, ClientAction, ParamSchema, PreviewResult, Row } from '../client-spec.js';
import type { Choice } from '../option-choices.js';
import { parsePreview } from '../preview-diff.js';
import { fillTemplate } from '../template.js';
import { fieldLabel, isVisible, toParams, toRawValue, validateParams, type RawValue } from '../validate.js';
import { loadParamChoices, paramFieldStyles, recheckField, renderParamField, sortServerErrors, withLabel } from './param-field.js';
import { showToast } from './toast-stack.js';
import './action-preview.js';
import { buttonStyles, inputStyles, utilityStyles } from './shared-styles.js';

/** Detail of the `od-action-done` event. */
export interface ActionDoneDetail {
  actionId: string;
  /** The run's result, or the pending request of an action that needs approval. */
  result: ActionResult | ApprovalRequested;
}

/** Detail of the `od-form-values` event: the current value of each visible field, converted as for the request. */
export interface FormValuesDetail {
  values: Record<string, unknown>;
}

/**
 * Runs one action. Fires `od-action-done` (bubbles, composed) after the server
 * accepted it, `od-action-cancel` when the user cancels, and `od-form-values`
 * (bubbles, composed) whenever the field values change.
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
    totals: { state: true },
  };

  static override styles = [
    buttonStyles,
    inputStyles,
    utilityStyles,
    paramFieldStyles,
    css`
      :host {
        display: block;
      }
      .checkbox input {
        width: 16px;
        height: 16px;
        margin: 0;
      }
      .form-error {
        padding: var(--od-space-2) var(--od-space-3);
        border: 1px solid var(--od-danger-border);
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
  /** Rows each options query returns in all, by parameter name; a field whose query returns more than its choices is searchable. */
  totals: Record<string, number> = {};

  #previewAbort: AbortController | undefined;
  #choicesAbort: AbortController | undefined;

  override updated(changed: Map<string, unknown>): void {
    // The page shares the values with components that read `{{ <formId>.values.<field> }}`.
    if (changed.has('values')) this.dispatchEvent(new CustomEvent<FormValuesDetail>('od-form-values', { detail: { values: toParams(this.#params, this.values) }, bubbles: true, composed: true }));
  }

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
    const failures = await loadParamChoices(this.appId, this.#params, controller.signal, (loaded) => {
      this.choices = loaded.choices;
      this.totals = loaded.totals;
    });
    if (failures.length > 0 && !controller.signal.aborted) this.formError = failures[failures.length - 1];
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
    this.errors = recheckField(this.errors, this.#params, this.#required, this.values, name);
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
    const sorted = sortServerErrors(error, this.#params, (name) => !this.hiddenParams.includes(name));
    const { fieldErrors } = sorted;
    const unmatched = sorted.unmatched.map(({ detail, schema, name }) => (schema ? withLabel(fieldLabel(name, schema), detail.message) : `${detail.field} ${detail.message}`));
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
    return renderParamField({
      appId: this.appId,
      name,
      schema,
      ids: { control: `field-${name}`, help: `help-${name}`, error: `error-${name}`, label: `label-${name}` },
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

customElements.define('od-action-form', ActionForm);
