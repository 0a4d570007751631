// A bar of filter inputs (search, select, date range, toggle). It only edits
// text values; the page view keeps them in the URL and gives them to the
// `{{ <id>.<field> }}` bindings of other components.
import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { ClientFilterField, ClientFilters } from '../client-spec.js';
import { humanize } from '../format.js';
import { buttonStyles, inputStyles, utilityStyles } from './shared-styles.js';

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
    filters: { attribute: false },
    values: { attribute: false },
  };

  static override styles = [
    utilityStyles,
    buttonStyles,
    inputStyles,
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
      label {
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
      .range {
        display: flex;
        gap: var(--od-space-2);
      }
    `,
  ];

  filters: ClientFilters | undefined;
  /** Text values by field name, as the URL holds them. */
  values: Record<string, string> = {};

  #searchTimer: ReturnType<typeof setTimeout> | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#searchTimer);
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
        // NOTE: options come only from the spec; options read from a query are not supported yet.
        return html`<label>
          ${label}
          <select class="input" data-filter=${name} .value=${live(this.#value(name))} @change=${(event: Event) => this.#emit(name, (event.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${this.#value(name) === ''}>All</option>
            ${(field.options ?? []).map((option) => html`<option value=${String(option)} ?selected=${this.#value(name) === String(option)}>${String(option)}</option>`)}
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
