// A bar of filter inputs (search, select, date range, toggle). It only edits
// text values; the page view keeps them in the URL and gives them to the
// `{{ <id>.<field> }}` bindings of other components.
import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { ClientFilterField, ClientFilters } from '../client-spec.js';
import { humanize } from '../format.js';
import { OPTIONS_PAGE_SIZE, readChoices, type Choice } from '../option-choices.js';
import { optionSelectStyles, type OptionChangeDetail } from './option-select.js';
import { buttonStyles, inputStyles, utilityStyles } from './shared-styles.js';
import './option-select.js';

/** Detail of `od-filter-change`: every value of the bar after the change, empty ones left out. */
export interface FilterChangeDetail {
  id: string;
  values: Record<string, string>;
}

/** Time a search input waits after the last key before it applies its text, in milliseconds. */
const SEARCH_DELAY_MS = 300;

/** URL keys of a filter bar: `<id>.<name>` for each name its fields give. */
export function filterUrlKeys(filters: ClientFilters): string[] {
  return filters.fields.flatMap((field) => fieldNames(field)).map((name) => `${filters.id}.${name}`);
}

function fieldNames(field: ClientFilterField): string[] {
  if (field.type === 'daterange') return [field.from, field.to].filter((name): name is string => name !== undefined);
  return field.field === undefined ? [] : [field.field];
}

/**
 * Converts a bar's text values to what bindings read: a toggle that is on
 * becomes `true`, a select option declared as a number becomes that number,
 * other values stay text. Empty values are left out, so `{{ f.x ?? … }}` applies.
 */
export function filterScope(filters: ClientFilters, values: Record<string, string>): Record<string, unknown> {
  const scope: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const field of filters.fields) {
    for (const name of fieldNames(field)) {
      const text = Object.hasOwn(values, name) ? values[name] : '';
      if (text === '') continue;
      if (field.type === 'toggle') {
        if (text === 'true') scope[name] = true;
        continue;
      }
      if (field.type === 'select') {
        // Choices read from a query arrive later; the server checks the value against the query's parameter rules.
        // NOTE: a URL value that the options query does not return is still passed on to bindings.
        if (field.options !== undefined && !Array.isArray(field.options)) {
          scope[name] = text;
          continue;
        }
        // A value from the URL that is not an option is dropped, so a link cannot send what the bar cannot show.
        const option = field.options?.find((candidate) => String(candidate) === text);
        if (option !== undefined) scope[name] = option;
        continue;
      }
      if (field.type === 'daterange' && !/^\d{4}-\d{2}-\d{2}$/.test(text)) continue;
      scope[name] = text;
    }
  }
  return scope;
}

export class FilterBar extends LitElement {
  static override properties = {
    appId: { type: String },
    filters: { attribute: false },
    values: { attribute: false },
    choices: { state: true },
    totals: { state: true },
    loadError: { state: true },
  };

