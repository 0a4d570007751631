// Load checks of filter bar selects whose options come from a query, as
// `opsdeck validate` reports them: unknown query or column, a query that needs
// parameters, a page role that may not run the query, and bad shapes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runValidate } from '../../runtime/commands/validate.js';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { filtersAppText } from '../fixtures/f1/filters-app.js';

interface Reported {
  code: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
  severity?: string;
}

const STATIC_SELECT = '{ type: select, field: country, options: [Brazil, Canada, France, USA] }';
const QUERY_SELECT = '{ type: select, field: country, options: { query: country_choices, value: Country, label: Country } }';
const CHOICES_QUERY = `  country_choices:
    title: Countries
    datasource: main
    sql: select distinct country as "Country" from customer order by country
    allow: [viewer, contractor]
`;

let temp: TempRoot | undefined;
afterEach(() => {
  temp?.remove();
  temp = undefined;
});

/** Validates the filters fixture with its country select reading `country_choices`, after `edits` (each must match). */
async function validateEdited(...edits: Array<[string, string]>): Promise<{ code: number; errors: Reported[]; text: string }> {
  let text = filtersAppText().replace(STATIC_SELECT, QUERY_SELECT).replace('\nqueries:\n', `\nqueries:\n${CHOICES_QUERY}`);
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`the fixture does not contain ${from}`);
    text = text.replace(from, to);
  }
  temp = copyChinookApp();
  writeFileSync(join(temp.appDir, 'app.yaml'), text);
  let stdout = '';
  const code = await runValidate([temp.root, '--format', 'json'], { stdout: (out) => (stdout += out), stderr: () => undefined });
  const diagnostics = JSON.parse(stdout).diagnostics as Reported[];
  return { code, errors: diagnostics.filter((d) => d.severity !== 'warning'), text };
}

/** 1-based line of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((line) => line.includes(needle)) + 1;
}

describe('filter select options from a query', () => {
  it('accepts query options allowed to all page roles', async () => {
    const result = await validateEdited();
    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('counts the options query as used', async () => {
    const text = filtersAppText().replace('\nqueries:\n', `\nqueries:\n${CHOICES_QUERY}`);
    temp = copyChinookApp();
    writeFileSync(join(temp.appDir, 'app.yaml'), text);
    let unused = '';
    await runValidate([temp.root, '--format', 'json'], { stdout: (out) => (unused += out), stderr: () => undefined });
    expect((JSON.parse(unused).diagnostics as Reported[]).some((d) => d.code === 'unused-query' && d.message.includes('country_choices'))).toBe(true);
    temp.remove();
    const result = await validateEdited();
    expect(result.code).toBe(0);
    let used = '';
    await runValidate([temp.root, '--format', 'json'], { stdout: (out) => (used += out), stderr: () => undefined });
    expect((JSON.parse(used).diagnostics as Reported[]).some((d) => d.code === 'unused-query' && d.message.includes('country_choices'))).toBe(false);
  });

  it('reports an unknown options query at its place, with a suggestion', async () => {
    const result = await validateEdited(['query: country_choices, value', 'query: country_choice, value']);
    expect(result.code).toBe(1);
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors;
    expect(error.code).toBe('unknown-query');
    expect(error.message).toContain('`country_choice`');
    expect(error.hint).toBe('Did you mean `country_choices`?');
    const line = lineOf(result.text, 'query: country_choice,');
    expect(error.line).toBe(line);
    expect(error.col).toBe(result.text.split('\n')[line - 1].indexOf('country_choice,') + 1);
  });

  it('reports an options column the query does not return, with a suggestion', async () => {
    const result = await validateEdited(['value: Country, label: Country', 'value: Country, label: Countyr']);
    expect(result.code).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].code).toBe('unknown-column');
    expect(result.errors[0].message).toContain('`Countyr`');
    expect(result.errors[0].hint).toBe('Did you mean `Country`?');
    expect(result.errors[0].line).toBe(lineOf(result.text, 'label: Countyr'));
  });

  it('reports a page role that may not run the options query', async () => {
    const result = await validateEdited(['    allow: [viewer, contractor]\n', '    allow: [agent]\n']);
    expect(result.code).toBe(1);
    expect(result.errors.map((error) => error.code)).toEqual(['options-query-access']);
    expect(result.errors[0].message).toContain('`viewer`');
    expect(result.errors[0].hint).toContain('allow:');
  });

  it('accepts a page role that reaches the query through inheritance', async () => {
    // Agents inherit viewer; a page for agents may use a query allowed to viewers.
    const result = await validateEdited(['    title: Filters\n    allow: [viewer]', '    title: Filters\n    allow: [agent]']);
    expect(result.errors).toEqual([]);
  });

  it('reports an options query that requires parameters', async () => {
    const result = await validateEdited(['sql: select distinct country as "Country" from customer order by country\n', 'sql: select distinct country as "Country" from customer where country <> :skip\n    params: { skip: { type: string } }\n    required: [skip]\n']);
    expect(result.errors.map((error) => error.code)).toEqual(['options-query-params']);
  });

  it('reports query options on a field that is not a select', async () => {
    const result = await validateEdited(['{ type: toggle, field: business, label: Companies only }', '{ type: toggle, field: business, label: Companies only, options: { query: country_choices, value: Country } }']);
    expect(result.errors.map((error) => error.code)).toEqual(['filter-options-type']);
  });

  it('rejects query options without a value column', async () => {
    const result = await validateEdited(['options: { query: country_choices, value: Country, label: Country }', 'options: { query: country_choices, label: Country }']);
    expect(result.code).toBe(1);
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors.every((error) => error.code.startsWith('schema-'))).toBe(true);
    expect(result.errors.some((error) => error.message.includes('value'))).toBe(true);
  });
});
