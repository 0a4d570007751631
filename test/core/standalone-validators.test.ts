// The build replaces core/schema-validators with ajv standalone code. This
// test runs every fixture through both and expects the same diagnostics, so
// the served validators cannot drift from the source ones.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../core/build-app.js';
import { buildSettings } from '../../core/settings.js';
import { REPO_ROOT } from '../helpers/apps.js';

const DIST_BUILD = join(REPO_ROOT, 'dist', 'core', 'build-app.js');
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'invalid');

describe.skipIf(!existsSync(DIST_BUILD))('standalone schema validators', () => {
  it('report the same diagnostics as the source validators', async () => {
    const dist = (await import(DIST_BUILD)) as typeof import('../../core/build-app.js');
    const cases = [...readdirSync(FIXTURES).map((name) => join(FIXTURES, name, 'app.yaml')), join(REPO_ROOT, 'examples', 'chinook-support', 'app.yaml')];
    for (const file of cases) {
      const source = { file, text: readFileSync(file, 'utf8') };
      expect(dist.buildApp(source).diagnostics, file).toEqual(buildApp(source).diagnostics);
    }
  });

  it('check opsdeck.yaml the same way', async () => {
    const dist = (await import(join(REPO_ROOT, 'dist', 'core', 'settings.js'))) as typeof import('../../core/settings.js');
    for (const text of ['identity:\n  mode: proxy\n', 'identity:\n  mode: sso\n', 'server:\n  port: "80"\n', 'identity:\n  mode: dev\n']) {
      expect(dist.buildSettings(text, 'opsdeck.yaml')).toEqual(buildSettings(text, 'opsdeck.yaml'));
    }
  });
});
