import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runValidate } from '../../runtime/commands/validate.js';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';

let temp: TempRoot | undefined;
afterEach(() => {
  temp?.remove();
  temp = undefined;
});

/** Applies one edit to a copy of the example, runs `opsdeck validate --format json` on it and returns its diagnostics. */
async function validateEdited(edit: (spec: string) => string, extra?: (appDir: string) => void): Promise<{ code: number; diagnostics: Array<{ code: string; file: string; line: number; col: number; message: string; hint?: string }> }> {
  temp = copyChinookApp();
  const file = join(temp.appDir, 'app.yaml');
  const original = readFileSync(file, 'utf8');
  const edited = edit(original);
  if (edited === original) throw new Error('the edit changed nothing');
  writeFileSync(file, edited);
  extra?.(temp.appDir);
  let stdout = '';
  const code = await runValidate([temp.root, '--format', 'json'], { stdout: (text) => (stdout += text), stderr: () => undefined });
  return { code, diagnostics: JSON.parse(stdout).diagnostics };
}

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('checks against the database', () => {
  it('finds invalid SQL', async () => {
    const result = await validateEdited((spec) => spec.replace('select invoice_id as "InvoiceId"', 'selec invoice_id as "InvoiceId"'));
    expect(result.code).toBe(1);
    expect(result.diagnostics[0]).toMatchObject({ code: 'sql-invalid' });
    expect(result.diagnostics[0].message).toContain('near "selec"');
  });

  it('finds a second statement', async () => {
    const result = await validateEdited((spec) => spec.replace('where customer_id = :id\n', 'where customer_id = :id; delete from customer_note\n'));
    expect(result.diagnostics.map((d) => d.code)).toEqual(['sql-multiple-statements']);
  });

  it('finds a query that writes', async () => {
    const result = await validateEdited((spec) => spec.replace('select note_id, created_at, author, body\n      from customer_note\n      where customer_id = :customerId', 'delete from customer_note where customer_id = :customerId returning note_id, created_at, author, body'));
    expect(result.diagnostics.map((d) => d.code)).toEqual(['sql-query-writes']);
  });

  it('finds a table column the query lacks', async () => {
    let spec = '';
    const result = await validateEdited((text) => (spec = text.replace('{ field: BillingCity, label: City }', '{ field: BillingCty, label: City }')));
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code: 'unknown-column', line: lineOf(spec, 'BillingCty') });
    expect(result.diagnostics[0].hint).toBe('Did you mean `BillingCity`?');
  });

  it('finds a selected-row field the source table lacks', async () => {
    const result = await validateEdited((spec) => spec.replace('{{ invoices.selected.InvoiceId }}', '{{ invoices.selected.InvoiceID }}'));
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unknown-column']);
    expect(result.diagnostics[0].hint).toBe('Did you mean `InvoiceId`?');
  });

  it('finds template and row action columns', async () => {
    const result = await validateEdited((spec) =>
      spec
        .replace('success: Contact details of {{ row.FirstName }}', 'success: Contact details of {{ row.FirstNme }}')
        .replace('email: Email, phone: Phone', 'email: EMail, phone: Phone')
        .replace('when: { Status: ok }', 'when: { State: ok }'),
    );
    expect(result.diagnostics.map((d) => d.code).sort()).toEqual(['unknown-column', 'unknown-column', 'unknown-column']);
    const messages = result.diagnostics.map((d) => d.message).join('\n');
    expect(messages).toContain('FirstNme');
    expect(messages).toContain('EMail');
    expect(messages).toContain('State');
  });

  it('points a failed migration at its file', async () => {
    const result = await validateEdited(
      (spec) => spec.replace('title: Chinook support', 'title: Chinook support desk'),
      (appDir) => writeFileSync(join(appDir, 'migrations', '003_broken.sql'), 'CREATE TABL oops (id INTEGER);\n'),
    );
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0].code).toBe('migration-failed');
    expect(result.diagnostics[0].file).toMatch(/migrations\/003_broken\.sql$/);
  });
});
