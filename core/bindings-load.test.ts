// Load checks of `{{ }}` bindings in table and chart params: each mistake is
// reported with its code, line, column and a hint.
import { describe, expect, it } from 'vitest';
import { buildApp } from './build-app.js';
import { filtersAppText } from '../test/fixtures/f1/filters-app.js';

const HEAD = `opsdeck: 1
id: fixture
title: Fixture
datasources:
  main: { kind: sqlite, file: data.sqlite }
roles:
  viewer: { members: { groups: [staff] } }
queries:
  customers:
    datasource: main
    sql: select id, name, country from customers where (cast(:country as text) is null or country = :country)
    params:
      country: { type: string }
    allow: [viewer]
  sales:
    datasource: main
    sql: select country, total from sales where (cast(:country as text) is null or country = :country)
    params:
      country: { type: string }
    allow: [viewer]
pages:
  home:
    title: Home
    allow: [viewer]
    components:
      - filters:
          id: f
          fields:
            - { type: select, field: country, options: [Brazil, Canada] }
            - { type: daterange, from: since, to: until }
      - table:
          id: list
          query: customers
          columns: [id, name]
`;

/** Builds the fixture with one more table whose `country` param is `value`; the value sits on line 39 and its opening quote in column 22. */
function diagnosticsFor(value: string) {
  const text = `${HEAD}      - table:
          query: customers
          columns: [id, name]
          params:
            country: ${JSON.stringify(value)}
`;
  return buildApp({ file: 'app.yaml', text }).diagnostics.filter((d) => d.severity !== 'warning');
}

describe('binding load checks', () => {
  it('accepts filters, selections, url and user', () => {
    for (const value of ['{{ f.country }}', '{{ f.since ?? url.since }}', '{{ list.selected.name }}', '{{ user.email == "a" || !f.until }}', 'in {{ list.selectedRows }}']) {
      expect(diagnosticsFor(value), value).toEqual([]);
    }
  });

  it('reports a syntax error at its column', () => {
    const [problem] = diagnosticsFor('{{ f.country | upper }}');
    expect(problem.code).toBe('template-syntax');
    expect(problem.line).toBe(39);
    expect(problem.col).toBe(36);
    expect(problem.hint).toContain('??');
  });

  it('reports a prototype path segment', () => {
    const [problem] = diagnosticsFor('{{ f.__proto__ }}');
    expect(problem.code).toBe('template-syntax');
    expect(problem.message).toContain('__proto__');
  });

  it('reports an unknown component id', () => {
    const [problem] = diagnosticsFor('{{ lst.selected.name }}');
    expect(problem.code).toBe('template-unknown-table');
    expect(problem.col).toBe(23);
    expect(problem.hint).toContain('Did you mean `list`?');
  });

  it('reports an unknown scope root', () => {
    const [problem] = diagnosticsFor('{{ country ?? 1 }}');
    expect(problem.code).toBe('template-unknown-scope');
    expect(problem.col).toBe(26);
    expect(problem.hint).toContain('url.<param>');
  });

  it('reports an unknown filter field', () => {
    const [problem] = diagnosticsFor('{{ f.contry }}');
    expect(problem.code).toBe('template-unknown-scope');
    expect(problem.hint).toContain('Did you mean `country`?');
  });

  it('reports an unknown user field', () => {
    const [problem] = diagnosticsFor('{{ user.password }}');
    expect(problem.code).toBe('template-unknown-scope');
    expect(problem.hint).toContain('User fields');
  });

  it('checks bindings in chart params', () => {
    const text = `${HEAD}      - chart: { query: sales, type: bar, x: country, y: total, params: { country: "{{ g.country }}" } }\n`;
    const problems = buildApp({ file: 'app.yaml', text }).diagnostics.filter((d) => d.severity !== 'warning');
    expect(problems.map((d) => d.code)).toEqual(['template-unknown-scope']);
  });

  it('reports a filters id that is taken', () => {
    for (const id of ['list', 'url', 'user']) {
      const text = HEAD.replace('          id: f\n', `          id: ${id}\n`);
      const problems = buildApp({ file: 'app.yaml', text }).diagnostics.filter((d) => d.code === 'duplicate-id');
      expect(problems, id).toHaveLength(1);
      expect(problems[0].line, id).toBe(27);
    }
  });

  it('loads the filters fixture app', () => {
    const problems = buildApp({ file: 'app.yaml', text: filtersAppText() }).diagnostics.filter((d) => d.severity !== 'warning');
    expect(problems).toEqual([]);
  });
});
