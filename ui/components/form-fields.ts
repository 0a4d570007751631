// The input controls of an action or job form, one per parameter type or widget:
// text, long text, number, integer, money, date, date and time, select (static
// or from a query), multi-select, email and URL. Checkboxes are in param-field.ts.
// A select or multi-select whose options query returns more rows than were read
// is a searchable combobox (option-select.ts); smaller ones stay native.
import { html, nothing } from 'lit';
import type { ParamSchema } from '../client-spec.js';
import type { Choice } from '../option-choices.js';
import type { RawValue } from '../validate.js';
import type { OptionChangeDetail } from './option-select.js';
import './option-select.js';

export type { Choice };

/** What a control needs to render one parameter. */
export interface FieldContext {
  name: string;
  schema: ParamSchema;
  id: string;
  value: RawValue;
  invalid: boolean;
  describedBy: string;
  required: boolean;
  /** Choices of a select or multi-select, from `enum`, `items.enum` or the options query; undefined while loading. */
  choices: Choice[] | undefined;
  /** Rows the options query returns in all; when more than `choices` holds, the field is a searchable combobox. */
  total?: number;
  /** App whose options query the combobox searches. */
  appId?: string;
  /** Id of the text that labels a multi-select group of checkboxes. */
  labelId?: string;
  onChange: (value: RawValue) => void;
  onBlur: () => void;
}

/** Lists the static choices of a parameter, or undefined when they come from a query. */
export function staticChoices(schema: ParamSchema): Choice[] | undefined {
  const list = schema.type === 'array' ? schema.items?.enum : schema.enum;
  return list?.map((option) => ({ value: String(option), label: String(option) }));
}

/** Renders the control for a parameter that is not a boolean. */
export function renderControl(field: FieldContext) {
  if (isSearchable(field)) return renderOptionSelect(field);
  if (field.schema.type === 'array') return renderMultiSelect(field);
  if (field.schema.enum || field.schema.options) return renderSelect(field);
  if (field.schema.multiline) return renderTextArea(field);
  if (field.schema.widget === 'money') return renderMoney(field);
  return renderInput(field);
}

/** Checks whether a field's options query returned more rows than the field read, so it needs a combobox that searches the server. */
export function isSearchable(field: Pick<FieldContext, 'schema' | 'choices' | 'total'>): boolean {
  const options = field.schema.options;
  return options !== undefined && field.choices !== undefined && field.total !== undefined && field.total > field.choices.length;
}

function renderOptionSelect(field: FieldContext) {
  const multiple = field.schema.type === 'array';
  let value: string | string[] = String(field.value ?? '');
  if (multiple) value = Array.isArray(field.value) ? field.value : [];
  return html`
    <od-option-select
      data-combobox=${field.name}
      .appId=${field.appId ?? ''}
      .source=${field.schema.options}
      .value=${value}
      .multiple=${multiple}
      .initial=${field.choices ?? []}
      .total=${field.total ?? 0}
      .inputId=${field.id}
      .emptyLabel=${field.required ? 'Choose…' : '—'}
      .invalid=${field.invalid}
      .required=${field.required}
      .describedBy=${field.describedBy}
      @od-option-change=${(event: CustomEvent<OptionChangeDetail>) => field.onChange(event.detail.value)}
      @od-option-blur=${field.onBlur}
    ></od-option-select>
  `;
}

function renderSelect(field: FieldContext) {
  const value = String(field.value ?? '');
  const choices = field.choices ?? [];
  // A prefilled value the options query does not return (yet) stays selectable, so it is not lost silently.
  const extra = value !== '' && !choices.some((choice) => choice.value === value) ? [{ value, label: value }] : [];
  return html`
    <select
      class="input"
      id=${field.id}
      name=${field.name}
      aria-invalid=${field.invalid ? 'true' : 'false'}
      aria-required=${field.required ? 'true' : 'false'}
      aria-describedby=${field.describedBy || nothing}
      aria-busy=${field.choices === undefined ? 'true' : 'false'}
      @change=${(event: Event) => field.onChange((event.target as HTMLSelectElement).value)}
      @blur=${field.onBlur}
    >
      <option value="" ?selected=${value === ''}>${field.required ? 'Choose…' : '—'}</option>
      ${[...extra, ...choices].map((choice) => html`<option value=${choice.value} ?selected=${choice.value === value}>${choice.label}</option>`)}
    </select>
  `;
}

