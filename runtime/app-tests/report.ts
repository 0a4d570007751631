// Reports of a test run: one line per test for a terminal, and JUnit XML for CI.
import type { Diagnostic } from '../../core/diagnostics.js';
import { formatDiagnostic } from '../../core/format.js';
import type { TestResult } from './run.js';

/** A test file whose tests did not run because the file has errors. */
export interface InvalidTestFile {
  file: string;
  diagnostics: Diagnostic[];
  source?: string;
}

/** Formats one result: `✓ name (3 ms)`, or `✗ name` and an indented `file:line:col: explanation`. */
export function formatResult(result: TestResult): string {
  if (result.failure === undefined) return `✓ ${result.name} (${Math.round(result.ms)} ms)\n`;
  const { line, col, message } = result.failure;
  return `✗ ${result.name}\n    ${result.file}:${line}:${col}: ${message}\n`;
}

/** Formats the closing line, `N passed, N failed`. */
export function formatSummary(results: TestResult[]): string {
  const failed = results.filter((result) => result.failure !== undefined).length;
  return `${results.length - failed} passed, ${failed} failed\n`;
}

/** Builds a JUnit XML report: one test suite per test file in name order, invalid files as suites with one error. */
export function junitReport(results: TestResult[], invalid: InvalidTestFile[]): string {
  const files = [...new Set([...results.map((result) => result.file), ...invalid.map((entry) => entry.file)])].sort();
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const totalMs = results.reduce((sum, result) => sum + result.ms, 0);
  const failures = results.filter((result) => result.failure !== undefined).length;

  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="opsdeck test" tests="${results.length + invalid.length}" failures="${failures}" errors="${invalid.length}" time="${seconds(totalMs)}">`,
  ];
  for (const file of files) {
    const own = results.filter((result) => result.file === file);
    const broken = invalid.find((entry) => entry.file === file);
    const ownFailures = own.filter((result) => result.failure !== undefined).length;
    const ownMs = own.reduce((sum, result) => sum + result.ms, 0);
    lines.push(`  <testsuite name="${xml(file)}" tests="${own.length + (broken ? 1 : 0)}" failures="${ownFailures}" errors="${broken ? 1 : 0}" time="${seconds(ownMs)}">`);
    for (const result of own) {
      const open = `    <testcase name="${xml(result.name)}" classname="${xml(file)}" time="${seconds(result.ms)}"`;
      if (result.failure === undefined) {
        lines.push(`${open}/>`);
        continue;
      }
      const { line, col, message } = result.failure;
      lines.push(`${open}>`, `      <failure message="${xml(message)}">${xml(`${file}:${line}:${col}: ${message}`)}</failure>`, '    </testcase>');
    }
    if (broken !== undefined) {
      const text = broken.diagnostics.map((d) => formatDiagnostic(d, broken.source)).join('\n');
      const first = broken.diagnostics[0];
      lines.push(
        `    <testcase name="test file is valid" classname="${xml(file)}" time="0.000">`,
        `      <error message="${xml(first === undefined ? 'invalid test file' : `${first.code}: ${first.message}`)}">${xml(text)}</error>`,
        '    </testcase>',
      );
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

/** Escapes text for XML attributes and content; drops control characters XML 1.0 cannot hold. */
function xml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
