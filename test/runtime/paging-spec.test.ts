// Load checks of the table and query fields for stable paging and bulk
// actions: a query `key:` must be a column, a bulk action must exist.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runValidate } from '../../runtime/commands/validate.js';
import { REPO_ROOT } from '../helpers/apps.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'u3', 'items');
let root: string | undefined;

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

async function validateEdited(edit: (spec: string) => string): Promise<{ code: number; diagnostics: Array<{ code: string; line: number; message: string; hint?: string }> }> {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-paging-spec-'));
  cpSync(FIXTURE, join(root, 'items'), { recursive: true });
  const file = join(root, 'items', 'app.yaml');
  const original = readFileSync(file, 'utf8');
  const edited = edit(original);
  if (edited === original) throw new Error('the edit changed nothing');
  writeFileSync(file, edited);
  let stdout = '';
  const code = await runValidate([root, '--format', 'json'], { stdout: (text) => (stdout += text), stderr: () => undefined });
  return { code, diagnostics: JSON.parse(stdout).diagnostics };
}

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('paging and bulk fields at load', () => {
  it('accepts the fixture', async () => {
    const result = await validateEdited((spec) => `${spec}\n`);
    expect(result.diagnostics).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('names an unknown query key', async () => {
    let edited = '';
    const result = await validateEdited((spec) => (edited = spec.replace('    key: id\n', '    key: idd\n')));
    expect(result.code).toBe(1);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code: 'unknown-column', line: lineOf(edited, 'key: idd') });
    expect(result.diagnostics[0].message).toContain('`idd`');
    expect(result.diagnostics[0].hint).toContain('id');
  });

  it('names an unknown bulk action', async () => {
    let edited = '';
    const result = await validateEdited((spec) => (edited = spec.replace('bulkActions: [closeItem]', 'bulkActions: [closeItm]')));
    expect(result.code).toBe(1);
    expect(result.diagnostics[0]).toMatchObject({ line: lineOf(edited, 'closeItm') });
    expect(result.diagnostics[0].hint ?? result.diagnostics[0].message).toContain('closeItem');
  });

  it('rejects an unknown selection mode and badge colour', async () => {
    const selection = await validateEdited((spec) => spec.replace('selection: multiple', 'selection: many'));
    expect(selection.code).toBe(1);
    const colour = await validateEdited((spec) => spec.replace('closed: grey', 'closed: purple'));
    expect(colour.code).toBe(1);
  });
});
