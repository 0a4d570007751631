// Reference checks of `chart:` and `stat:` components that need only the spec:
// the queries they read exist, their fixed parameters are declared, required
// parameters get a value, and the chart's settings fit its type. Column
// names are checked against the database in runtime/spec-check.ts.
import type { DiagnosticInput, DocPath } from './load.js';
import type { ChartSpec, FixedParams, QuerySpec, StatSpec } from './spec.js';
import { suggestionHint } from './suggest.js';

type Report = (input: DiagnosticInput) => void;

/** Columns a chart reads as series values. */
export function chartSeriesColumns(chart: ChartSpec): string[] {
  return typeof chart.y === 'string' ? [chart.y] : chart.y;
}

/** Checks one chart at `path` (the `chart` key's value). */
export function checkChart(path: DocPath, chart: ChartSpec, queries: Record<string, QuerySpec>, report: Report): void {
  checkQueryUse(path, chart.query, chart.params, queries, report);
  const ys = chartSeriesColumns(chart);
  if (chart.series !== undefined && ys.length > 1) {
    report({ code: 'chart-invalid', path: [...path, 'y'], message: `a chart with \`series: ${chart.series}\` takes one \`y\` column, but \`y\` names ${ys.length}`, hint: 'Name one value column in `y`, or remove `series:` to draw each `y` column as its own series.' });
  }
  if (chart.type === 'pie' && (ys.length > 1 || chart.series !== undefined)) {
    report({ code: 'chart-invalid', path: [...path, 'type'], message: 'a pie chart draws one `y` column, without `series:`', hint: 'Give `y` one column, or use `type: bar` to compare several series.' });
  }
  if (chart.stacked === true && chart.type !== 'bar' && chart.type !== 'area') {
    report({ code: 'chart-invalid', path: [...path, 'stacked'], message: `\`stacked\` applies to bar and area charts, not to \`${chart.type}\``, hint: 'Remove `stacked:` or use `type: bar` or `type: area`.' });
  }
  if (chart.type === 'scatter' && chart.xFormat !== undefined && chart.xFormat !== 'number') {
    report({ code: 'chart-invalid', path: [...path, 'xFormat'], message: `a scatter chart needs a numeric \`x\`, but \`xFormat\` is \`${chart.xFormat}\``, hint: 'Remove `xFormat:` or set it to `number`; use `type: line` for dates or labels.' });
  }
  if (chart.currency !== undefined && chart.yFormat !== 'currency') {
    report({ code: 'chart-invalid', path: [...path, 'currency'], message: '`currency` is set, but `yFormat` is not `currency`', hint: 'Add `yFormat: currency`, or remove `currency:`.' });
  }
}

/** Checks one stat at `path` (the `stat` key's value). */
export function checkStat(path: DocPath, stat: StatSpec, queries: Record<string, QuerySpec>, report: Report): void {
  checkQueryUse(path, stat.query, stat.params, queries, report);
  if (stat.compare?.query !== undefined) checkQueryUse([...path, 'compare'], stat.compare.query, stat.compare.params, queries, report);
  if (stat.compare !== undefined && stat.compare.query === undefined && stat.compare.params !== undefined) {
    report({ code: 'chart-invalid', path: [...path, 'compare', 'params'], message: '`compare.params` is set without `compare.query`', hint: 'Add `compare.query:`, or remove `compare.params:` to read the column from the stat\'s own row.' });
  }
  if (stat.currency !== undefined && stat.format !== 'currency') {
    report({ code: 'chart-invalid', path: [...path, 'currency'], message: '`currency` is set, but `format` is not `currency`', hint: 'Add `format: currency`, or remove `currency:`.' });
  }
}

/** Checks that the query exists, each fixed parameter is declared and each required one gets a value. */
function checkQueryUse(path: DocPath, queryId: string, params: FixedParams | undefined, queries: Record<string, QuerySpec>, report: Report): void {
  if (!Object.hasOwn(queries, queryId)) {
    report({ code: 'unknown-query', path: [...path, 'query'], message: `query \`${queryId}\` is not declared under \`queries:\``, hint: suggestionHint(queryId, Object.keys(queries), 'Declared queries') });
    return;
  }
  const query = queries[queryId];
  const declared = Object.keys(query.params ?? {});
  for (const name of Object.keys(params ?? {})) {
    if (declared.includes(name)) continue;
    report({ code: 'unknown-param', path: [...path, 'params', name], part: 'key', message: `\`${name}\` is not a parameter of query \`${queryId}\``, hint: suggestionHint(name, declared, `Parameters of \`${queryId}\``) });
  }
  for (const name of query.required ?? []) {
    if (Object.hasOwn(params ?? {}, name) || !declared.includes(name)) continue;
    report({ code: 'missing-param', path: [...path, 'query'], message: `query \`${queryId}\` requires parameter \`${name}\`, but no value is given`, hint: `Add \`params: { ${name}: ... }\` next to \`query:\`.` });
  }
}
