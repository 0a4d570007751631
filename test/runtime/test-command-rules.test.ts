// `opsdeck test` applies row and column rules like the server: access tests
// assert hidden and masked columns, query tests see only the caller's rows,
// and scoped actions fail outside them.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTest } from '../../runtime/commands/test.js';
import { REPO_ROOT } from '../helpers/apps.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'row-rules', 'tickets');
let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

async function runTests(edit: (text: string) => string = (text) => text): Promise<{ code: number; stdout: string }> {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-test-rules-'));
  cpSync(FIXTURE, join(root, 'tickets'), { recursive: true, filter: (path) => !path.includes('/data') });
  const file = join(root, 'tickets', 'tests', 'rules.test.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  let stdout = '';
  const code = await runTest([root], { stdout: (text) => (stdout += text), stderr: (text) => (stdout += text) });
  return { code, stdout };
}

describe('opsdeck test with row and column rules', () => {
  it('passes the fixture tests', async () => {
    const result = await runTests();
    expect(result.stdout).toContain('6 passed, 0 failed');
    expect(result.code).toBe(0);
  });

  it('fails when a hidden column is not hidden', async () => {
    const result = await runTests((text) => text.replace('hidden: { tickets: [cost_cents] }', 'hidden: { tickets: [cost_cents, subject] }'));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('expected the hidden columns of query tickets for ana@example.com');
    expect(result.stdout).toContain('to be [cost_cents, subject], but they are [cost_cents]');
  });

  it('fails when the rows differ from the row rule', async () => {
    const result = await runTests((text) => text.replace("attributes: { region: emea } }\n    query: tickets\n    expect:\n      unordered", "attributes: { region: amer } }\n    query: tickets\n    expect:\n      unordered"));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('1 failed');
  });

  it('reports an unknown query in `hidden:`', async () => {
    const result = await runTests((text) => text.replace('hidden: { tickets: [cost_cents] }', 'hidden: { tikets: [cost_cents] }'));
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain('has no query `tikets`');
  });
});
