// Load checks of `{{ }}` bindings in stats, markdown and form defaults against
// the database: a column the earlier table's query does not return is
// reported as `opsdeck validate` reports it.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runValidate } from '../../runtime/commands/validate.js';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { bindingsAppText } from '../fixtures/bindings/bindings-app.js';

interface Reported {
  code: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
  severity?: string;
}

let temp: TempRoot | undefined;
afterEach(() => {
  temp?.remove();
  temp = undefined;
});

/** Validates the bindings fixture with `from` replaced by `to`; returns the errors and the edited text. */
async function validateEdited(from = '', to = ''): Promise<{ code: number; errors: Reported[]; spec: string }> {
  const original = bindingsAppText();
  if (!original.includes(from)) throw new Error(`the fixture does not contain ${from}`);
  const spec = from === '' ? original : original.replace(from, to);
  temp = copyChinookApp();
  writeFileSync(join(temp.appDir, 'app.yaml'), spec);
  let stdout = '';
  const code = await runValidate([temp.root, '--format', 'json'], { stdout: (text) => (stdout += text), stderr: () => undefined });
  const diagnostics = JSON.parse(stdout).diagnostics as Reported[];
  return { code, errors: diagnostics.filter((d) => d.severity !== 'warning'), spec };
}

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('binding column checks', () => {
  it('accepts the fixture app', async () => {
    const result = await validateEdited();
    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('reports an unknown column in markdown', async () => {
    const result = await validateEdited('{{ invoices.selectedRows.InvoiceId }}"\n', '{{ invoices.selectedRows.InvoiceID }}"\n');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code: 'unknown-column', line: lineOf(result.spec, 'InvoiceID'), message: '`InvoiceID` is not a column of table `invoices`' });
    expect(result.errors[0].hint).toBe('Did you mean `InvoiceId`?');
  });

  it('reports an unknown column in stat params', async () => {
    const result = await validateEdited('params: { ids: "{{ invoices.selectedRows.InvoiceId }}" }', 'params: { ids: "{{ invoices.selectedRows.Id }}" }');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code: 'unknown-column', line: lineOf(result.spec, 'selectedRows.Id }}'), message: '`Id` is not a column of table `invoices`' });
  });

  it('reports an unknown column in form defaults', async () => {
    const result = await validateEdited('defaults: { id: "{{ customers.selected.CustomerId }}"', 'defaults: { id: "{{ customers.selected.CustomerID }}"');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code: 'unknown-column', line: lineOf(result.spec, 'CustomerID'), message: '`CustomerID` is not a column of table `customers`' });
    expect(result.errors[0].hint).toBe('Did you mean `CustomerId`?');
  });
});
