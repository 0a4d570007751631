// The legend and the table of values under a chart, in HTML so keyboard and
// screen reader users reach them: legend entries are toggle buttons, and
// "Show data" opens a real table of the chart's values.
import { css, html, nothing } from 'lit';
import type { ChartValues } from '../chart-values.js';
import { PALETTE_SIZE } from './chart-config.js';

/** One legend button: a series, or a slice of a pie. */
export interface LegendEntry {
  name: string;
  /** Index of the series, or of the slice in a pie, which also picks the colour token. */
  index: number;
  visible: boolean;
}

export const chartLegendStyles = css`
  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: var(--od-space-1) var(--od-space-2);
    margin: var(--od-space-3) 0 0;
    padding: 0;
    list-style: none;
  }
  .legend button,
  .values-toggle {
    display: inline-flex;
    align-items: center;
    gap: var(--od-space-2);
    min-height: 26px;
    padding: 0 var(--od-space-2);
    border: 1px solid transparent;
    border-radius: var(--od-radius);
    background: transparent;
    color: var(--od-text);
    font: inherit;
    font-size: var(--od-font-size-sm);
    cursor: pointer;
  }
  .legend button:hover,
  .values-toggle:hover {
    background: var(--od-surface-muted);
  }
  .legend button:focus-visible,
  .values-toggle:focus-visible {
    outline: none;
    box-shadow: var(--od-focus-ring);
  }
  .swatch {
    flex: none;
    width: 12px;
    height: 12px;
    border-radius: 3px;
  }
  /* A hidden series reads as struck through, and its swatch as an outline, so the state does not rest on colour alone. */
  .legend button[aria-pressed='false'] {
    color: var(--od-text-muted);
    text-decoration: line-through;
  }
  .legend button[aria-pressed='false'] .swatch {
    background: transparent !important;
    border: 2px solid var(--od-text-muted);
  }
  .values-toggle {
    margin-top: var(--od-space-2);
    color: var(--od-accent);
  }
  .values {
    max-height: 320px;
    margin-top: var(--od-space-2);
    overflow: auto;
    border: 1px solid var(--od-border);
    border-radius: var(--od-radius);
  }
  .values:focus-visible {
    outline: none;
    box-shadow: var(--od-focus-ring);
  }
  .values table {
    width: 100%;
    border-collapse: collapse;
    font-size: var(--od-font-size-sm);
  }
  .values caption {
    text-align: left;
  }
  .values th,
  .values td {
    padding: var(--od-space-1) var(--od-space-3);
    border-bottom: 1px solid var(--od-border);
    text-align: left;
    white-space: nowrap;
  }
  .values thead th {
    position: sticky;
    top: 0;
    background: var(--od-surface-muted);
    font-weight: 600;
  }
  .values tbody th {
    font-weight: 500;
  }
  .values thead th:not(:first-child) {
    text-align: right;
  }
  .values td {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  .values .null {
    color: var(--od-text-subtle);
  }
`;

/** Renders the legend buttons. `onToggle` receives the entry's index. */
export function renderLegend(entries: LegendEntry[], onToggle: (index: number) => void) {
  return html`<ul class="legend" data-testid="chart-legend" aria-label="Series">
    ${entries.map(
      (entry) => html`<li>
        <button type="button" aria-pressed=${entry.visible ? 'true' : 'false'} @click=${() => onToggle(entry.index)}>
          <span class="swatch" aria-hidden="true" style=${`background: var(--od-chart-${(entry.index % PALETTE_SIZE) + 1})`}></span>${entry.name}
        </button>
      </li>`,
    )}
  </ul>`;
}

/** Renders the "Show data" toggle and, when open, the table of values. `tableId` links the two for assistive technology. */
export function renderValues(values: ChartValues | undefined, title: string, tableId: string, open: boolean, onToggle: () => void) {
  return html`
    <button type="button" class="values-toggle" data-testid="chart-values-toggle" aria-expanded=${open ? 'true' : 'false'} aria-controls=${tableId} @click=${onToggle}>
      ${open ? 'Hide data' : 'Show data'}
    </button>
    <div class="values" id=${tableId} data-testid="chart-values" role="region" aria-label=${`${title}: values`} tabindex=${open ? '0' : '-1'} ?hidden=${!open}>
      ${open && values
        ? html`<table>
            <caption class="visually-hidden">${title}: values</caption>
            <thead>
              <tr>${values.columns.map((column) => html`<th scope="col">${column}</th>`)}</tr>
            </thead>
            <tbody>
              ${values.rows.map(
                (row) => html`<tr>
                  <th scope="row">${row.label}</th>
                  ${row.values.map((value) => html`<td>${value === null ? emptyMarker() : value}</td>`)}
                </tr>`,
              )}
            </tbody>
          </table>`
        : nothing}
    </div>
  `;
}

/** Renders the marker that data tables show for a missing value: a dash that screen readers read as "empty". */
function emptyMarker() {
  return html`<span class="null" data-null title="Empty"><span aria-hidden="true">—</span><span class="visually-hidden">empty</span></span>`;
}
