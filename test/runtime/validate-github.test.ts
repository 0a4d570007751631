// `opsdeck validate --format github` (workflow-command annotations) and `--strict`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../core/diagnostics.js';
import { formatGithubAnnotation, runValidate } from '../../runtime/commands/validate.js';

const baseText = readFileSync(join(import.meta.dirname, '../fixtures/base-app.yaml'), 'utf8');
const unusedQuery = baseText.replace('queries:\n', 'queries:\n  orphans:\n    datasource: main\n    sql: select id from customers\n    allow: [viewer]\n');
let root: string;

function capture() {
  const output = { stdout: '', stderr: '' };
  return {
    output,
    io: { stdout: (text: string) => { output.stdout += text; }, stderr: (text: string) => { output.stderr += text; } },
  };
}

function writeApp(dir: string, text: string): string {
  mkdirSync(join(root, dir, 'migrations'), { recursive: true });
  writeFileSync(join(root, dir, 'migrations', '001_customers.sql'), 'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n');
  writeFileSync(join(root, dir, 'app.yaml'), text);
  return join(root, dir, 'app.yaml');
}

const lines = (text: string): string[] => text.trimEnd().split('\n');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-github-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('formatGithubAnnotation', () => {
  const diagnostic: Diagnostic = { code: 'unknown-query', severity: 'error', file: 'apps/a/app.yaml', line: 3, col: 7, path: [], message: 'query `x` is not declared', hint: 'Did you mean `y`?' };

  test('error with hint', () => {
    expect(formatGithubAnnotation(diagnostic)).toBe('::error file=apps/a/app.yaml,line=3,col=7,title=unknown-query::query `x` is not declared Did you mean `y`?');
  });

  test('warning without hint', () => {
    expect(formatGithubAnnotation({ ...diagnostic, severity: 'warning', hint: undefined })).toBe('::warning file=apps/a/app.yaml,line=3,col=7,title=unknown-query::query `x` is not declared');
  });

  test('message escapes percent and line breaks', () => {
    const shown = formatGithubAnnotation({ ...diagnostic, message: "like '%' || :search\r\nnext: a, b", hint: undefined });
    expect(shown).toBe("::error file=apps/a/app.yaml,line=3,col=7,title=unknown-query::like '%25' || :search%0D%0Anext: a, b");
    expect(shown.split('\n')).toHaveLength(1);
  });

  test('properties escape colon and comma', () => {
    const shown = formatGithubAnnotation({ ...diagnostic, file: 'C:/specs/a,b%/app.yaml', code: 'x:y,z' });
    expect(shown).toMatch(/^::error file=C%3A\/specs\/a%2Cb%25\/app\.yaml,line=3,col=7,title=x%3Ay%2Cz::/);
  });
});

describe('validate --format github', () => {
  test('one command per diagnostic, then summary', async () => {
    const file = writeApp('bad', unusedQuery.replace('allow: [agent]', 'allow: [agnet]'));
    const { output, io } = capture();
    expect(await runValidate([root, '--format', 'github'], io)).toBe(1);
    const shown = relative(process.cwd(), file);
    expect(lines(output.stdout)).toEqual([
      `::error file=${shown},line=32,col=13,title=unknown-role::role \`agnet\` is not declared under \`roles:\` Did you mean \`agent\`?`,
      `::warning file=${shown},line=10,col=3,title=unused-query::query \`orphans\` is not shown by any table Add \`- table: { query: orphans, ... }\` to a page, or remove the query.`,
      '1 error in 1 app, 1 warning',
    ]);
    expect(output.stderr).toBe('');
  });

  test('clean folder prints only the summary', async () => {
    writeApp('good', baseText);
    const { output, io } = capture();
    expect(await runValidate([root, '--format=github'], io)).toBe(0);
    expect(output.stdout).toBe('1 app valid\n');
  });

  test('file path with comma is escaped', async () => {
    const file = writeApp('a,b', unusedQuery);
    const { output, io } = capture();
    expect(await runValidate([root, '--format', 'github'], io)).toBe(0);
    const shown = relative(process.cwd(), file).replace(/,/g, '%2C');
    expect(lines(output.stdout)[0]).toMatch(new RegExp(`^::warning file=${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},line=10,col=3,title=unused-query::`));
  });

  test('unknown format exits 2', async () => {
    const { output, io } = capture();
    expect(await runValidate([root, '--format', 'gitlab'], io)).toBe(2);
    expect(output.stderr).toContain('--format must be text, json or github, not "gitlab"');
  });
});

describe('validate --strict', () => {
  test('warnings alone exit 0 without it', async () => {
    writeApp('a', unusedQuery);
    const { output, io } = capture();
    expect(await runValidate([root], io)).toBe(0);
    expect(lines(output.stdout).at(-1)).toBe('1 app valid, 1 warning');
  });

  test('warning becomes error and exit 1', async () => {
    writeApp('a', unusedQuery);
    const { output, io } = capture();
    expect(await runValidate([root, '--strict'], io)).toBe(1);
    expect(output.stdout).toContain(':10:3: error unused-query: ');
    expect(lines(output.stdout).at(-1)).toBe('1 error in 1 app');
  });

  test('github format shows ::error', async () => {
    writeApp('a', unusedQuery);
    const { output, io } = capture();
    expect(await runValidate([root, '--strict', '--format', 'github'], io)).toBe(1);
    expect(lines(output.stdout)[0]).toMatch(/^::error file=.*,line=10,col=3,title=unused-query::/);
  });

  test('json format marks app not ok', async () => {
    writeApp('a', unusedQuery);
    const { output, io } = capture();
    expect(await runValidate([root, '--strict', '--format', 'json'], io)).toBe(1);
    const report = JSON.parse(output.stdout) as { apps: Array<{ ok: boolean }>; diagnostics: Array<{ code: string; severity: string }> };
    expect(report.apps[0].ok).toBe(false);
    expect(report.diagnostics).toMatchObject([{ code: 'unused-query', severity: 'error' }]);
  });

  test('clean folder still exits 0', async () => {
    writeApp('a', baseText);
    const { io } = capture();
    expect(await runValidate([root, '--strict'], io)).toBe(0);
  });

  test('strict takes no value', async () => {
    const { output, io } = capture();
    expect(await runValidate([root, '--strict=yes'], io)).toBe(2);
    expect(output.stderr).toMatch(/^opsdeck validate: /);
  });
});
