import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { discoverApps, readApp } from '../../runtime/app-files.js';
import { runPolicy } from '../../runtime/commands/policy.js';
import { runValidate } from '../../runtime/commands/validate.js';

const baseText = readFileSync(join(import.meta.dirname, '../fixtures/base-app.yaml'), 'utf8');
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

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-commands-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('discoverApps', () => {
  test('depth-first, skipping dot folders and node_modules', () => {
    writeApp('.', baseText);
    writeApp('b/nested', baseText);
    writeApp('a', baseText);
    writeApp('.hidden', baseText);
    writeApp('node_modules/pkg', baseText);
    expect(discoverApps(root)).toEqual([root, join(root, 'a'), join(root, 'b/nested')]);
  });

  test('missing root gives no apps', () => {
    expect(discoverApps(join(root, 'absent'))).toEqual([]);
  });
});

describe('readApp', () => {
  test('missing file gives a diagnostic', () => {
    const result = readApp(join(root, 'nothing'));
    expect(result.model).toBeUndefined();
    expect(result.diagnostics).toMatchObject([{ code: 'file-unreadable', line: 1, col: 1 }]);
  });
});

describe('runValidate', () => {
  test('clean folder exits 0', async () => {
    writeApp('one', baseText);
    const { output, io } = capture();
    expect(await runValidate([root], io)).toBe(0);
    expect(output.stdout).toBe('1 app valid\n');
  });

  test('the examples exit 0', async () => {
    const { output, io } = capture();
    const databaseUrl = process.env.LOANS_DATABASE_URL;
    delete process.env.LOANS_DATABASE_URL;
    try {
      expect(await runValidate([join(import.meta.dirname, '../../examples')], io)).toBe(0);
    } finally {
      if (databaseUrl !== undefined) process.env.LOANS_DATABASE_URL = databaseUrl;
    }
    // loan-approvals reads its database URL from LOANS_DATABASE_URL, which the test environment does not set.
    expect(output.stdout).toMatch(/^examples\/loan-approvals\/app\.yaml:14:10: warning datasource-unchecked: .*LOANS_DATABASE_URL is not set$/m);
    expect(output.stdout).toMatch(/^5 apps valid, 1 warning\n$/m);
  });

  test('errors exit 1 with file:line:col', async () => {
    const file = writeApp('bad', baseText.replace('query: customers', 'query: customer').replace('allow: [agent]', 'allow: [agnet]'));
    writeApp('good', baseText.replace('id: fixture', 'id: other'));
    const { output, io } = capture();
    expect(await runValidate([root], io)).toBe(1);
    const shown = relative(process.cwd(), file);
    expect(output.stdout).toContain(`${shown}:28:13: error unknown-role: role \`agnet\` is not declared under \`roles:\``);
    expect(output.stdout).toContain(`${shown}:36:18: error unknown-query: `);
    expect(output.stdout).toContain('  hint: Did you mean `customers`?');
    expect(output.stdout).toContain('\n            query: customer\n                   ^\n');
    expect(output.stdout.trimEnd().split('\n').at(-1)).toBe('2 errors in 1 app');
  });

  test('duplicate app id at the second id line', async () => {
    writeApp('a', baseText);
    const second = writeApp('b', `# second copy\n${baseText}`);
    const { output, io } = capture();
    expect(await runValidate([root], io)).toBe(1);
    expect(output.stdout).toContain(`${relative(process.cwd(), second)}:3:5: error duplicate-app-id: app id \`fixture\` is already used by ${join(root, 'a/app.yaml')}`);
  });

  test('json format', async () => {
    writeApp('bad', baseText.replace('datasource: main\n    sql: |', 'datasource: mian\n    sql: |'));
    const { output, io } = capture();
    expect(await runValidate([root, '--format', 'json'], io)).toBe(1);
    const report = JSON.parse(output.stdout) as { apps: unknown[]; diagnostics: Array<Record<string, unknown>> };
    expect(report.apps).toEqual([{ dir: relative(process.cwd(), join(root, 'bad')), id: null, ok: false }]);
    expect(report.diagnostics).toMatchObject([{ code: 'unknown-datasource', line: 11, col: 17, severity: 'error', hint: 'Did you mean `main`?' }]);
  });

  test('json format for a clean folder', async () => {
    writeApp('.', baseText);
    const { output, io } = capture();
    expect(await runValidate(['--format=json', root], io)).toBe(0);
    expect(JSON.parse(output.stdout)).toEqual({ apps: [{ dir: relative(process.cwd(), root) || '.', id: 'fixture', ok: true }], diagnostics: [] });
  });

  test('opsdeck.yaml at the root is checked', async () => {
    writeApp('a', baseText);
    writeFileSync(join(root, 'opsdeck.yaml'), 'server:\n  prot: 3000\n');
    const { output, io } = capture();
    expect(await runValidate([root], io)).toBe(1);
    expect(output.stdout).toContain('opsdeck.yaml:2:3: error schema-unknown-property: unknown property `prot` in server');
    expect(output.stdout.trimEnd().split('\n').at(-1)).toBe('1 error in opsdeck.yaml');
  });

  test('warnings alone exit 0', async () => {
    writeApp('a', baseText.replace('    allow: [viewer]\n    components', '    allow: [viewer, viewer]\n    components'));
    const { output, io } = capture();
    expect(await runValidate([root], io)).toBe(0);
    expect(output.stdout).toContain('warning duplicate-allow');
    expect(output.stdout.trimEnd().split('\n').at(-1)).toBe('1 app valid, 1 warning');
  });

  test('cannot run: exit 2', async () => {
    const cases: string[][] = [[], [join(root, 'absent')], [root], [root, '--format', 'xml'], [root, '--verbose'], [root, root]];
    for (const argv of cases) {
      const { output, io } = capture();
      expect(await runValidate(argv, io), argv.join(' ')).toBe(2);
      expect(output.stderr).toMatch(/^opsdeck validate: /);
      expect(output.stdout).toBe('');
    }
  });

  test('empty folder message names the folder', async () => {
    const { output, io } = capture();
    await runValidate([root], io);
    expect(output.stderr).toContain(`no app found under ${root}`);
  });
});

describe('runPolicy', () => {
  test('prints each role with inherited permissions', async () => {
    cpSync(join(import.meta.dirname, '../../examples/chinook-support/app.yaml'), join(root, 'app.yaml'));
    const { output, io } = capture();
    expect(await runPolicy([root], io)).toBe(0);
    expect(output.stdout).toContain('app chinook-support');
    expect(output.stdout).toContain('role agent\n  members: group:support-agents\n  inherits: viewer\n');
    expect(output.stdout).toContain('view page:customers (from viewer)');
  });

  test('invalid spec exits 1', async () => {
    writeApp('a', baseText.replace('allow: [agent]', 'allow: [agnet]'));
    const { output, io } = capture();
    expect(await runPolicy([root], io)).toBe(1);
    expect(output.stderr).toContain('error unknown-role');
    expect(output.stdout).toBe('');
  });

  test('bad usage exits 2', async () => {
    for (const argv of [[], [root], [root, '--format', 'json']]) {
      const { output, io } = capture();
      expect(await runPolicy(argv, io)).toBe(2);
      expect(output.stderr).toMatch(/^opsdeck policy: /);
    }
  });
});
