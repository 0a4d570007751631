// A searchable select (od-option-select) for options queries with more rows
// than one page: an editable combobox whose list the server narrows as the
// user types. It follows the WAI-ARIA combobox pattern with list autocomplete:
// Down and Up move through the options, Enter picks, Escape closes the list.
// It renders into the light DOM, so a `<label for>` of the enclosing form
// reaches its input. The enclosing component adds `optionSelectStyles`.
import { LitElement, css, html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { readChoiceLabels, readChoices, SEARCH_PAGE_SIZE, type Choice, type OptionsSource } from '../option-choices.js';

/** Detail of `od-option-change`: the picked value, or the list of picked values of a multi-select. */
export interface OptionChangeDetail {
  value: string | string[];
}

/** Time the select waits after the last key before it searches, in milliseconds. */
const SEARCH_DELAY_MS = 200;

/** Styles of the combobox, added to the styles of the component that renders it. */
export const optionSelectStyles = css`
  od-option-select {
    display: block;
    position: relative;
  }
  od-option-select .popup {
    position: absolute;
    z-index: 30;
    top: calc(100% + 2px);
    left: 0;
    right: 0;
    min-width: 220px;
    max-height: 280px;
    overflow-y: auto;
    border: 1px solid var(--od-border-strong);
    border-radius: var(--od-radius);
    background: var(--od-surface);
    box-shadow: var(--od-shadow);
  }
  od-option-select [role='listbox'] {
    margin: 0;
    padding: var(--od-space-1) 0;
    list-style: none;
  }
  od-option-select [role='option'] {
    padding: var(--od-space-1) var(--od-space-3);
    color: var(--od-text);
    font-size: var(--od-font-size);
    font-weight: 400;
    cursor: pointer;
  }
  od-option-select [role='option'][aria-selected='true'] {
    font-weight: 600;
  }
  od-option-select [role='option'][aria-selected='true']::before {
    content: '✓ ';
  }
  od-option-select [role='option'].active {
    background: var(--od-accent-soft);
  }
  od-option-select .note {
    margin: 0;
    padding: var(--od-space-1) var(--od-space-3);
    color: var(--od-text-muted);
    font-size: var(--od-font-size-xs);
  }
  od-option-select .chosen {
    display: flex;
    flex-wrap: wrap;
    gap: var(--od-space-1);
    margin: 0 0 var(--od-space-1);
    padding: 0;
    list-style: none;
  }
  od-option-select .chosen li {
    display: inline-flex;
    align-items: center;
    gap: var(--od-space-1);
    padding: 0 0 0 var(--od-space-2);
    border: 1px solid var(--od-border);
    border-radius: var(--od-radius);
    background: var(--od-surface-muted);
    font-size: var(--od-font-size-sm);
    font-weight: 400;
  }
  od-option-select .chosen button {
    padding: 0 var(--od-space-2);
    border: 0;
    background: none;
    color: var(--od-text-muted);
    font: inherit;
    cursor: pointer;
  }
  od-option-select .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;

/**
 * Fires `od-option-change` with the new value when the user picks, and
 * `od-option-blur` when the focus leaves the select.
 */
export class OptionSelect extends LitElement {
  static override properties = {
    appId: { type: String },
    source: { attribute: false },
    value: { attribute: false },
    multiple: { type: Boolean },
    initial: { attribute: false },
    total: { type: Number },
    inputId: { type: String },
    filterField: { type: String },
    emptyLabel: { type: String },
    invalid: { type: Boolean },
    required: { type: Boolean },
    describedBy: { type: String },
    text: { state: true },
    open: { state: true },
    results: { state: true },
    resultTotal: { state: true },
    activeIndex: { state: true },
    loading: { state: true },
    error: { state: true },
  };

  /** App whose query lists the options. */
  appId = '';
  /** The options query and its value and label columns. */
  source: OptionsSource | undefined;
  /** The picked value ('' for none), or the picked values of a multi-select. */
  value: string | string[] = '';
  /** Set for a multi-select, which lists its picked values above the input. */
  multiple = false;
  /** First page of options, read by the enclosing component and offered before the user types. */
  initial: Choice[] = [];
  /** Rows the options query returns in all, unfiltered. */
  total = 0;
  /** Id of the input, for the `<label for>` of the enclosing form. */
  inputId = '';
  /** Name set as `data-filter` on the input, as the filter bar marks its inputs. */
  filterField = '';
  /** Text of the empty choice, which clears a single select. */
  emptyLabel = '—';
  invalid = false;
  required = false;
  /** Ids of the help and error texts that describe the input. */
  describedBy = '';
  /** Text in the input while the user edits it. When undefined, the input shows the label of the value. */
  text: string | undefined;
  /** Set while the list is open. */
  open = false;
  /** Options matching `text`, as the server returned them. */
  results: Choice[] = [];
  /** Rows matching `text` in all, of which `results` contains the first page. */
  resultTotal = 0;
  /** Index in the displayed options of the one Down and Up moved to, or -1 for none. */
  activeIndex = -1;
  /** Set while a search runs. */
  loading = false;
  /** Message of the last failed search or label lookup. */
  error = '';

  /** Labels by value, from every page read and every lookup. */
  #labels = new Map<string, string>();
  /** Values whose label was requested, so each is looked up once. */
  #lookedUp = new Set<string>();
  #searchTimer: ReturnType<typeof setTimeout> | undefined;
  #searchAbort: AbortController | undefined;
  #lookupAbort: AbortController | undefined;
  /** The text of the last search whose results are shown, undefined before the first. */
  #searched: string | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#searchTimer);
    this.#searchAbort?.abort();
    this.#lookupAbort?.abort();
    // A lookup aborted here is tried again if the select is attached again.
    this.#lookedUp.clear();
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('initial')) for (const choice of this.initial) this.#labels.set(choice.value, choice.label);
    if (changed.has('source') || changed.has('appId')) {
      this.#labels = new Map(this.initial.map((choice) => [choice.value, choice.label]));
      this.#lookedUp.clear();
      this.#searched = undefined;
    }
    if (changed.has('value') || changed.has('source') || changed.has('initial')) this.#lookUpLabels();
  }

  get #values(): string[] {
    if (Array.isArray(this.value)) return this.value;
    return this.value === '' ? [] : [this.value];
  }

  #labelOf(value: string): string {
    return this.#labels.get(value) ?? value;
  }

  /** Reads the labels of picked values that no page read so far returned, such as a value from the URL or a default. */
  #lookUpLabels(): void {
    const missing = this.#values.filter((value) => !this.#labels.has(value) && !this.#lookedUp.has(value));
    if (missing.length === 0 || !this.source || !this.appId) return;
    for (const value of missing) this.#lookedUp.add(value);
    const controller = new AbortController();
    this.#lookupAbort = controller;
    readChoiceLabels(this.appId, this.source, missing, controller.signal).then(
      (found) => {
        for (const choice of found) this.#labels.set(choice.value, choice.label);
        this.requestUpdate();
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        this.error = `The labels of the picked values could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
      },
    );
  }

  /** Returns the first page of `initial`, which the list offers before the user types. */
  #firstPage(): Choice[] {
    return this.initial.slice(0, SEARCH_PAGE_SIZE);
  }

  /** The options the list shows: the empty choice of a single select when nothing is typed, then the matches. */
  #listedOptions(): Choice[] {
    const typed = (this.text ?? '').trim();
    const matches = typed === '' && this.#searched === undefined ? this.#firstPage() : this.results;
    if (this.multiple || typed !== '') return matches;
    return [{ value: '', label: this.emptyLabel }, ...matches];
  }

  #scheduleSearch(): void {
    clearTimeout(this.#searchTimer);
    this.#searchTimer = setTimeout(() => void this.#search(), SEARCH_DELAY_MS);
  }

  async #search(): Promise<void> {
    if (!this.source || !this.appId) return;
    const typed = (this.text ?? '').trim();
    if (typed === this.#searched) return;
    this.#searchAbort?.abort();
    const controller = new AbortController();
    this.#searchAbort = controller;
    this.loading = true;
    try {
      const page = typed === ''
        ? { choices: this.#firstPage(), total: this.total }
        : await readChoices(this.appId, this.source, { search: typed, size: SEARCH_PAGE_SIZE, signal: controller.signal });
      if (controller.signal.aborted) return;
      for (const choice of page.choices) this.#labels.set(choice.value, choice.label);
      this.results = page.choices;
      this.resultTotal = page.total;
      this.#searched = typed;
      this.activeIndex = -1;
      this.error = '';
    } catch (error) {
      if (controller.signal.aborted) return;
      this.results = [];
      this.resultTotal = 0;
      this.error = `The options could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      if (this.#searchAbort === controller) this.loading = false;
    }
  }

  #input(): HTMLInputElement | null {
    return this.querySelector('input[role="combobox"]');
  }

  #openList(): void {
    if (this.open) return;
    this.open = true;
    if (this.#searched === undefined) {
      this.results = this.#firstPage();
      this.resultTotal = this.total;
    }
  }

  #close(): void {
    this.open = false;
    this.activeIndex = -1;
  }

  #pick(choice: Choice): void {
    this.#labels.set(choice.value, choice.label);
    if (this.multiple) {
      const values = this.#values;
      const next = values.includes(choice.value) ? values.filter((value) => value !== choice.value) : [...values, choice.value];
      // The list stays open for the next pick, showing the first options again.
      this.text = '';
      void this.#search();
      this.#emit(next);
      return;
    }
    this.text = undefined;
    this.#close();
    this.#emit(choice.value);
  }

  #remove(value: string): void {
    this.#emit(this.#values.filter((item) => item !== value));
    this.#input()?.focus();
  }

  #emit(value: string | string[]): void {
    this.value = value;
    this.dispatchEvent(new CustomEvent<OptionChangeDetail>('od-option-change', { detail: { value } }));
  }

  #onInput(event: Event): void {
    this.text = (event.target as HTMLInputElement).value;
    this.#openList();
    this.activeIndex = -1;
    this.#scheduleSearch();
  }

  #onKeydown(event: KeyboardEvent): void {
    const listed = this.#listedOptions();
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        event.preventDefault();
        const wasOpen = this.open;
        this.#openList();
        const count = this.#listedOptions().length;
        if (count === 0) return;
        const step = event.key === 'ArrowDown' ? 1 : -1;
        if (!wasOpen || this.activeIndex < 0) this.activeIndex = step === 1 ? 0 : count - 1;
        else this.activeIndex = (this.activeIndex + step + count) % count;
        return;
      }
      case 'Enter': {
        if (!this.open) return;
        // Enter in an open list picks, and never submits the form.
        event.preventDefault();
        const typed = (this.text ?? '').trim().toLowerCase();
        const choice = this.activeIndex >= 0 ? listed[this.activeIndex] : listed.find((candidate) => typed !== '' && candidate.label.toLowerCase() === typed);
        if (choice) this.#pick(choice);
        else this.#close();
        return;
      }
      case 'Escape': {
        const editing = this.multiple ? (this.text ?? '') !== '' : this.text !== undefined;
        if (!this.open && !editing) return;
        // Handled here, so an enclosing dialog or form does not close too.
        event.preventDefault();
        event.stopPropagation();
        if (this.open) this.#close();
        else this.text = this.multiple ? '' : undefined;
        return;
      }
      case 'Backspace':
        if (this.multiple && (this.text ?? '') === '' && this.#values.length > 0) {
          event.preventDefault();
          this.#emit(this.#values.slice(0, -1));
        }
        return;
      case 'Tab':
        this.#close();
        return;
    }
  }

  #onFocusout(event: FocusEvent): void {
    if (event.relatedTarget instanceof Node && this.contains(event.relatedTarget)) return;
    clearTimeout(this.#searchTimer);
    // A single select whose text the user cleared has no value.
    if (!this.multiple && this.text !== undefined && this.text.trim() === '' && this.value !== '') this.#emit('');
    this.#close();
    if (!this.multiple) this.text = undefined;
    this.dispatchEvent(new Event('od-option-blur'));
  }

  override updated(): void {
    if (this.activeIndex < 0) return;
    this.querySelector(`#${CSS.escape(this.#optionId(this.activeIndex))}`)?.scrollIntoView?.({ block: 'nearest' });
  }

  #optionId(index: number): string {
    return `${this.inputId}-option-${index}`;
  }

  override render() {
    const listboxId = `${this.inputId}-listbox`;
    const listed = this.open ? this.#listedOptions() : [];
    const picked = this.#values;
    const active = this.open && this.activeIndex >= 0 && this.activeIndex < listed.length ? this.#optionId(this.activeIndex) : undefined;
    const displayed = this.text ?? (this.multiple ? '' : this.#values.map((value) => this.#labelOf(value)).join(''));
    return html`
      <div @focusout=${this.#onFocusout}>
        ${this.multiple && picked.length > 0
          ? html`<ul class="chosen" aria-label="Picked">
              ${picked.map(
                (value) => html`<li data-testid="chosen" data-value=${value}>
                  ${this.#labelOf(value)}
                  <button type="button" aria-label="Remove ${this.#labelOf(value)}" @click=${() => this.#remove(value)}>×</button>
                </li>`,
              )}
            </ul>`
          : nothing}
        <input
          class="input"
          id=${this.inputId}
          type="text"
          role="combobox"
          autocomplete="off"
          aria-autocomplete="list"
          aria-expanded=${this.open ? 'true' : 'false'}
          aria-controls=${listboxId}
          aria-activedescendant=${active ?? nothing}
          aria-invalid=${this.invalid ? 'true' : 'false'}
          aria-required=${this.required ? 'true' : 'false'}
          aria-describedby=${this.describedBy || nothing}
          aria-busy=${this.loading ? 'true' : 'false'}
          data-filter=${this.filterField || nothing}
          placeholder=${this.multiple ? 'Type to search' : this.emptyLabel}
          .value=${live(displayed)}
          @input=${this.#onInput}
          @keydown=${this.#onKeydown}
          @click=${() => (this.open ? this.#close() : this.#openList())}
        />
        <div class="popup" ?hidden=${!this.open}>
          <ul role="listbox" id=${listboxId} aria-multiselectable=${this.multiple ? 'true' : nothing} aria-busy=${this.loading ? 'true' : 'false'}>
            ${listed.map(
              (choice, index) => html`<li
                role="option"
                id=${this.#optionId(index)}
                class=${index === this.activeIndex ? 'active' : ''}
                data-value=${choice.value}
                aria-selected=${(choice.value === '' ? picked.length === 0 : picked.includes(choice.value)) ? 'true' : 'false'}
                @mousedown=${(event: Event) => event.preventDefault()}
                @click=${() => this.#pick(choice)}
              >${choice.label}</li>`,
            )}
          </ul>
          ${this.open ? this.#renderNote() : nothing}
        </div>
        <div class="visually-hidden" role="status">${this.open && !this.loading ? this.#countText() : ''}</div>
      </div>
    `;
  }

  /** Counts the listed options, leaving out the empty choice. */
  #matchCount(): number {
    return this.#listedOptions().filter((choice) => choice.value !== '').length;
  }

  #countText(): string {
    if (this.error) return this.error;
    const count = this.#matchCount();
    if (count === 0) return 'No matches.';
    return this.resultTotal > count ? `${count} of ${this.resultTotal.toLocaleString()} matches shown.` : `${count} ${count === 1 ? 'match' : 'matches'}.`;
  }

  #renderNote() {
    if (this.error) return html`<p class="note" role="alert">${this.error}</p>`;
    if (this.loading) return html`<p class="note">Searching…</p>`;
    const count = this.#matchCount();
    if (count === 0) return html`<p class="note">No matches.</p>`;
    if (this.resultTotal > count) return html`<p class="note">Showing ${count} of ${this.resultTotal.toLocaleString()}. Type to narrow the list.</p>`;
    return nothing;
  }
}

customElements.define('od-option-select', OptionSelect);
