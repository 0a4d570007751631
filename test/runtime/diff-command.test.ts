import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runDiff } from '../../runtime/commands/diff.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/diff');
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-diff-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

async function run(argv: string[], cwd = FIXTURES) {
  const output = { stdout: '', stderr: '' };
  const code = await runDiff(argv, {
    stdout: (text) => { output.stdout += text; },
    stderr: (text) => { output.stderr += text; },
    cwd,
    color: false,
  });
  return { code, ...output };
}

/** Runs git in the temporary repository, with a fixed author so commits work on any machine. */
function git(...args: string[]): string {
  const result = spawnSync('git', ['-c', 'user.name=Opsdeck Test', '-c', 'user.email=test@opsdeck.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: root, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

function writeSpec(relativePath: string, fixture: string, side: 'base' | 'head'): void {
  const target = join(root, relativePath);
  mkdirSync(join(target, '..'), { recursive: true });
  cpSync(join(FIXTURES, fixture, side, 'app.yaml'), target);
}

describe('opsdeck diff on two folders', () => {
  test('text report, exit 0', async () => {
    const result = await run(['role-inherits-added/base', 'role-inherits-added/head']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Changes from role-inherits-added/base to role-inherits-added/head\n\nAccess\n  app desk\n    role agent\n      + view page:audit');
  });

  test('--fail-on-widened-access exits 3 on a gain', async () => {
    const result = await run(['role-member-added/base', 'role-member-added/head', '--fail-on-widened-access']);
    expect(result.code).toBe(3);
  });

  test('--fail-on-widened-access exits 0 on a loss', async () => {
    const result = await run(['role-member-added/head', 'role-member-added/base', '--fail-on-widened-access']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('      - run action:rename');
  });

  test('--fail-on-widened-access exits 0 without access changes', async () => {
    const result = await run(['query-sql-changed/base', 'query-sql-changed/head', '--fail-on-widened-access']);
    expect(result.code).toBe(0);
  });

  test('JSON output', async () => {
    const result = await run(['role-member-added/base', 'role-member-added/head', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      base: 'role-member-added/base',
      head: 'role-member-added/head',
      widened: true,
      access: [{
        app: 'desk',
        subjects: [
          { subject: 'group:night-shift', kind: 'group', name: 'night-shift', gained: [{ object: 'action:rename', act: 'run' }], lost: [] },
          { subject: 'user:bob@example.com', kind: 'user', name: 'bob@example.com', gained: [{ object: 'action:rename', act: 'run' }], lost: [] },
        ],
      }],
      apps: [{
        app: 'desk',
        status: 'changed',
        title: 'Desk',
        changes: [{ area: 'role', id: 'agent', status: 'changed', details: ['member user `bob@example.com` added', 'member group `night-shift` added'] }],
      }],
    });
  });

  test('markdown output', async () => {
    const result = await run(['page-added/base', 'page-added/head', '--format', 'markdown']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('## Opsdeck diff\n\nFrom `page-added/base` to `page-added/head`.\n\n### Access');
    expect(result.stdout).toContain('| desk | group staff | ➕ `view page:overview` |  |');
  });

  test('secret values stay out of every format', async () => {
    for (const format of ['text', 'markdown', 'json']) {
      const result = await run(['secret-values/base', 'secret-values/head', '--format', format]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('`file` changed');
      expect(result.stdout).not.toContain('DESK_DB_FILE');
    }
  });

  test('spec errors: exit 1 with positions', async () => {
    cpSync(join(FIXTURES, 'unchanged/base'), join(root, 'base'), { recursive: true });
    mkdirSync(join(root, 'head'));
    writeFileSync(join(root, 'head', 'app.yaml'), readFileSync(join(FIXTURES, 'unchanged/base/app.yaml'), 'utf8').replace('allow: [auditor]', 'allow: [auditr]'));
    const result = await run(['base', 'head'], root);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^head\/app\.yaml:23:13: error unknown-role: /m);
    expect(result.stderr).toContain('fix the spec errors above in head first');
    expect(result.stdout).toBe('');
  });
});

describe('opsdeck diff cannot run', () => {
  test.each([
    [['--format', 'html', 'a', 'b'], '--format must be text, markdown or json, not "html"'],
    [[], 'expected a base and an optional head, got 0 arguments'],
    [['a', 'b', 'c'], 'expected a base and an optional head, got 3 arguments'],
    [['--nope', 'a'], "Unknown option '--nope'"],
  ])('%j', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  test('outside a repository, arguments that are not folders', async () => {
    const result = await run(['main', 'missing-folder'], root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not inside a git repository, and the arguments are not two existing folders');
  });
});

describe('opsdeck diff on git revisions', () => {
  beforeEach(() => {
    git('init', '-q', '-b', 'main');
    writeSpec('apps/desk/app.yaml', 'role-inherits-added', 'base');
    writeSpec('apps/.hidden/app.yaml', 'unchanged', 'base');
    writeFileSync(join(root, 'README.md'), 'not an app\n');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    writeSpec('apps/desk/app.yaml', 'role-inherits-added', 'head');
    git('commit', '-q', '-am', 'agents inherit auditor');
  });

  test('two revisions', async () => {
    const result = await run(['HEAD~1', 'HEAD', '--dir', 'apps', '--fail-on-widened-access'], root);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('Changes from HEAD~1 to HEAD');
    expect(result.stdout).toContain('    user ana@example.com\n      + view page:audit');
  });

  test('revision against the working tree', async () => {
    writeSpec('apps/desk/app.yaml', 'role-inherits-added', 'base');
    const result = await run(['HEAD', '--dir', 'apps', '--format', 'json'], root);
    expect(result.code).toBe(0);
    const diff = JSON.parse(result.stdout);
    expect(diff.head).toBe('working tree');
    expect(diff.widened).toBe(false);
    expect(diff.access[0].subjects[0]).toMatchObject({ subject: 'role:agent', lost: [{ object: 'page:audit', act: 'view' }, { object: 'query:auditLog', act: 'run' }, { object: 'action:purge', act: 'run' }] });
  });

  test('run from a subfolder with the default --dir', async () => {
    const result = await run(['HEAD~1', 'HEAD'], join(root, 'apps'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('inherited role `auditor` added');
  });

  test('app added since a revision', async () => {
    writeSpec('apps/other/app.yaml', 'page-added', 'head');
    writeFileSync(join(root, 'apps/other/app.yaml'), readFileSync(join(root, 'apps/other/app.yaml'), 'utf8').replace('id: desk', 'id: other'));
    git('add', '.');
    git('commit', '-q', '-m', 'other app');
    const result = await run(['HEAD~1', 'HEAD', '--dir', 'apps', '--format', 'json'], root);
    const diff = JSON.parse(result.stdout);
    expect(diff.apps.map((app: { app: string; status: string }) => [app.app, app.status])).toEqual([['other', 'added']]);
    expect(diff.widened).toBe(true);
  });

  test('spec error at a revision is reported with the revision', async () => {
    writeFileSync(join(root, 'apps/desk/app.yaml'), 'opsdeck: 1\nid: desk\n');
    git('commit', '-q', '-am', 'broken');
    const result = await run(['HEAD~1', 'HEAD', '--dir', 'apps'], root);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^HEAD:apps\/desk\/app\.yaml:1:1: error schema-required: /m);
  });

  test('unknown revision', async () => {
    const result = await run(['no-such-branch', '--dir', 'apps'], root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('revision "no-such-branch" was not found in the git repository');
  });

  test('revision that looks like an option', async () => {
    const result = await run(['--dir', 'apps', '--', '--output=x'], root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"--output=x" is not a revision');
  });

  test('--dir outside the repository', async () => {
    const result = await run(['HEAD', '--dir', '..'], root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is outside the git repository');
  });

  test('folder with no apps in either version', async () => {
    const result = await run(['HEAD~1', 'HEAD', '--dir', 'docs'], root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no app found in either version');
  });
});
