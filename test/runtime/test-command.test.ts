import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runTest } from '../../runtime/commands/test.js';
import { REPO_ROOT } from '../helpers/apps.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/app-tests');
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-app-tests-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Copies the shop fixture app into the temporary root with the named test cases in its tests/ folder. */
function shopWith(...cases: string[]): void {
  cpSync(join(FIXTURES, 'shop'), join(root, 'shop'), { recursive: true });
  mkdirSync(join(root, 'shop', 'tests'));
  for (const name of cases) cpSync(join(FIXTURES, 'cases', `${name}.test.yaml`), join(root, 'shop', 'tests', `${name}.test.yaml`));
}

async function run(argv: string[], cwd = root) {
  const output = { stdout: '', stderr: '' };
  const code = await runTest(argv, {
    stdout: (text) => { output.stdout += text; },
    stderr: (text) => { output.stderr += text; },
    cwd,
  });
  return { code, ...output, lines: output.stdout.trimEnd().split('\n') };
}

/** Parses XML with Python's standard library and returns the counts of the root element and its suites. */
function parseJUnit(text: string): { root: Record<string, string>; suites: Array<Record<string, string>>; failures: string[] } {
  const script = [
    'import sys, json, xml.etree.ElementTree as ET',
    'r = ET.fromstring(sys.stdin.read())',
    'print(json.dumps({"root": dict(r.attrib), "suites": [dict(s.attrib) for s in r], "failures": [f.text for f in r.iter("failure")]}))',
  ].join('\n');
  const result = spawnSync('python3', ['-c', script], { input: text, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout);
}

describe('opsdeck test on the example', () => {
  test('every example test passes', async () => {
    const result = await run(['examples'], REPO_ROOT);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines.at(-1)).toBe('67 passed, 0 failed');
    expect(result.lines.filter((line) => line.startsWith('✓ '))).toHaveLength(67);
    expect(result.stdout).toMatch(/^✓ search finds Luís Gonçalves \(\d+ ms\)$/m);
    expect(result.stdout).toMatch(/^✓ flagging a flagged customer again changes nothing \(\d+ ms\)$/m);
  });

  test('the app database stays untouched', async () => {
    const database = join(REPO_ROOT, 'examples/chinook-support/data/support.sqlite');
    let before: Buffer | undefined;
    try {
      before = readFileSync(database);
    } catch {
      before = undefined;
    }
    await run(['examples'], REPO_ROOT);
    const after = before === undefined ? undefined : readFileSync(database);
    expect(after?.equals(before as Buffer) ?? true).toBe(true);
  });
});

describe('opsdeck test results', () => {
  test('passing fixture', async () => {
    shopWith('passing');
    const result = await run(['.']);
    expect(result.code).toBe(0);
    expect(result.lines.map((line) => line.replace(/\(\d+ ms\)/, '(N ms)'))).toEqual([
      '✓ clerks see items (N ms)',
      '✓ items in order (N ms)',
      '✓ items in any order (N ms)',
      '✓ notes bind the user id (N ms)',
      '✓ manager reprices (N ms)',
      '5 passed, 0 failed',
    ]);
  });

  test('failing fixture: messages and positions', async () => {
    shopWith('failing');
    const result = await run(['.']);
    expect(result.code).toBe(1);
    const file = 'shop/tests/failing.test.yaml';
    expect(result.lines).toEqual([
      '✗ wrong access',
      `    ${file}:4:27: expected carl@shop.example (groups clerks) to be allowed to run action:reprice, but the policy denies it`,
      '✗ wrong row',
      `    ${file}:12:11: row 1: expected {"id":1,"name":"Apricot"}, got {"id":1,"name":"Apple"}`,
      '✗ wrong total',
      `    ${file}:16:22: expected 3 row(s), got 0`,
      '✗ missing row',
      `    ${file}:22:26: no result row matches {"name":"Banana"}; got {"name":"Apple"}`,
      '✗ expected success',
      `    ${file}:27:13: the action failed with expectation_failed: expected 1 changed row(s), got 0`,
      '✗ wrong error field',
      `    ${file}:32:45: expected the error to name params.id, but it names params.price: params.price must be 0 or more.`,
      '✗ bad fixture table',
      `    ${file}:36:14: cannot insert the given rows into items: no such table: items`,
      '✗ wrong then',
      `    ${file}:46:34: row 1: expected {"price":3}, got {"price":2}`,
      '0 passed, 8 failed',
    ]);
  });

  test('each test starts from a fresh database', async () => {
    shopWith('passing');
    writeFileSync(join(root, 'shop', 'tests', 'zz-fresh.test.yaml'), [
      'tests:',
      '  - name: earlier tests left no rows',
      '    as: { user: carl@shop.example, groups: [clerks] }',
      '    query: items',
      '    expect: { total: 0 }',
      '',
    ].join('\n'));
    const result = await run(['.']);
    expect(result.code).toBe(0);
    expect(result.lines.at(-1)).toBe('6 passed, 0 failed');
  });
});

describe('opsdeck test seed handling', () => {
  test('missing seed database fails the test', async () => {
    shopWith('passing');
    const spec = join(root, 'shop', 'app.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('migrations: migrations }', 'migrations: migrations, seed: seed/missing.sqlite }'));
    const result = await run(['.']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ items in order\n    shop/tests/passing.test.yaml:6:11: the test could not run: the seed database seed/missing.sqlite of data source `main` was not found; fix `seed:` or add `seed: false` to the test');
    expect(result.stdout).toMatch(/^✓ clerks see items/m);
  });

  test('seed: false skips a missing seed', async () => {
    shopWith();
    const spec = join(root, 'shop', 'app.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('migrations: migrations }', 'migrations: migrations, seed: seed/missing.sqlite }'));
    writeFileSync(join(root, 'shop', 'tests', 'empty.test.yaml'), 'tests:\n  - name: empty items\n    as: { user: carl@shop.example, groups: [clerks] }\n    seed: false\n    query: items\n    expect: { total: 0 }\n');
    const result = await run(['.']);
    expect(result.code).toBe(0);
    expect(result.lines.at(-1)).toBe('1 passed, 0 failed');
  });
});

