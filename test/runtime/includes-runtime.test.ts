import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runValidate } from '../../runtime/commands/validate.js';
import { expandPattern } from '../../runtime/spec-files.js';
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

function copySplitApp(): string {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-split-'));
  cpSync(FIXTURE, join(root, 'split'), { recursive: true });
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  return join(root, 'split');
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met in time');
}

async function validate(dir: string): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await runValidate([dir], { stdout: (text) => (stdout += text), stderr: (text) => (stdout += text) });
  return { code, stdout };
}

describe('split app at runtime', () => {
  it('validate places an SQL file error', async () => {
    const appDir = copySplitApp();
    writeFileSync(join(appDir, 'sql', 'customers.sql'), 'select id, name from customer\nwhere :search is null or id = :customerId\n');
    const { code, stdout } = await validate(root!);
    expect(code).toBe(1);
    expect(stdout).toMatch(/split\/sql\/customers\.sql:2:31: error sql-undeclared-param/);
    expect(stdout).toContain('where :search is null or id = :customerId');
    expect(stdout).toContain('1 error in 1 app');
  });

  it('validate checks SQL of included files against the database', async () => {
    const appDir = copySplitApp();
    writeFileSync(join(appDir, 'sql', 'customers.sql'), 'select id, nme from customer\nwhere :search is null or name = :search\n');
    const { code, stdout } = await validate(root!);
    expect(code).toBe(1);
    expect(stdout).toMatch(/split\/sql\/customers\.sql:1:1: error sql-invalid/);
  });

  it('clean split app validates', async () => {
    copySplitApp();
    const { code, stdout } = await validate(root!);
    expect(stdout).toContain('1 app valid');
    expect(code).toBe(0);
  });

  it('hot reload of an included file', async () => {
    const appDir = copySplitApp();
    server = await startServer(root!, { watch: true });
    const cookie = await devLogin(server.url, 'ana@example.com');
    const events: string[] = [];
    server.running.events.subscribe('split', (event) => events.push(event));
    const title = async (): Promise<string> => (await request(`${server!.url}/api/apps/split/spec`, { cookie })).body.pages[0].title;
    const pagesFile = join(appDir, 'pages', 'customers.yaml');
    const pages = readFileSync(pagesFile, 'utf8');

    writeFileSync(pagesFile, pages);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(events).toEqual([]);

    writeFileSync(pagesFile, pages.replace('title: Customers', 'title: Customer list'));
    await waitFor(async () => (await title()) === 'Customer list');
    expect(events).toEqual(['reload']);

    writeFileSync(join(appDir, 'sql', 'customers.sql'), 'select id, name from customer where id = :nope\n');
    await waitFor(() => events.includes('invalid'));
    const rejected = server.running.registry.get('split')!.rejected!;
    expect(rejected[0]).toMatchObject({ code: 'sql-undeclared-param', file: join(appDir, 'sql', 'customers.sql'), line: 1, col: 42 });
    expect(await title()).toBe('Customer list');
  });

  it('glob patterns', () => {
    const names = ['pages/a.yaml', 'pages/b.yml', 'pages/deep/c.yaml', 'queries/a.yaml', 'x.yaml'];
    expect(expandPattern('pages/*.yaml', names)).toEqual(['pages/a.yaml']);
    expect(expandPattern('pages/**/*.yaml', names)).toEqual(['pages/a.yaml', 'pages/deep/c.yaml']);
    expect(expandPattern('**/a.yaml', names)).toEqual(['pages/a.yaml', 'queries/a.yaml']);
    expect(expandPattern('?.yaml', names)).toEqual(['x.yaml']);
    expect(expandPattern('pages/(a).yaml', names)).toEqual([]);
  });
});
