import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { specVersionOf } from '../../runtime/spec-version.js';
import { REPO_ROOT } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'split-app');
let root: string | undefined;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** Copies the split fixture, with an action added, into a new temporary root. */
function copySplitApp(): { root: string; appDir: string } {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-version-'));
  const appDir = join(root, 'split');
  cpSync(FIXTURE, appDir, { recursive: true });
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  writeFileSync(join(root, '.gitignore'), '.opsdeck/\ndata/\n');
  writeFileSync(join(appDir, 'actions.yaml'), 'actions:\n  rename:\n    title: Rename\n    datasource: main\n    sql: update customer set name = :name where id = :id\n    params:\n      id: { type: integer }\n      name: { type: string }\n    required: [id, name]\n    allow: [viewer]\n');
  const main = readFileSync(join(appDir, 'app.yaml'), 'utf8').replace('queries/customers.yaml]', 'queries/customers.yaml, actions.yaml]');
  writeFileSync(join(appDir, 'app.yaml'), main);
  const pages = readFileSync(join(appDir, 'pages', 'customers.yaml'), 'utf8').replace('columns: [id, name] }', 'columns: [id, name], rowActions: [rename] }');
  writeFileSync(join(appDir, 'pages', 'customers.yaml'), pages);
  return { root, appDir };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();
}

function commitAll(dir: string): string {
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'add', '.');
  git(dir, 'commit', '--quiet', '-m', 'Add the split app');
  return git(dir, 'rev-parse', '--short=12', 'HEAD');
}

describe('spec version', () => {
  it('content hash outside git', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsdeck-nogit-'));
    root = dir;
    expect(await specVersionOf(dir, 'abc123')).toBe('abc123');
  });

  it('commit hash, then dirty after an edit', async () => {
    const { root: dir, appDir } = copySplitApp();
    const commit = commitAll(dir);
    expect(commit).toMatch(/^[0-9a-f]{12}$/);
    expect(await specVersionOf(appDir, 'hash')).toBe(commit);
    writeFileSync(join(appDir, 'sql', 'customers.sql'), `${readFileSync(join(appDir, 'sql', 'customers.sql'), 'utf8')}-- edited\n`);
    expect(await specVersionOf(appDir, 'hash')).toBe(`${commit}-dirty`);
  });

  it('API and audit record show the commit', async () => {
    const { root: dir } = copySplitApp();
    const commit = commitAll(dir);
    server = await startServer(dir);
    const cookie = await devLogin(server.url, 'ana@example.com');

    const view = await request(`${server.url}/api/apps/split/spec`, { cookie });
    expect(view.body.specVersion).toBe(commit);
    expect(view.body.version).toMatch(/^[0-9a-f]{64}$/);
    const versions = await request(`${server.url}/api/version`, { cookie });
    expect(versions.status).toBe(200);
    expect(versions.body).toEqual({ apps: [{ id: 'split', specVersion: commit, contentHash: view.body.version }], replica: expect.stringMatching(/^[0-9a-f-]{36}$/) });

    const action = await request(`${server.url}/api/apps/split/actions/rename`, { method: 'POST', cookie, json: { params: { id: 1, name: 'Ana B' } } });
    expect(action.status).toBe(200);
    const records = readFileSync(join(dir, '.opsdeck', 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(records.length).toBeGreaterThan(0);
    // Sign-in records belong to no app and carry no spec version.
    for (const record of records.filter((candidate) => candidate.app === 'split')) {
      expect(record.specVersion).toBe(commit);
      expect(record.contentHash).toBe(view.body.version);
    }
  });

  it('API shows the content hash outside git', async () => {
    const { root: dir } = copySplitApp();
    server = await startServer(dir);
    const cookie = await devLogin(server.url, 'ana@example.com');
    const view = await request(`${server.url}/api/apps/split/spec`, { cookie });
    expect(view.body.specVersion).toBe(view.body.version);
  });

  it('version list needs a signed-in user and hides apps', async () => {
    const { root: dir, appDir } = copySplitApp();
    const main = readFileSync(join(appDir, 'app.yaml'), 'utf8').replace('devUsers:\n', 'devUsers:\n  - { id: nora@example.com, name: Nora, groups: [outsiders] }\n');
    writeFileSync(join(appDir, 'app.yaml'), main);
    server = await startServer(dir);
    const anonymous = await request(`${server.url}/api/version`);
    expect(anonymous.status).toBe(401);
    const nora = await request(`${server.url}/api/version`, { cookie: await devLogin(server.url, 'nora@example.com') });
    expect(nora.status).toBe(200);
    expect(nora.body).toEqual({ apps: [], replica: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });
});
