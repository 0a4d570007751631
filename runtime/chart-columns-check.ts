// Column checks of `chart:` and `stat:` components against the columns their
// queries return, as runtime/spec-check.ts finds them in the database.
import type { DocPath } from '../core/load.js';
import type { ChartSpec, StatSpec } from '../core/spec.js';
import { suggestionHint } from '../core/suggest.js';

type Report = (path: DocPath, code: string, message: string, hint: string) => void;

/** Reports each column a chart names that its query does not return. Queries whose columns are unknown (HTTP ones) are skipped. */
export function checkChartColumns(chart: ChartSpec, base: DocPath, columnsByQuery: Map<string, string[]>, report: Report): void {
  const columns = columnsByQuery.get(chart.query);
  if (columns === undefined) return;
  const check = (name: string, path: DocPath, subject: string): void => {
    if (columns.includes(name)) return;
    report(path, 'unknown-column', `${subject} \`${name}\`, which is not a column of query \`${chart.query}\``, suggestionHint(name, columns, `Columns of \`${chart.query}\``));
  };
  check(chart.x, [...base, 'x'], 'the chart\'s `x` is');
  if (typeof chart.y === 'string') check(chart.y, [...base, 'y'], 'the chart\'s `y` is');
  else chart.y.forEach((name, index) => check(name, [...base, 'y', index], 'the chart\'s `y` names'));
  if (chart.series !== undefined) check(chart.series, [...base, 'series'], 'the chart\'s `series` is');
}

/** Reports a stat's value or comparison column that its query does not return. */
export function checkStatColumns(stat: StatSpec, base: DocPath, columnsByQuery: Map<string, string[]>, report: Report): void {
  const check = (queryId: string, name: string, path: DocPath, subject: string): void => {
    const columns = columnsByQuery.get(queryId);
    if (columns === undefined || columns.includes(name)) return;
    report(path, 'unknown-column', `${subject} \`${name}\`, which is not a column of query \`${queryId}\``, suggestionHint(name, columns, `Columns of \`${queryId}\``));
  };
  check(stat.query, stat.value, [...base, 'value'], 'the stat shows');
  if (stat.compare !== undefined) check(stat.compare.query ?? stat.query, stat.compare.column, [...base, 'compare', 'column'], 'the stat compares with');
}
