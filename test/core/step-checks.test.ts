import { describe, expect, test } from 'vitest';
import { buildApp } from '../../core/build-app.js';

/** Builds a spec with one action; `actionLines` are YAML lines at action indentation, such as its `steps:`. */
function specWith(actionLines: string): string {
  return `opsdeck: 1
id: s
title: S
datasources:
  main: { kind: sqlite, file: a.sqlite }
  api: { kind: http, baseUrl: "http://127.0.0.1:9/v1" }
roles:
  r: { members: { users: [u] } }
actions:
  act:
    title: Act
    params: { id: { type: integer }, name: { type: string } }
${actionLines}
    allow: [r]
pages:
  p: { title: P, allow: [r], components: [{ form: { action: act } }] }
`;
}

const errors = (actionLines: string) => buildApp({ file: 'app.yaml', text: specWith(actionLines) }).diagnostics.filter((d) => d.severity === 'error').map((d) => ({ code: d.code, line: d.line, col: d.col }));

describe('step checks', () => {
  test('a valid multi-step action builds', () => {
    expect(errors(`    steps:
      - { id: ins, datasource: main, sql: "insert into t (n) values (:name) returning id" }
      - id: call
        datasource: api
        request: { method: POST, path: "/x/{id}/{steps.ins.id}", body: { v: "{{ steps.ins.id }}" } }
        outputs: { ref: /ref }
      - { id: link, datasource: main, sql: "update t set r = :steps.call.ref where id = :steps.ins.id" }
    onFailure: { datasource: main, sql: "delete from t where id = :steps.ins.id and :failedStep is not null" }`)).toEqual([]);
  });

  test('duplicate step ids', () => {
    expect(errors(`    steps:
      - { id: a, datasource: main, sql: "select :id, :name" }
      - { id: a, datasource: main, sql: "select 1" }`)).toEqual([{ code: 'duplicate-id', line: 15, col: 15 }]);
  });

  test('a reference to a later step, and to an output the step does not declare', () => {
    expect(errors(`    steps:
      - { id: a, datasource: main, sql: "select :steps.b.id, :id, :name" }
      - { id: b, datasource: api, request: { method: GET, path: /x }, outputs: { ref: /ref } }
      - { id: c, datasource: main, sql: "select :steps.b.nope" }`).map((d) => d.code)).toEqual(['step-unknown-ref', 'step-unknown-output']);
  });

  test('kinds must match their data sources', () => {
    expect(errors(`    steps:
      - { id: a, datasource: api, sql: "select :id, :name" }
      - { id: b, datasource: main, request: { method: GET, path: /x } }`).map((d) => d.code)).toEqual(['step-datasource-kind', 'step-datasource-kind']);
  });

  test('request paths that could leave the base URL, and header values with line breaks', () => {
    expect(errors(`    steps:
      - { id: a, datasource: api, request: { method: GET, path: "/../admin/{id}", headers: { X-A: "a\\r\\nb: {{ params.name }}" } } }`).map((d) => d.code)).toEqual(['http-path-invalid', 'http-header-invalid']);
  });

  test('undeclared parameters in templates and failedStep outside onFailure', () => {
    expect(errors(`    steps:
      - { id: a, datasource: api, request: { method: POST, path: "/x/{id}", body: { n: "{{ params.nam }}", f: "{{ failedStep }}", u: "{{ params.name }}" } } }`).map((d) => d.code)).toEqual(['sql-undeclared-param', 'template-unknown-scope']);
  });

  test('an action needs sql or steps, not both', () => {
    expect(errors('    datasource: main').map((d) => d.code)).toEqual(['action-shape']);
    expect(errors(`    datasource: main
    sql: "select :id, :name"
    steps: [{ id: a, datasource: main, sql: "select 1" }]`).map((d) => d.code)).toContain('action-shape');
  });
});

describe('data source headers', () => {
  test('a step cannot set a header the data source sets', () => {
    const text = specWith(`    steps:
      - { id: call, datasource: api, request: { method: POST, path: /things, headers: { authorization: "x {{ params.name }}" } } }`).replace(
      'api: { kind: http, baseUrl: "http://127.0.0.1:9/v1" }',
      'api: { kind: http, baseUrl: "http://127.0.0.1:9/v1", headers: { Authorization: "Bearer ${env:API_TOKEN}" } }',
    );
    const found = buildApp({ file: 'app.yaml', text }).diagnostics.filter((d) => d.code === 'http-header-fixed');
    expect(found).toHaveLength(1);
    expect(found[0].line).toBe(14);
  });
});
