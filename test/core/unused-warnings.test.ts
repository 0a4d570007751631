// Warnings for spec parts that nothing uses: unused-query, unused-action, role-without-members.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildApp } from '../../core/build-app.js';

const baseText = readFileSync(join(import.meta.dirname, '../fixtures/base-app.yaml'), 'utf8');
const examplePath = join(import.meta.dirname, '../../examples/chinook-support/app.yaml');

function diagnose(text: string) {
  const { model, diagnostics } = buildApp({ file: 'app.yaml', text });
  return { model, found: diagnostics.map((d) => ({ code: d.code, severity: d.severity, line: d.line, col: d.col, message: d.message, hint: d.hint })) };
}

const extraQuery = `queries:
  orphans:
    datasource: main
    sql: select id from customers
    allow: [viewer]
`;

const extraAction = `actions:
  purge:
    title: Purge
    datasource: main
    sql: delete from customers where id = :id
    params:
      id: { type: integer }
    allow: [agent]
`;

describe('unused warnings', () => {
  test('base fixture and example have none', () => {
    expect(diagnose(baseText).found).toEqual([]);
    expect(diagnose(readFileSync(examplePath, 'utf8')).found).toEqual([]);
  });

  test('query no table shows', () => {
    const { model, found } = diagnose(baseText.replace('queries:\n', extraQuery));
    expect(model).toBeDefined();
    expect(found).toEqual([expect.objectContaining({ code: 'unused-query', severity: 'warning', line: 10, col: 3 })]);
    expect(found[0].message).toContain('`orphans`');
    expect(found[0].hint).toContain('query: orphans');
  });

  test('action no page offers', () => {
    const { model, found } = diagnose(baseText.replace('actions:\n', extraAction));
    expect(model).toBeDefined();
    expect(found).toEqual([expect.objectContaining({ code: 'unused-action', severity: 'warning', line: 19, col: 3 })]);
    expect(found[0].message).toContain('`purge`');
  });

  test('form and plain row action count as use', () => {
    const text = baseText
      .replace('actions:\n', extraAction)
      .replace('            - { action: rename, params: { id: id } }', '            - rename')
      .concat('      - form: { action: purge }\n');
    expect(diagnose(text).found).toEqual([]);
  });

  test('role without members or heirs', () => {
    const text = baseText.replace('roles:\n', 'roles:\n  auditor: { title: Auditor }\n  empty: { members: { users: [], groups: [] } }\n');
    const { model, found } = diagnose(text);
    expect(model).toBeDefined();
    expect(found).toEqual([
      expect.objectContaining({ code: 'role-without-members', severity: 'warning', line: 7, col: 3 }),
      expect.objectContaining({ code: 'role-without-members', severity: 'warning', line: 8, col: 3 }),
    ]);
    expect(found[0].message).toContain('`auditor`');
  });

  test('inherited role needs no members', () => {
    const text = baseText.replace('  viewer: { members: { groups: [staff] } }', '  viewer: {}');
    expect(diagnose(text).found).toEqual([]);
  });

  test('role with users only is used', () => {
    const text = baseText.replace('[viewer], members: { groups: [agents] } }', '[viewer], members: { users: [ana@example.com] } }');
    expect(diagnose(text).found).toEqual([]);
  });

  test('misspelt reference suppresses unused warning', () => {
    const { found } = diagnose(baseText.replace('query: customers', 'query: customer'));
    expect(found.map((d) => d.code)).toEqual(['unknown-query']);
  });

  test('misspelt row action suppresses unused-action', () => {
    const { found } = diagnose(baseText.replace('action: rename,', 'action: renam,'));
    expect(found.map((d) => d.code)).toEqual(['unknown-action']);
  });
});
