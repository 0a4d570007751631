// Column widths of a `grid` component, in twelfths of the row.
import { css } from 'lit';

const COLUMNS = 12;

/**
 * Returns the span of each column: its own `span`, while columns without one
 * share what is left equally (at least 1 each). Spans that add up to more
 * than 12 wrap onto a new row.
 */
export function columnSpans(spans: Array<number | undefined>): number[] {
  const taken = spans.reduce<number>((sum, span) => sum + (span ?? 0), 0);
  const open = spans.filter((span) => span === undefined).length;
  const share = open === 0 ? 0 : Math.max(1, Math.floor((COLUMNS - taken) / open));
  return spans.map((span) => Math.min(COLUMNS, Math.max(1, span ?? share)));
}

/** Styles of `.grid` and its `.grid-cell` children: 12 columns, one column at 800 px wide and narrower. */
export const gridStyles = css`
  .grid {
    display: grid;
    grid-template-columns: repeat(12, minmax(0, 1fr));
    gap: var(--od-space-5);
    align-items: start;
  }
  .grid-cell {
    display: flex;
    flex-direction: column;
    gap: var(--od-space-5);
    min-width: 0;
  }
  @media (max-width: 800px) {
    .grid {
      grid-template-columns: minmax(0, 1fr);
    }
    .grid-cell {
      grid-column: 1 / -1 !important;
    }
  }
`;
