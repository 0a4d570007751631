// Load checks of `{{ }}` bindings in stat params, form defaults and markdown
// text, and of form ids: each mistake is reported with its code, message,
// line, column and hint.
import { describe, expect, it } from 'vitest';
import { buildApp } from './build-app.js';

const HEAD = `opsdeck: 1
id: fixture
title: Fixture
datasources:
  main: { kind: sqlite, file: data.sqlite }
roles:
  viewer: { members: { groups: [staff] } }
queries:
  orders:
    datasource: main
    sql: select id, total, country from orders where (cast(:country as text) is null or country = :country)
    params:
      country: { type: string }
    allow: [viewer]
  revenue:
    datasource: main
    sql: select sum(total) as total from orders where (cast(:country as text) is null or country = :country) and (cast(:ids as text) is null or id in (select value from json_each(:ids)))
    params:
      country: { type: string }
      ids: { type: array, items: { type: integer } }
    allow: [viewer]
actions:
  addNote:
    title: Add note
    datasource: main
    sql: insert into notes (body, order_id) values (:body, :orderId)
    params:
      body: { type: string }
      orderId: { type: integer }
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
      - table:
          id: orders
          query: orders
          selection: multiple
          rowKey: id
          columns: [id, total]
          params: { country: "{{ f.country }}" }
      - form:
          id: note
          action: addNote
`;

/** Line of the first component after HEAD. */
const NEXT_LINE = HEAD.split('\n').length;

function diagnosticsFor(components: string) {
  return buildApp({ file: 'app.yaml', text: HEAD + components }).diagnostics.filter((d) => d.severity !== 'warning');
}

describe('stat param bindings', () => {
  it('accepts filters, selections, forms, url and user', () => {
    const problems = diagnosticsFor(`      - stat:
          query: revenue
          value: total
          params: { country: "{{ f.country ?? note.values.body ?? url.country ?? user.email }}", ids: "{{ orders.selectedRows.id }}" }
`);
    expect(problems).toEqual([]);
  });

  it('reports an unknown table with its position and a suggestion', () => {
    const [problem, ...rest] = diagnosticsFor(`      - stat:
          query: revenue
          value: total
          params: { country: "{{ order.selected.country }}" }
`);
    expect(rest).toEqual([]);
    expect(problem.code).toBe('template-unknown-table');
    expect(problem.message).toBe('`{{ order.selected.country }}` names table `order`, but no table with that id comes earlier on this page');
    expect(problem.line).toBe(NEXT_LINE + 3);
    expect(problem.col).toBe(31);
    expect(problem.hint).toContain('Did you mean `orders`?');
  });

  it('reports an unknown filter field', () => {
    const [problem] = diagnosticsFor(`      - stat:
          query: revenue
          value: total
          params: { country: "{{ f.contry }}" }
`);
    expect(problem.code).toBe('template-unknown-scope');
    expect(problem.message).toBe('`{{ f.contry }}` is not a field of filters `f`');
    expect(problem.hint).toContain('Did you mean `country`?');
  });

  it('checks compare params', () => {
    const [problem] = diagnosticsFor(`      - stat:
          query: revenue
          value: total
          compare: { column: total, query: revenue, params: { country: "{{ usr.email }}" } }
`);
    expect(problem.code).toBe('template-unknown-scope');
    expect(problem.line).toBe(NEXT_LINE + 3);
    expect(problem.hint).toContain('Did you mean `user`?');
  });
});

describe('form bindings', () => {
  it('reports an unknown form field with a suggestion', () => {
    const [problem] = diagnosticsFor(`      - table:
          query: orders
          columns: [id]
          params: { country: "{{ note.values.bdy }}" }
`);
    expect(problem.code).toBe('template-unknown-scope');
    expect(problem.message).toBe('`{{ note.values.bdy }}` is not a field of form `note`');
    expect(problem.line).toBe(NEXT_LINE + 3);
    expect(problem.col).toBe(31);
    expect(problem.hint).toBe('Did you mean `body`?');
  });

  it('accepts defaults from the selected rows and another form', () => {
    const problems = diagnosticsFor(`      - form:
          id: second
          action: addNote
          defaults: { body: "{{ note.values.body }} for {{ orders.selectedCount }} orders", orderId: "{{ orders.selected.id }}" }
`);
    expect(problems).toEqual([]);
  });

  it('reports defaults that read their own form or a form below', () => {
    const problems = diagnosticsFor(`      - form:
          id: second
          action: addNote
          defaults: { body: "{{ second.values.body }}", orderId: "{{ third.values.orderId }}" }
      - form:
          id: third
          action: addNote
`);
    expect(problems.map((d) => d.code)).toEqual(['template-unknown-scope', 'template-unknown-scope']);
    expect(problems[0].message).toBe('`{{ second.values.body }}` reads form `second`, which does not come earlier on this page');
    expect(problems[1].message).toBe('`{{ third.values.orderId }}` reads form `third`, which does not come earlier on this page');
    expect(problems[1].line).toBe(NEXT_LINE + 3);
    expect(problems[1].hint).toContain('Move the form up');
  });

  it('accepts a form field in markdown above the form', () => {
    const problems = diagnosticsFor(`      - markdown: "Draft {{ later.values.body }}"
      - form:
          id: later
          action: addNote
`);
    expect(problems).toEqual([]);
  });

  it('skips field checks of a form with an unknown action', () => {
    const problems = diagnosticsFor(`      - form:
          id: broken
          action: addNot
      - markdown: "{{ broken.values.anything }}"
`);
    expect(problems.map((d) => d.code)).toEqual(['unknown-action']);
  });

  it('reports a form id that is taken', () => {
    for (const [id, reason] of [
      ['orders', 'a table on this page has the id `orders`'],
      ['f', 'a filter bar on this page has the id `f`'],
      ['note', 'another form on this page has the id `note`'],
      ['user', '`user` is a reserved binding root'],
    ]) {
      const problems = diagnosticsFor(`      - form:\n          id: ${id}\n          action: addNote\n`).filter((d) => d.code === 'duplicate-id');
      expect(problems.map((d) => d.message), id).toEqual([`form id \`${id}\` cannot be used because ${reason}`]);
      expect(problems[0].line, id).toBe(NEXT_LINE + 1);
    }
  });
});

describe('markdown bindings', () => {
  it('accepts the documented paths', () => {
    const problems = diagnosticsFor(`      - markdown: |
          **{{ orders.selectedCount }}** orders selected: {{ orders.selectedRows.id }}.
          Signed in as {{ user.email }}, note {{ note.values.body ?? "empty" }}.
`);
    expect(problems).toEqual([]);
  });

  it('reports an unknown table at its line and column in a block', () => {
    const [problem, ...rest] = diagnosticsFor(`      - markdown: |
          Selected:
          - {{ order.selectedRows.total }}
`);
    expect(rest).toEqual([]);
    expect(problem.code).toBe('template-unknown-table');
    expect(problem.message).toBe('`{{ order.selectedRows.total }}` names table `order`, but no table with that id comes earlier on this page');
    expect(problem.line).toBe(NEXT_LINE + 2);
    expect(problem.col).toBe(13);
    expect(problem.hint).toContain('Did you mean `orders`?');
  });

  it('reports a syntax error', () => {
    const [problem] = diagnosticsFor('      - markdown: "Total {{ orders.selectedCount + 1 }}"\n');
    expect(problem.code).toBe('template-syntax');
    expect(problem.message).toBe('unexpected character `+`');
    expect(problem.line).toBe(NEXT_LINE);
    expect(problem.col).toBe(50);
  });
});
