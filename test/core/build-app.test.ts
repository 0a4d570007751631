import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildApp } from '../../core/build-app.js';

const examplePath = join(import.meta.dirname, '../../examples/chinook-support/app.yaml');
const exampleText = readFileSync(examplePath, 'utf8');
const baseText = readFileSync(join(import.meta.dirname, '../fixtures/base-app.yaml'), 'utf8');

describe('buildApp', () => {
  test('chinook example builds cleanly', () => {
    const { model, diagnostics } = buildApp({ file: examplePath, text: exampleText });
    expect(diagnostics).toEqual([]);
    expect(model?.id).toBe('chinook-support');
    expect(Object.keys(model?.queries ?? {})).toContain('customers');
  });

  test('fixture base spec builds cleanly', () => {
    expect(buildApp({ file: 'base.yaml', text: baseText }).diagnostics).toEqual([]);
  });

  test('compiled SQL, schema and version', () => {
    const { model } = buildApp({ file: examplePath, text: exampleText });
    const flag = model!.actions.flagCustomer;
    expect(flag.sql!.bindings).toEqual(['id', 'reason', 'user.id', 'id']);
    expect(flag.sql!.text).not.toContain(':');
    expect(flag.paramsSchema).toEqual({
      type: 'object',
      properties: flag.spec.params,
      required: ['id', 'reason'],
      additionalProperties: false,
    });
    expect(model!.version).toBe(createHash('sha256').update(exampleText).digest('hex'));
    expect(model!.policy.domain).toBe('chinook-support');
  });

  test('secret params by flag and by name', () => {
    const text = baseText.replace(
      'sql: update customers set name = :name where id = :id',
      'sql: update customers set name = :name, pin = :pin, api_token = :apiToken where id = :id',
    ).replace(
      '      name: { type: string }\n',
      '      name: { type: string }\n      pin: { type: string, secret: true }\n      apiToken: { type: string }\n',
    );
    const { model, diagnostics } = buildApp({ file: 'a.yaml', text });
    expect(diagnostics).toEqual([]);
    expect(model!.actions.rename.secretParams).toEqual(['pin', 'apiToken']);
  });

  test('warnings do not stop the build', () => {
    const text = baseText.replace('    allow: [viewer]\n    components', '    allow: [viewer, viewer]\n    components');
    const { model, diagnostics } = buildApp({ file: 'a.yaml', text });
    expect(model).toBeDefined();
    expect(diagnostics).toMatchObject([{ code: 'duplicate-allow', severity: 'warning', line: 32 }]);
  });

  test('schema errors stop before semantic checks', () => {
    const text = baseText.replace('query: customers', 'query: nope\n          bogus: 1');
    const { model, diagnostics } = buildApp({ file: 'a.yaml', text });
    expect(model).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toEqual(['schema-unknown-property']);
  });

  test('missing required query param on a table', () => {
    const text = baseText
      .replace('      search: { type: string }\n    allow', '      search: { type: string }\n    required: [search]\n    allow')
      .replace('          search: search\n', '');
    const { diagnostics } = buildApp({ file: 'a.yaml', text });
    expect(diagnostics).toMatchObject([{ code: 'missing-param', line: 35, col: 9 }]);
  });

  test('identity values need no declaration', () => {
    const text = baseText.replace('where id = :id', 'where id = :id and by in (:user.id, :user.email, :user.name)');
    expect(buildApp({ file: 'a.yaml', text }).diagnostics).toEqual([]);
  });

  test('row templates accept any field', () => {
    const text = baseText.replace('{{ row.name }}', '{{ row.AnyColumn }}');
    expect(buildApp({ file: 'a.yaml', text }).diagnostics).toEqual([]);
  });

  test('duplicate dev users reported', () => {
    const text = `${baseText}devUsers:\n  - { id: Ana@x.example }\n  - { id: ana@x.example }\n`;
    expect(buildApp({ file: 'a.yaml', text }).diagnostics).toMatchObject([{ code: 'duplicate-id', line: 43, col: 11 }]);
  });

  test('unknown form action', () => {
    const text = `${baseText}      - form: { action: renme }\n`;
    expect(buildApp({ file: 'a.yaml', text }).diagnostics).toMatchObject([{ code: 'unknown-action', line: 41, col: 25, hint: 'Did you mean `rename`?' }]);
  });
});
