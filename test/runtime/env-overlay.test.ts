import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSettingsLayers } from '../../core/settings.js';
import { runValidate } from '../../runtime/commands/validate.js';
import { loadSettingsFile, UnknownEnvironment } from '../../runtime/settings-file.js';
import { REPO_ROOT } from '../helpers/apps.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'split-app');
const SECRET_VALUE = 'do-not-print-this-secret-4711';
const URL_VALUE = 'postgres://user:do-not-print-this-password@127.0.0.1:1/app';
let root: string | undefined;
const saved = { ...process.env };

afterEach(() => {
  for (const name of ['OPSDECK_TEST_SECRET', 'OPSDECK_TEST_REPORTS_URL', 'OPSDECK_ENV']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** Creates a served folder with the split app (plus a PostgreSQL data source read from the environment) and a `prod` overlay. */
function makeRoot(): string {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-env-'));
  const appDir = join(root, 'split');
  cpSync(FIXTURE, appDir, { recursive: true });
  const main = readFileSync(join(appDir, 'app.yaml'), 'utf8').replace(
    '  main: { kind: sqlite, file: data/split.sqlite, migrations: migrations }\n',
    '  main: { kind: sqlite, file: data/split.sqlite, migrations: migrations }\n  reports: { kind: postgres, url: "${env:OPSDECK_TEST_REPORTS_URL}" }\n',
  );
  writeFileSync(join(appDir, 'app.yaml'), main);
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\nserver:\n  port: 3000\n');
  writeFileSync(join(root, 'opsdeck.prod.yaml'), 'server:\n  port: 8080\nsession:\n  secret: ${env:OPSDECK_TEST_SECRET}\n');
  return root;
}

async function validate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runValidate(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

describe('environments', () => {
  it('missing variable reported at the reference', async () => {
    const dir = makeRoot();
    process.env.OPSDECK_TEST_SECRET = SECRET_VALUE;
    delete process.env.OPSDECK_TEST_REPORTS_URL;
    const { code, stdout } = await validate([dir, '--env', 'prod', '--format', 'json']);
    expect(code).toBe(1);
    const errors = JSON.parse(stdout).diagnostics.filter((d: { severity: string }) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'env-missing', line: 7, col: 36 });
    expect(errors[0].file).toMatch(/split\/app\.yaml$/);
    expect(errors[0].message).toContain('OPSDECK_TEST_REPORTS_URL');
    expect(stdout).not.toContain(SECRET_VALUE);
  });

  it('missing settings secret points at the overlay', async () => {
    const dir = makeRoot();
    process.env.OPSDECK_TEST_REPORTS_URL = URL_VALUE;
    delete process.env.OPSDECK_TEST_SECRET;
    const { code, stdout } = await validate([dir, '--env', 'prod']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/opsdeck\.prod\.yaml:4:11: error env-missing: environment variable OPSDECK_TEST_SECRET is not set for environment `prod`/);
    expect(stdout).not.toContain('do-not-print-this-password');
  });

  it('all variables set is clean', async () => {
    const dir = makeRoot();
    process.env.OPSDECK_TEST_SECRET = SECRET_VALUE;
    process.env.OPSDECK_TEST_REPORTS_URL = URL_VALUE;
    const { code, stdout } = await validate([dir, '--env', 'prod']);
    expect(stdout).not.toContain(' error ');
    expect(stdout).not.toContain(SECRET_VALUE);
    expect(stdout).not.toContain('do-not-print-this-password');
    expect(code).toBe(0);
  });

  it('OPSDECK_ENV selects the environment', async () => {
    const dir = makeRoot();
    process.env.OPSDECK_ENV = 'prod';
    delete process.env.OPSDECK_TEST_SECRET;
    process.env.OPSDECK_TEST_REPORTS_URL = URL_VALUE;
    const { code, stdout } = await validate([dir]);
    expect(code).toBe(1);
    expect(stdout).toContain('OPSDECK_TEST_SECRET');
  });

  it('unknown environment exits 2', async () => {
    const dir = makeRoot();
    const { code, stderr } = await validate([dir, '--env', 'staging']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown environment "staging"');
    expect(stderr).toContain('the environments there are prod');
    expect((await validate([dir, '--env', '../prod'])).code).toBe(2);
  });

  it('overlay merges over opsdeck.yaml', () => {
    const dir = makeRoot();
    const settings = loadSettingsFile(dir, {}, { OPSDECK_TEST_SECRET: SECRET_VALUE }, 'prod');
    expect(settings.port).toBe(8080);
    expect(settings.identity.mode).toBe('dev');
    expect(settings.sessionSecret).toBe(SECRET_VALUE);
    expect(loadSettingsFile(dir, {}, {}).port).toBe(3000);
    expect(() => loadSettingsFile(dir, {}, {}, 'staging')).toThrow(UnknownEnvironment);
  });

  it('overlay errors point at the overlay', () => {
    const { diagnostics } = buildSettingsLayers([
      { file: 'opsdeck.yaml', text: 'identity:\n  mode: dev\n' },
      { file: 'opsdeck.prod.yaml', text: 'server:\n  port: nope\n' },
    ]);
    expect(diagnostics).toMatchObject([{ code: 'schema-type', file: 'opsdeck.prod.yaml', line: 2, col: 9 }]);
  });
});
