import { expect, test } from 'vitest';
import type { Diagnostic } from '../../core/diagnostics.js';
import { formatDiagnostic, formatDiagnosticsJson } from '../../core/format.js';

const diagnostic: Diagnostic = {
  code: 'unknown-role',
  severity: 'error',
  file: 'apps/a/app.yaml',
  line: 2,
  col: 12,
  path: ['pages', 'p', 'allow', 0],
  message: 'role `veiwer` is not declared under `roles:`',
  hint: 'Did you mean `viewer`?',
};

test('header line only without source', () => {
  expect(formatDiagnostic({ ...diagnostic, hint: undefined })).toBe(
    'apps/a/app.yaml:2:12: error unknown-role: role `veiwer` is not declared under `roles:`',
  );
});

test('source line, caret and hint', () => {
  const source = 'title: x\n    allow: [veiwer]\n';
  expect(formatDiagnostic(diagnostic, source).split('\n')).toEqual([
    'apps/a/app.yaml:2:12: error unknown-role: role `veiwer` is not declared under `roles:`',
    '      allow: [veiwer]',
    '             ^',
    '  hint: Did you mean `viewer`?',
  ]);
});

test('caret keeps tabs aligned', () => {
  const lines = formatDiagnostic({ ...diagnostic, line: 1, col: 3, hint: undefined }, '\tx: 1').split('\n');
  expect(lines[2]).toBe('  \t ^');
});

test('line past the end prints no excerpt', () => {
  expect(formatDiagnostic({ ...diagnostic, line: 9 }, 'a: 1\n').split('\n')).toHaveLength(2);
});

test('warnings named as warnings', () => {
  expect(formatDiagnostic({ ...diagnostic, severity: 'warning' })).toContain(': warning unknown-role: ');
});

test('json list round-trips', () => {
  expect(JSON.parse(formatDiagnosticsJson([diagnostic]))).toEqual([diagnostic]);
});