function renderMultiSelect(field: FieldContext) {
  const chosen = Array.isArray(field.value) ? field.value : [];
  const toggle = (value: string, checked: boolean) => {
    const next = checked ? [...chosen.filter((item) => item !== value), value] : chosen.filter((item) => item !== value);
    field.onChange(next);
  };
  return html`
    <div
      class="choices"
      id=${field.id}
      role="group"
      aria-labelledby=${field.labelId ?? `label-${field.name}`}
      aria-invalid=${field.invalid ? 'true' : 'false'}
      aria-describedby=${field.describedBy || nothing}
      aria-busy=${field.choices === undefined ? 'true' : 'false'}
      data-choices=${field.name}
    >
      ${(field.choices ?? []).map(
        (choice, index) => html`
          <label class="choice">
            <input
              type="checkbox"
              id="${field.id}-${index}"
              value=${choice.value}
              .checked=${chosen.includes(choice.value)}
              @change=${(event: Event) => toggle(choice.value, (event.target as HTMLInputElement).checked)}
              @blur=${field.onBlur}
            />
            ${choice.label}
          </label>
        `,
      )}
    </div>
  `;
}

function renderTextArea(field: FieldContext) {
  return html`
    <textarea
      class="input"
      id=${field.id}
      name=${field.name}
      rows="4"
      .value=${String(field.value ?? '')}
      aria-invalid=${field.invalid ? 'true' : 'false'}
      aria-required=${field.required ? 'true' : 'false'}
      aria-describedby=${field.describedBy || nothing}
      @input=${(event: Event) => field.onChange((event.target as HTMLTextAreaElement).value)}
      @blur=${field.onBlur}
    ></textarea>
  `;
}

function renderMoney(field: FieldContext) {
  return html`
    <div class="money">
      ${field.schema.currency ? html`<span class="currency" aria-hidden="true">${field.schema.currency}</span>` : nothing}
      ${renderInput(field)}
    </div>
  `;
}

function renderInput(field: FieldContext) {
  const type = inputType(field.schema);
  return html`
    <input
      class="input"
      id=${field.id}
      name=${field.name}
      type=${type}
      step=${stepOf(field.schema, type)}
      inputmode=${field.schema.widget === 'money' ? 'decimal' : nothing}
      autocomplete="off"
      .value=${String(field.value ?? '')}
      aria-invalid=${field.invalid ? 'true' : 'false'}
      aria-required=${field.required ? 'true' : 'false'}
      aria-describedby=${field.describedBy || nothing}
      @input=${(event: Event) => field.onChange((event.target as HTMLInputElement).value)}
      @blur=${field.onBlur}
    />
  `;
}

function stepOf(schema: ParamSchema, type: string): string | typeof nothing {
  if (schema.widget === 'money') return '0.01';
  if (schema.type === 'number') return 'any';
  // Seconds stay editable, so a prefilled timestamp is not cut to the minute.
  if (type === 'datetime-local') return '1';
  return nothing;
}

function inputType(schema: ParamSchema): string {
  if (schema.type === 'integer' || schema.type === 'number') return 'number';
  if (schema.format === 'email') return 'email';
  if (schema.format === 'date') return 'date';
  if (schema.format === 'date-time') return 'datetime-local';
  if (schema.format === 'uri') return 'url';
  if (schema.secret) return 'password';
  return 'text';
}
