// Job SQL checked against the app's database by `opsdeck validate`: invalid
// step SQL, a batch query that writes, and a batch key the query lacks.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runValidate } from '../../runtime/commands/validate.js';
import type { TempRoot } from '../helpers/apps.js';
import { jobsSpec, writeJobsApp } from './jobs-app.js';

let temp: TempRoot | undefined;
afterEach(() => {
  temp?.remove();
  temp = undefined;
});

async function validateEdited(edit: (spec: string) => string): Promise<{ code: number; diagnostics: Array<{ code: string; line: number; col: number; message: string }> }> {
  const spec = jobsSpec();
  const edited = edit(spec);
  if (edited === spec) throw new Error('the edit changed nothing');
  temp = writeJobsApp(edited);
  let stdout = '';
  const code = await runValidate([temp.root, '--format', 'json'], { stdout: (text) => (stdout += text), stderr: () => undefined });
  return { code, diagnostics: JSON.parse(stdout).diagnostics };
}

describe('job SQL against the database', () => {
  it('accepts the valid app', async () => {
    temp = writeJobsApp();
    let stdout = '';
    const code = await runValidate([temp.root, '--format', 'json'], { stdout: (text) => (stdout += text), stderr: () => undefined });
    expect(JSON.parse(stdout).diagnostics.filter((d: { severity: string }) => d.severity === 'error')).toEqual([]);
    expect(code).toBe(0);
  });

  it('finds invalid SQL in a job step, at its line', async () => {
    const result = await validateEdited((spec) => spec.replace('sql: delete from totals', 'sql: delete from totalz'));
    expect(result.code).toBe(1);
    const found = result.diagnostics.find((d) => d.code === 'sql-invalid')!;
    expect(found.line).toBe(jobsSpec().split('\n').findIndex((line) => line.includes('delete from totals')) + 1);
    expect(found.message).toContain('job `rebuild` step `clear`');
    expect(found.message).toContain('no such table: totalz');
  });

  it('refuses a batch query that writes', async () => {
    const result = await validateEdited((spec) => spec.replace("query: 'select id from items where amount >= 0'", "query: 'delete from items returning id'"));
    expect(result.diagnostics.map((d) => d.code)).toContain('sql-query-writes');
  });

  it('names a batch key that the query does not return, with a suggestion', async () => {
    const result = await validateEdited((spec) => spec.replace('key: id, size', 'key: ids, size'));
    const found = result.diagnostics.find((d) => d.code === 'unknown-column')!;
    expect(found.message).toBe('batch key `ids` is not a column of the batch query of job `rebuild` step `copy`');
  });

  it('checks the options of job parameters like those of actions', async () => {
    const unknownColumn = await validateEdited((spec) => spec.replace('options: { query: factors, value: factor }', 'options: { query: factors, value: factr }'));
    expect(unknownColumn.diagnostics.map((d) => d.code)).toContain('unknown-column');
    const unknownQuery = await validateEdited((spec) => spec.replace('options: { query: factors, value: factor }', 'options: { query: factorz, value: factor }'));
    expect(unknownQuery.diagnostics.find((d) => d.code === 'unknown-query')?.message).toContain('`factorz`');
  });
});