describe('opsdeck test file errors', () => {
  test('unknown key: schema diagnostic with a suggestion', async () => {
    shopWith('invalid-schema');
    const result = await run(['.']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('shop/tests/invalid-schema.test.yaml:5:5: error schema-unknown-property: unknown property `expcet` in tests[0]');
    expect(result.stdout).toContain('hint: Did you mean `expect`?');
    expect(result.lines.at(-1)).toBe('0 passed, 0 failed');
  });

  test('unknown names and misplaced keys', async () => {
    shopWith('invalid-references');
    const result = await run(['.']);
    const file = 'shop/tests/invalid-references.test.yaml';
    expect(result.code).toBe(1);
    const headlines = result.lines.filter((line) => line.startsWith(file));
    expect(headlines).toEqual([
      `${file}:4:12: error test-unknown-query: app \`shop\` has no query \`itemz\``,
      `${file}:8:14: error test-unknown-object: app \`shop\` has no action \`repryce\``,
      `${file}:9:5: error test-kind-missing: test "nothing to check" checks nothing`,
      `${file}:15:27: error test-misplaced-key: \`rows:\` has no meaning for an action, which returns no rows`,
    ]);
    expect(result.stdout).toContain('hint: Did you mean `items`?');
    expect(result.stdout).toContain('hint: Did you mean `action:reprice`?');
  });

  test('YAML syntax error', async () => {
    shopWith('invalid-yaml');
    const result = await run(['.']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^shop\/tests\/invalid-yaml\.test\.yaml:\d+:\d+: error yaml-syntax: /m);
  });

  test('valid files still run beside an invalid one', async () => {
    shopWith('passing', 'invalid-schema');
    const result = await run(['.']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('1 test file(s) have errors (above); their tests did not run');
    expect(result.lines.at(-1)).toBe('5 passed, 0 failed');
  });

  test('app with spec errors: its tests do not run', async () => {
    shopWith('passing');
    const spec = join(root, 'shop', 'app.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('allow: [manager]', 'allow: [managr]'));
    const result = await run(['.']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^shop\/app\.yaml:\d+:\d+: error unknown-role: /m);
    expect(result.stdout).toContain('the tests of shop did not run because its spec has errors (above)');
  });
});

describe('opsdeck test JUnit report', () => {
  test('XML on stdout parses, with the right counts', async () => {
    shopWith('passing', 'failing', 'invalid-schema');
    const result = await run(['.', '--reporter', 'junit']);
    expect(result.code).toBe(1);
    const report = parseJUnit(result.stdout);
    expect(report.root).toMatchObject({ tests: '14', failures: '8', errors: '1' });
    expect(report.suites.map((suite) => [suite.name, suite.tests, suite.failures, suite.errors])).toEqual([
      ['shop/tests/failing.test.yaml', '8', '8', '0'],
      ['shop/tests/invalid-schema.test.yaml', '1', '0', '1'],
      ['shop/tests/passing.test.yaml', '5', '0', '0'],
    ]);
    expect(report.failures[0]).toBe('shop/tests/failing.test.yaml:4:27: expected carl@shop.example (groups clerks) to be allowed to run action:reprice, but the policy denies it');
    // The text report goes to stderr so stdout holds the XML only.
    expect(result.stderr).toContain('5 passed, 8 failed');
  });

  test('--output writes the file and keeps the text report', async () => {
    shopWith('passing');
    const result = await run(['.', '--reporter', 'junit', '--output', 'report.xml']);
    expect(result.code).toBe(0);
    expect(result.lines.at(-1)).toBe('5 passed, 0 failed');
    const report = parseJUnit(readFileSync(join(root, 'report.xml'), 'utf8'));
    expect(report.root).toMatchObject({ tests: '5', failures: '0', errors: '0' });
  });

  test('names with markup are escaped', async () => {
    shopWith();
    writeFileSync(join(root, 'shop', 'tests', 'markup.test.yaml'), 'tests:\n  - name: "<b> & \\"quotes\\""\n    as: { user: x }\n    denied: [page:items]\n');
    const result = await run(['.', '--reporter', 'junit']);
    expect(result.code).toBe(0);
    expect(parseJUnit(result.stdout).root).toMatchObject({ tests: '1', failures: '0' });
    expect(result.stdout).toContain('name="&lt;b&gt; &amp; &quot;quotes&quot;"');
  });
});

describe('opsdeck test cannot run', () => {
  test.each([
    [['--reporter', 'tap', '.'], '--reporter must be text or junit, not "tap"'],
    [['--output', 'x.xml', '.'], '--output writes the JUnit report; add --reporter junit'],
    [[], 'expected one folder, got 0'],
    [['--frobnicate', '.'], "Unknown option '--frobnicate'"],
    [['missing'], 'folder missing does not exist or is not a folder'],
  ])('%j', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  test('folder without apps', async () => {
    const result = await run(['.']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no app found under .');
  });

  test('app without test files', async () => {
    shopWith();
    const result = await run(['.']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no test file found under .; write tests in .test.yaml files beside an app.yaml or in its tests/ folder');
  });
});
