// `opsdeck validate --format json` gives byte-identical output whether specs
// load through the fast path (core/fast-yaml.ts) or the `yaml` package alone,
// on the example apps and the invalid fixtures, and still reports the
// diagnostics each fixture's expected.json names.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';

const FIXTURES = join(import.meta.dirname, '../fixtures/invalid');
const EXAMPLES = join(import.meta.dirname, '../../examples');
let root: string;

interface Output {
  status: number;
  stdout: string;
  stderr: string;
}

/** Imports the validate command afresh (so a mock set before takes effect) and runs it. */
async function validate(args: string[]): Promise<Output> {
  vi.resetModules();
  const { runValidate } = await import('../../runtime/commands/validate.js');
  const output = { stdout: '', stderr: '' };
  const status = await runValidate(args, { stdout: (text: string) => { output.stdout += text; }, stderr: (text: string) => { output.stderr += text; } });
  return { status, ...output };
}

/** Runs validate twice: as shipped, then with the fast path always giving up; counts the loads the second run sent to the full path. */
async function bothPaths(args: string[]): Promise<{ fast: Output; full: Output; fullLoads: number }> {
  const fast = await validate(args);
  const giveUp = vi.fn(() => undefined);
  vi.doMock('../../core/fast-yaml.js', () => ({ fastLoadYaml: giveUp }));
  try {
    return { fast, full: await validate(args), fullLoads: giveUp.mock.calls.length };
  } finally {
    vi.doUnmock('../../core/fast-yaml.js');
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-fast-load-'));
  cpSync(FIXTURES, join(root, 'invalid'), { recursive: true });
  cpSync(EXAMPLES, join(root, 'examples'), { recursive: true });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('validate output does not depend on the load path', () => {
  test('invalid fixtures: same JSON, and every expected diagnostic is there', async () => {
    const { fast, full, fullLoads } = await bothPaths([join(root, 'invalid'), '--format', 'json']);
    // The second run really went through the mock: once per fixture at least.
    expect(fullLoads).toBeGreaterThanOrEqual(readdirSync(FIXTURES).length);
    expect(fast.status).toBe(1);
    expect(fast.stderr).toBe('');
    expect(fast.stdout).toBe(full.stdout);

    const report = JSON.parse(fast.stdout) as { apps: Array<{ ok: boolean }>; diagnostics: Array<{ code: string; file: string; line: number; col: number; message: string }> };
    const names = readdirSync(FIXTURES).sort();
    expect(report.apps.length).toBe(names.length);
    expect(report.apps.every((app) => !app.ok)).toBe(true);
    for (const name of names) {
      const expected = JSON.parse(readFileSync(join(FIXTURES, name, 'expected.json'), 'utf8')) as Array<{ code: string; line?: number; col?: number; message?: string }>;
      const found = report.diagnostics.filter((d) => d.file.endsWith(`${name}/app.yaml`));
      for (const want of expected) {
        const match = found.find((d) => d.code === want.code && (want.line === undefined || d.line === want.line) && (want.col === undefined || d.col === want.col));
        expect(match, `${name}: expected ${JSON.stringify(want)} among ${JSON.stringify(found)}`).toBeDefined();
        if (want.message !== undefined) expect(match?.message).toContain(want.message);
      }
    }
  });

  test('invalid fixtures: same text output', async () => {
    const { fast, full } = await bothPaths([join(root, 'invalid')]);
    expect(fast.stdout).toBe(full.stdout);
    expect(fast.stdout).toContain('error yaml-duplicate-key: duplicate key `title`');
    expect(fast.stdout).toContain(`${readdirSync(FIXTURES).length} apps`);
  });

  test('examples: same JSON, all apps valid', async () => {
    const databaseUrl = process.env.LOANS_DATABASE_URL;
    delete process.env.LOANS_DATABASE_URL;
    try {
      const { fast, full, fullLoads } = await bothPaths([join(root, 'examples'), '--format', 'json']);
      expect(fullLoads).toBeGreaterThanOrEqual(5);
      expect(fast.stdout).toBe(full.stdout);
      expect(fast.status).toBe(0);
      const report = JSON.parse(fast.stdout) as { apps: Array<{ id: string; ok: boolean }>; diagnostics: Array<{ code: string }> };
      expect(report.apps.map((app) => app.id).sort()).toEqual(['chinook-support', 'contractor-costs', 'feature-flags', 'incident-response', 'loan-approvals'].sort());
      expect(report.apps.every((app) => app.ok)).toBe(true);
      // The one warning: loan-approvals names LOANS_DATABASE_URL, unset here.
      expect(report.diagnostics.map((d) => d.code)).toEqual(['datasource-unchecked']);
    } finally {
      if (databaseUrl !== undefined) process.env.LOANS_DATABASE_URL = databaseUrl;
    }
  });
});
