// Load checks of `chart:` and `stat:` components: references in the spec, and
// column names against the database, as `opsdeck validate` reports them.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runValidate } from '../../runtime/commands/validate.js';
import type { TempRoot } from '../helpers/apps.js';
import { copyMetricsApp } from '../fixtures/u1/copy.js';

interface Reported {
  code: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
  severity?: string;
}

let temp: TempRoot | undefined;
afterEach(() => {
  temp?.remove();
  temp = undefined;
});

const LINE_CHART = '- chart: { title: Revenue and cost, query: north_sales, params: { region: north }, type: line, x: month, xFormat: date, y: [revenue, cost], yFormat: currency, currency: EUR }';

/** Validates a copy of the metrics app with one edit; returns the exit code, the errors and the edited text. */
async function validateEdited(from: string, to: string): Promise<{ code: number; errors: Reported[]; spec: string }> {
  temp = copyMetricsApp((spec) => {
    if (!spec.includes(from)) throw new Error(`the fixture does not contain ${from}`);
    return spec.replace(from, to);
  });
  let stdout = '';
  const code = await runValidate([temp.root, '--format', 'json'], { stdout: (text) => (stdout += text), stderr: () => undefined });
  const diagnostics = JSON.parse(stdout).diagnostics as Reported[];
  return { code, errors: diagnostics.filter((d) => d.severity !== 'warning'), spec: readFileSync(join(temp.appDir, 'app.yaml'), 'utf8') };
}

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('chart and stat load checks', () => {
  it('accepts the fixture app', async () => {
    temp = copyMetricsApp();
    let stdout = '';
    const code = await runValidate([temp.root, '--format', 'json'], { stdout: (text) => (stdout += text), stderr: () => undefined });
    expect(JSON.parse(stdout).diagnostics).toEqual([]);
    expect(code).toBe(0);
  });

  it('reports an unknown x column with a suggestion', async () => {
    const result = await validateEdited(LINE_CHART, LINE_CHART.replace('x: month', 'x: mnth'));
    expect(result.code).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code: 'unknown-column', line: lineOf(result.spec, 'x: mnth') });
    expect(result.errors[0].message).toContain('`mnth`');
    expect(result.errors[0].hint).toBe('Did you mean `month`?');
  });

  it('reports an unknown y column in a list', async () => {
    const result = await validateEdited(LINE_CHART, LINE_CHART.replace('y: [revenue, cost]', 'y: [revenue, costs]'));
    expect(result.errors.map((d) => d.code)).toEqual(['unknown-column']);
    expect(result.errors[0].hint).toBe('Did you mean `cost`?');
    expect(result.errors[0].col).toBe(result.spec.split('\n')[lineOf(result.spec, 'costs') - 1].indexOf('costs') + 1);
  });

  it('reports an unknown series column', async () => {
    const result = await validateEdited('y: revenue, series: region, stacked: true', 'y: revenue, series: regoin, stacked: true');
    expect(result.errors.map((d) => d.code)).toEqual(['unknown-column']);
    expect(result.errors[0].hint).toBe('Did you mean `region`?');
  });

  it('reports an unknown query with a suggestion', async () => {
    const result = await validateEdited('query: region_totals, type: pie', 'query: region_total, type: pie');
    expect(result.code).toBe(1);
    expect(result.errors.map((d) => d.code)).toEqual(['unknown-query']);
    expect(result.errors[0].line).toBe(lineOf(result.spec, 'region_total,'));
    expect(result.errors[0].hint).toContain('`region_totals`');
  });

  it('reports a missing required parameter', async () => {
    const result = await validateEdited('query: north_sales, params: { region: north }, type: line', 'query: north_sales, type: line');
    expect(result.errors.map((d) => d.code)).toEqual(['missing-param']);
    expect(result.errors[0].message).toContain('`region`');
  });

  it('reports an undeclared parameter', async () => {
    const result = await validateEdited('params: { region: north }', 'params: { region: north, regio: south }');
    expect(result.errors.map((d) => d.code)).toEqual(['unknown-param']);
    expect(result.errors[0].hint).toContain('`region`');
  });

  it('rejects series with two y columns', async () => {
    const result = await validateEdited('y: revenue, series: region, stacked: true', 'y: [revenue, cost], series: region, stacked: true');
    expect(result.errors.map((d) => d.code)).toEqual(['chart-invalid']);
    expect(result.errors[0].message).toContain('one `y` column');
  });

  it('rejects a pie with two y columns', async () => {
    const result = await validateEdited('query: region_totals, type: pie, x: region, y: revenue', 'query: sales, type: pie, x: region, y: [revenue, cost]');
    expect(result.errors.map((d) => d.code)).toEqual(['chart-invalid']);
  });

  it('rejects stacked on a line chart', async () => {
    const result = await validateEdited('yFormat: currency, currency: EUR }', 'yFormat: currency, currency: EUR, stacked: true }');
    expect(result.errors.map((d) => d.code)).toEqual(['chart-invalid']);
    expect(result.errors[0].line).toBe(lineOf(result.spec, 'stacked: true }'));
  });

  it('rejects an unknown chart type by schema', async () => {
    const result = await validateEdited('type: scatter', 'type: bubble');
    expect(result.code).toBe(1);
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors[0].code.startsWith('schema-')).toBe(true);
  });

  it('reports an unknown stat value column', async () => {
    const result = await validateEdited('query: latest_month, value: refunds,', 'query: latest_month, value: refund,');
    expect(result.errors.map((d) => d.code)).toEqual(['unknown-column']);
    expect(result.errors[0].hint).toBe('Did you mean `refunds`?');
  });

  it('reports an unknown comparison column of another query', async () => {
    const result = await validateEdited('compare: { query: previous_month, column: refunds', 'compare: { query: previous_month, column: refund');
    expect(result.errors.map((d) => d.code)).toEqual(['unknown-column']);
    expect(result.errors[0].message).toContain('`previous_month`');
  });

  it('reports an unknown comparison query', async () => {
    const result = await validateEdited('compare: { query: previous_month, column: refunds', 'compare: { query: previous_mont, column: refunds');
    expect(result.errors.map((d) => d.code)).toEqual(['unknown-query']);
    expect(result.errors[0].hint).toContain('`previous_month`');
  });

  it('counts a chart query as shown', async () => {
    temp = copyMetricsApp();
    let stdout = '';
    await runValidate([temp.root, '--format', 'json'], { stdout: (text) => (stdout += text), stderr: () => undefined });
    const codes = (JSON.parse(stdout).diagnostics as Reported[]).map((d) => d.code);
    expect(codes).not.toContain('unused-query');
  });
});