  static override styles = [
    utilityStyles,
    buttonStyles,
    inputStyles,
    optionSelectStyles,
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
      }
      label,
      .stack {
        display: flex;
        flex-direction: column;
        gap: var(--od-space-1);
        font-size: var(--od-font-size-sm);
        color: var(--od-text-muted);
      }
      .toggle {
        flex-direction: row;
        align-items: center;
        height: 32px;
        color: var(--od-text);
      }
      .stack label {
        color: inherit;
      }
      .stack od-option-select {
        min-width: 240px;
      }
      .range {
        display: flex;
        gap: var(--od-space-2);
      }
    `,
  ];

  /** App whose queries list the choices of selects with query options. */
  appId = '';
  filters: ClientFilters | undefined;
  /** Text values by field name, as the URL holds them. */
  values: Record<string, string> = {};
  /** Choices of the selects whose options come from a query, by field name; missing while loading. */
  choices: Record<string, Choice[]> = {};
  /** Rows each options query returns in all, by field name; a select whose query returns more than its choices is searchable. */
  totals: Record<string, number> = {};
  /** Error message of the choices that could not be read, empty when all loaded. */
  loadError = '';

  #searchTimer: ReturnType<typeof setTimeout> | undefined;
  #choicesAbort: AbortController | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#searchTimer);
    this.#choicesAbort?.abort();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('filters') || changed.has('appId')) void this.#loadChoices();
  }

  /** Reads the choices of each select with query options; the server runs the query with the user's row rules. */
  async #loadChoices(): Promise<void> {
    this.#choicesAbort?.abort();
    const controller = new AbortController();
    this.#choicesAbort = controller;
    const queried = (this.filters?.fields ?? []).flatMap((field) =>
      field.type === 'select' && field.field !== undefined && field.options !== undefined && !Array.isArray(field.options) ? [{ name: field.field, options: field.options }] : [],
    );
    this.choices = {};
    this.totals = {};
    this.loadError = '';
    if (!this.appId || queried.length === 0) return;
    const choices: Record<string, Choice[]> = {};
    const totals: Record<string, number> = {};
    const errors: string[] = [];
    await Promise.all(
      queried.map(async ({ name, options }) => {
        try {
          const page = await readChoices(this.appId, options, { size: OPTIONS_PAGE_SIZE, signal: controller.signal });
          choices[name] = page.choices;
          totals[name] = page.total;
        } catch (error) {
          if (controller.signal.aborted) return;
          choices[name] = [];
          errors.push(`The choices of ${humanize(name)} could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
    if (controller.signal.aborted) return;
    this.choices = choices;
    this.totals = totals;
    this.loadError = errors.join(' ');
  }

  #selectChoices(field: ClientFilterField): Choice[] {
    if (Array.isArray(field.options)) return field.options.map((option) => ({ value: String(option), label: String(option) }));
    const loaded = this.choices[field.field ?? ''] ?? [];
    // A value from the URL stays shown while the choices load or when the query no longer returns it, so it is not lost silently.
    const current = this.#value(field.field);
    return current === '' || loaded.some((choice) => choice.value === current) ? loaded : [...loaded, { value: current, label: current }];
  }

  /** Checks whether the select's options query returned more rows than one page, so the select searches the server as the user types. */
  #isSearchable(field: ClientFilterField): boolean {
    const name = field.field ?? '';
    const loaded = this.choices[name];
    return field.options !== undefined && !Array.isArray(field.options) && loaded !== undefined && (this.totals[name] ?? 0) > loaded.length;
  }

  #renderSearchable(field: ClientFilterField, name: string, label: string) {
    const id = `filter-${this.filters?.id ?? ''}-${name}`;
    return html`<div class="stack">
      <label for=${id}>${label}</label>
      <od-option-select
        .appId=${this.appId}
        .source=${field.options}
        .value=${this.#value(name)}
        .initial=${this.choices[name] ?? []}
        .total=${this.totals[name] ?? 0}
        .inputId=${id}
        .filterField=${name}
        .emptyLabel=${'All'}
        @od-option-change=${(event: CustomEvent<OptionChangeDetail>) => this.#emit(name, String(event.detail.value))}
      ></od-option-select>
    </div>`;
  }

  #emit(name: string, value: string): void {
    if (!this.filters) return;
    const values = { ...this.values };
    if (value === '') delete values[name];
    else values[name] = value;
    this.dispatchEvent(new CustomEvent<FilterChangeDetail>('od-filter-change', { detail: { id: this.filters.id, values }, bubbles: true, composed: true }));
  }

  #onSearchInput(name: string, event: Event): void {
    const value = (event.target as HTMLInputElement).value;
    clearTimeout(this.#searchTimer);
    this.#searchTimer = setTimeout(() => this.#emit(name, value), SEARCH_DELAY_MS);
  }

  #value(name: string | undefined): string {
    return name !== undefined && Object.hasOwn(this.values, name) ? this.values[name] : '';
  }

  override render() {
    if (!this.filters) return nothing;
    return html`<form class="card" role="search" aria-label="Filters" data-filters=${this.filters.id} @submit=${(event: Event) => event.preventDefault()}>
      ${this.filters.fields.map((field) => this.#renderField(field))}
      ${this.loadError ? html`<p class="error" role="alert" data-testid="filter-error">${this.loadError}</p>` : nothing}
    </form>`;
  }

  #renderField(field: ClientFilterField) {
    const name = field.field ?? '';
    const label = field.label ?? humanize(field.type === 'daterange' ? `${field.from ?? ''}` : name);
    switch (field.type) {
      case 'search':
        return html`<label>
          ${label}
          <input class="input" type="search" data-filter=${name} .value=${live(this.#value(name))} @input=${(event: Event) => this.#onSearchInput(name, event)} />
        </label>`;
      case 'select':
        if (this.#isSearchable(field)) return this.#renderSearchable(field, name, label);
        return html`<label>
          ${label}
          <select class="input" data-filter=${name} .value=${live(this.#value(name))} @change=${(event: Event) => this.#emit(name, (event.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${this.#value(name) === ''}>All</option>
            ${this.#selectChoices(field).map((choice) => html`<option value=${choice.value} ?selected=${this.#value(name) === choice.value}>${choice.label}</option>`)}
          </select>
        </label>`;
      case 'toggle':
        return html`<label class="toggle">
          <input type="checkbox" data-filter=${name} .checked=${live(this.#value(name) === 'true')} @change=${(event: Event) => this.#emit(name, (event.target as HTMLInputElement).checked ? 'true' : '')} />
          ${label}
        </label>`;
      case 'daterange': {
        const from = field.from ?? '';
        const to = field.to ?? '';
        return html`<fieldset class="range" style="border: 0; padding: 0; margin: 0">
          <legend class="visually-hidden">${label}</legend>
          <label>
            ${field.label ? `${field.label} from` : humanize(from)}
            <input class="input" type="date" data-filter=${from} .value=${live(this.#value(from))} @change=${(event: Event) => this.#emit(from, (event.target as HTMLInputElement).value)} />
          </label>
          <label>
            ${field.label ? `${field.label} to` : humanize(to)}
            <input class="input" type="date" data-filter=${to} .value=${live(this.#value(to))} @change=${(event: Event) => this.#emit(to, (event.target as HTMLInputElement).value)} />
          </label>
        </fieldset>`;
      }
    }
  }
}

customElements.define('od-filter-bar', FilterBar);
