// The `export:` setting of a query: load-time checks of its roles and the
// `export` rules it compiles into the policy, superusers included.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildApp } from '../../core/build-app.js';
import { buildPolicy, formatPolicy } from '../../core/policy.js';
import { LEDGER_FIXTURE } from '../fixtures/b1/export-suite.js';

const fixture = readFileSync(join(LEDGER_FIXTURE, 'app.yaml'), 'utf8');
const ENTRIES_EXPORT = '    export:\n      allow: [clerk]\npages:';

function diagnose(text: string) {
  const { model, diagnostics } = buildApp({ file: 'app.yaml', text });
  return { model, found: diagnostics.map((d) => ({ code: d.code, severity: d.severity, line: d.line, col: d.col, message: d.message })) };
}

function withNumbersExport(allow: string): string {
  if (!fixture.includes(ENTRIES_EXPORT)) throw new Error('the fixture changed; update ENTRIES_EXPORT');
  return fixture.replace(ENTRIES_EXPORT, `    export:\n      allow: ${allow}\npages:`);
}

describe('export spec checks', () => {
  test('fixture loads without problems', () => {
    expect(diagnose(fixture).found.filter((d) => d.severity === 'error')).toEqual([]);
  });

  test('unknown role is reported at its line', () => {
    const { found } = diagnose(withNumbersExport('[clerk, clrek]'));
    const problem = found.find((d) => d.code === 'unknown-role');
    expect(problem?.message).toContain('clrek');
    const line = withNumbersExport('[clerk, clrek]').split('\n').findIndex((text) => text.includes('[clerk, clrek]')) + 1;
    expect(problem?.line).toBe(line);
  });

  test('role that may not run the query', () => {
    const problem = diagnose(withNumbersExport('[viewer]')).found.find((d) => d.code === 'export-role-not-allowed');
    expect(problem?.message).toContain('`viewer`');
    expect(problem?.message).toContain('`numbers`');
  });

  test('role inheriting an allowed role may export', () => {
    const text = withNumbersExport('[clerk, auditor]').replace('roles:\n', 'roles:\n  auditor:\n    inherits: [clerk]\n');
    expect(diagnose(text).found.filter((d) => d.severity === 'error')).toEqual([]);
  });

  test('duplicate role is a warning', () => {
    const found = diagnose(withNumbersExport('[clerk, clerk]')).found;
    expect(found.find((d) => d.code === 'duplicate-allow')?.severity).toBe('warning');
  });

  test('HTTP query cannot be exported', () => {
    const text = fixture
      .replace('datasources:\n', 'datasources:\n  api: { kind: http, baseUrl: "http://127.0.0.1:9" }\n')
      .replace('queries:\n', 'queries:\n  remote:\n    datasource: api\n    request: { method: GET, path: /items }\n    allow: [clerk]\n    export: { allow: [clerk] }\n');
    const problem = diagnose(text).found.find((d) => d.code === 'export-http-query');
    expect(problem?.message).toContain('`remote`');
  });

  test('missing allow fails the schema', () => {
    const found = diagnose(withNumbersExport('[clerk]').replace('    export:\n      allow: [clerk]\npages:', '    export: {}\npages:')).found;
    expect(found.some((d) => d.severity === 'error')).toBe(true);
  });
});

describe('export policy', () => {
  test('grants export to export.allow roles and superusers only', () => {
    const { model } = diagnose(fixture);
    const policy = buildPolicy(model!.spec);
    const exports = policy.policies.filter((rule) => rule[3] === 'export').map((rule) => `${rule[0]} ${rule[3]} ${rule[2]}`).sort();
    expect(exports).toEqual(['role:admin export query:entries', 'role:admin export query:numbers', 'role:clerk export query:entries', 'role:clerk export query:numbers']);
    expect(formatPolicy(policy)).toContain('export query:entries');
  });
});
