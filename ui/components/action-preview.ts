// The result of an action preview: how many rows the action would change,
// the sampled rows with their changed columns, and the steps left out.
import { LitElement, css, html, nothing } from 'lit';
import type { PreviewResult } from '../client-spec.js';
import { changesText, diffSample, type ColumnChange, type RowChange } from '../preview-diff.js';

const KIND_LABELS = { inserted: 'Inserted', deleted: 'Deleted', updated: 'Updated' } as const;

/** Shows one preview result. Every value is rendered as text. */
export class ActionPreview extends LitElement {
  static override properties = {
    result: { attribute: false },
  };

  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      gap: var(--od-space-2);
    }
    p {
      margin: 0;
    }
    .count {
      font-weight: 600;
    }
    .muted {
      color: var(--od-text-muted);
      font-size: var(--od-font-size-sm);
    }
    .scroll {
      max-height: 280px;
      overflow: auto;
      border: 1px solid var(--od-border);
      border-radius: var(--od-radius);
    }
    table {
      width: 100%;
      border-collapse: collapse;
      font-size: var(--od-font-size-sm);
    }
    th,
    td {
      padding: var(--od-space-1) var(--od-space-2);
      border-bottom: 1px solid var(--od-border);
      text-align: left;
      vertical-align: top;
    }
    tr:last-child > * {
      border-bottom: none;
    }
    thead th {
      background: var(--od-surface-muted);
      color: var(--od-text-muted);
      font-weight: 500;
    }
    tbody th {
      font-weight: 500;
      font-family: var(--od-font-mono);
      white-space: nowrap;
    }
    .kind {
      display: inline-block;
      margin-top: 2px;
      padding: 0 6px;
      border-radius: var(--od-radius-sm);
      font-family: var(--od-font);
      font-size: var(--od-font-size-xs);
      font-weight: 500;
    }
    .kind.inserted {
      background: var(--od-success-soft);
      color: var(--od-success);
    }
    .kind.deleted {
      background: var(--od-danger-soft);
      color: var(--od-danger);
    }
    .kind.updated {
      background: var(--od-surface-muted);
      color: var(--od-text-muted);
    }
    .change {
      overflow-wrap: anywhere;
    }
    .column {
      color: var(--od-text-muted);
    }
    del {
      color: var(--od-text-subtle);
    }
    ins {
      text-decoration: none;
      font-weight: 600;
    }
    ul {
      margin: 0;
      padding-left: var(--od-space-5);
    }
  `;

  /** The preview response to show. */
  result: PreviewResult | undefined;

  override render() {
    const result = this.result;
    if (!result) return nothing;
    const rows = result.sample.map(diffSample);
    return html`
      <p class="count" data-testid="preview-count">${changesText(result.changes)}</p>
      ${rows.length > 0 && rows.length < result.changes
        ? html`<p class="muted" data-testid="preview-shown">Showing ${rows.length} of the ${result.changes} changed rows.</p>`
        : nothing}
      ${rows.length > 0 ? this.#renderSample(rows) : nothing}
      ${result.steps && result.steps.length > 0
        ? html`<p class="muted" data-testid="preview-steps">
            Previewed steps: ${result.steps.map((step) => `${step.id} (${step.changes} ${step.changes === 1 ? 'row' : 'rows'})`).join(', ')}
          </p>`
        : nothing}
      ${result.notPreviewed && result.notPreviewed.length > 0
        ? html`<div class="muted" data-testid="not-previewed">
            Not previewed:
            <ul>
              ${result.notPreviewed.map((id) => html`<li>${id}</li>`)}
            </ul>
          </div>`
        : nothing}
      ${result.note ? html`<p class="muted" data-testid="preview-note">${result.note}</p>` : nothing}
    `;
  }

  #renderSample(rows: RowChange[]) {
    return html`
      <div class="scroll">
        <table data-testid="preview-sample">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Changed values</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (row) => html`
                <tr data-testid="preview-row" data-kind=${row.kind}>
                  <th scope="row">${row.key}<br /><span class="kind ${row.kind}">${KIND_LABELS[row.kind]}</span></th>
                  <td>
                    ${row.columns.length === 0 ? html`<span class="muted">No value changes.</span>` : row.columns.map(renderColumn)}
                  </td>
                </tr>
              `,
            )}
          </tbody>
        </table>
      </div>
    `;
  }
}

function renderColumn(change: ColumnChange) {
  return html`
    <div class="change" data-column=${change.column}>
      <span class="column">${change.column}:</span>
      ${change.before === undefined ? nothing : html`<del>${change.before}</del>`}
      ${change.before !== undefined && change.after !== undefined ? html`<span aria-hidden="true">→</span>` : nothing}
      ${change.after === undefined ? nothing : html`<ins>${change.after}</ins>`}
    </div>
  `;
}

customElements.define('od-action-preview', ActionPreview);
