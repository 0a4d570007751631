// Parameter fields as the action form (od-action-form) and the job start form
// (od-job-start) both use them. This module contains their styles, reads the
// choices of selects, renders one field with its label, help and error,
// checks a field and sorts the field errors of a 400 response.
import { css, html, nothing } from 'lit';
import type { ApiError, FieldError } from '../api.js';
import type { ParamSchema } from '../client-spec.js';
import { OPTIONS_PAGE_SIZE, readChoices, type Choice } from '../option-choices.js';
import { fieldLabel, validateField, type RawValue } from '../validate.js';
import { isSearchable, renderControl, staticChoices } from './form-fields.js';
import { optionSelectStyles } from './option-select.js';

/** Styles of the parameter fields of both forms. */
export const paramFieldStyles = [
  optionSelectStyles,
  css`
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
      margin-left: 2px;
      color: var(--od-danger);
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
    .checkbox input,
    .choice input {
      accent-color: var(--od-accent);
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
    .error {
      color: var(--od-danger);
      font-size: var(--od-font-size-sm);
    }
  `,
];

/** Choices of the select and multi-select fields by parameter name, and the row count of each options query. */
export interface ParamChoices {
  choices: Record<string, Choice[]>;
  /** Rows each options query returns in all. A field whose query returns more than its choices is searchable. */
  totals: Record<string, number>;
}

/**
 * Reads the choices of each parameter: static ones from `enum`, the first
 * page of the others from their options query, which the server runs with
 * the user's row rules. Calls `update` with the static choices at once and
 * with all of them when the queries returned. Returns a message for each
 * query that failed, whose field then has no choices.
 */
export async function loadParamChoices(appId: string, params: Record<string, ParamSchema>, signal: AbortSignal, update: (loaded: ParamChoices) => void): Promise<string[]> {
  const loaded: ParamChoices = { choices: {}, totals: {} };
  const queried: Array<[string, NonNullable<ParamSchema['options']>]> = [];
  for (const [name, schema] of Object.entries(params)) {
    const fixed = staticChoices(schema);
    if (fixed) loaded.choices[name] = fixed;
    else if (schema.options) queried.push([name, schema.options]);
  }
  update({ choices: { ...loaded.choices }, totals: {} });
  if (!appId || queried.length === 0) return [];
  const failures: string[] = [];
  await Promise.all(
    queried.map(async ([name, options]) => {
      try {
        const page = await readChoices(appId, options, { size: OPTIONS_PAGE_SIZE, signal });
        loaded.choices[name] = page.choices;
        loaded.totals[name] = page.total;
      } catch (error) {
        if (signal.aborted) return;
        loaded.choices[name] = [];
        failures.push(`The choices of ${fieldLabel(name, params[name])} could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
  if (!signal.aborted) update({ choices: { ...loaded.choices }, totals: { ...loaded.totals } });
  return failures;
}

/** Element ids of one field's parts, which must be unique in the form's shadow root. */
export interface FieldIds {
  control: string;
  help: string;
  error: string;
  /** Heading of a multi-select group of checkboxes. */
  label: string;
}

/** Everything `renderParamField` needs for one parameter. */
export interface ParamFieldContext {
  appId: string;
  name: string;
  schema: ParamSchema;
  ids: FieldIds;
  value: RawValue;
  error: string | undefined;
  required: boolean;
  choices: Choice[] | undefined;
  total: number | undefined;
  onChange: (value: RawValue) => void;
  onBlur: () => void;
}

/** Renders one parameter: its label, control, help text and error message. */
export function renderParamField(field: ParamFieldContext) {
  const { name, schema, ids, error } = field;
  const label = schema.widget === 'money' && schema.currency ? `${fieldLabel(name, schema)} (${schema.currency})` : fieldLabel(name, schema);
  const describedBy = [error ? ids.error : '', schema.description ? ids.help : ''].filter(Boolean).join(' ');
  const requiredMark = field.required ? html`<span class="required" aria-hidden="true">*</span>` : nothing;
  const help = schema.description ? html`<span class="help" id=${ids.help}>${schema.description}</span>` : nothing;
  const message = error ? html`<span class="error" id=${ids.error} data-error-for=${name}>${error}</span>` : nothing;

  if (schema.type === 'boolean') {
    return html`
      <div class="field" data-field=${name}>
        <div class="field checkbox">
          <input
            id=${ids.control}
            name=${name}
            type="checkbox"
            .checked=${field.value === true}
            aria-invalid=${error ? 'true' : 'false'}
            aria-describedby=${describedBy || nothing}
            @change=${(event: Event) => field.onChange((event.target as HTMLInputElement).checked)}
            @blur=${field.onBlur}
          />
          <label for=${ids.control}>${label}${requiredMark}</label>
        </div>
        ${help} ${message}
      </div>
    `;
  }

  const context = {
    name,
    schema,
    id: ids.control,
    value: field.value,
    invalid: Boolean(error),
    describedBy,
    required: field.required,
    choices: field.choices,
    total: field.total,
    appId: field.appId,
    labelId: ids.label,
    onChange: field.onChange,
    onBlur: field.onBlur,
  };
  // A multi-select of checkboxes is a group, which its heading labels through aria-labelledby.
  // A combobox has an input for `<label for>`.
  const heading = schema.type === 'array' && !isSearchable(context)
    ? html`<span class="label" id=${ids.label}>${label}${requiredMark}</span>`
    : html`<label for=${ids.control}>${label}${requiredMark}</label>`;
  return html`<div class="field" data-field=${name}>${heading} ${renderControl(context)} ${help} ${message}</div>`;
}

/** Returns `errors` with the message of field `name` checked again: set when the value is invalid, removed when it is fine. */
export function recheckField(errors: Record<string, string>, params: Record<string, ParamSchema>, required: string[], values: Record<string, RawValue>, name: string): Record<string, string> {
  const schema = params[name];
  if (!schema) return errors;
  const message = validateField(name, schema, values[name], required.includes(name));
  const next = { ...errors };
  if (message) next[name] = message;
  else delete next[name];
  return next;
}

/** A field error of a 400 response that no displayed field can show. */
export interface UnmatchedError {
  detail: FieldError;
  /** The parameter's schema when the error names a declared parameter. */
  schema: ParamSchema | undefined;
  name: string;
}

/**
 * Sorts the field errors of a 400 response. An error of a parameter for which
 * `isDisplayed` returns true goes under its field, led by its label, and only
 * the first per field is kept. The others are returned for the form's message.
 */
export function sortServerErrors(error: ApiError, params: Record<string, ParamSchema>, isDisplayed: (name: string) => boolean): { fieldErrors: Record<string, string>; unmatched: UnmatchedError[] } {
  const fieldErrors: Record<string, string> = {};
  const unmatched: UnmatchedError[] = [];
  let details = error.details;
  if (details.length === 0 && error.field) details = [{ field: error.field, message: error.message }];
  for (const detail of details) {
    const name = detail.field.replace(/^params\./, '');
    const schema = params[name];
    if (schema && isDisplayed(name)) fieldErrors[name] ??= withLabel(fieldLabel(name, schema), detail.message);
    else unmatched.push({ detail, schema, name });
  }
  return { fieldErrors, unmatched };
}

/** Prefixes a server message that does not start with the field's label, so it reads "Reason must …". */
export function withLabel(label: string, message: string): string {
  return message.toLowerCase().startsWith(label.toLowerCase()) ? message : `${label} ${message}`;
}
