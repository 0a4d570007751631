// Load checks of parameter form hints (`options`, `visibleWhen`, `items`,
// `widget`) and form `defaults`, as `opsdeck validate` reports them.
import { afterEach, describe, expect, it } from 'vitest';
import { runValidate } from '../../runtime/commands/validate.js';
import type { TempRoot } from '../helpers/apps.js';
import { copyFormsApp } from '../fixtures/f2/copy.js';

interface Reported {
  code: string;
  line: number;
  message: string;
  hint?: string;
  severity?: string;
}

let temp: TempRoot | undefined;
afterEach(() => {
  temp?.remove();
  temp = undefined;
});

async function validateEdited(from: string, to: string): Promise<{ code: number; errors: Reported[] }> {
  temp = copyFormsApp((spec) => {
    if (!spec.includes(from)) throw new Error(`the fixture does not contain ${from}`);
    return spec.replace(from, to);
  });
  let stdout = '';
  const code = await runValidate([temp.root, '--format', 'json'], { stdout: (text) => (stdout += text), stderr: () => undefined });
  const diagnostics = JSON.parse(stdout).diagnostics as Reported[];
  return { code, errors: diagnostics.filter((d) => d.severity !== 'warning') };
}

const CUSTOMER = 'customerId: { type: integer, title: Customer, options: { query: customers, value: Id, label: Name } }';

describe('form hint load checks', () => {
  it('accepts the fixture app', async () => {
    const result = await validateEdited('title: Form fields', 'title: Form fields');
    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('reports an unknown options query', async () => {
    const result = await validateEdited(CUSTOMER, CUSTOMER.replace('query: customers', 'query: customer'));
    expect(result.code).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].code).toBe('unknown-query');
    expect(result.errors[0].hint).toBe('Did you mean `customers`?');
  });

  it('reports an unknown options column', async () => {
    const result = await validateEdited(CUSTOMER, CUSTOMER.replace('label: Name', 'label: Nme'));
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].code).toBe('unknown-column');
    expect(result.errors[0].message).toContain('`Nme`');
    expect(result.errors[0].hint).toBe('Did you mean `Name`?');
  });

  it('reports visibleWhen naming an unknown parameter', async () => {
    const result = await validateEdited('visibleWhen: { field: kind,', 'visibleWhen: { field: knd,');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].code).toBe('unknown-param');
    expect(result.errors[0].hint).toBe('Did you mean `kind`?');
  });

  it('reports a visibleWhen cycle', async () => {
    const result = await validateEdited('kind: { type: string, enum: [refund, credit], title: Kind }', 'kind: { type: string, enum: [refund, credit], title: Kind, visibleWhen: { field: refundReason, equals: x } }');
    expect(result.errors.map((error) => error.code)).toEqual(['visible-when-cycle', 'visible-when-cycle']);
  });

  it('reports an array parameter without items', async () => {
    const result = await validateEdited('tags: { type: array, title: Tags, items: { type: string, enum: [red, green, blue] } }', 'tags: { type: array, title: Tags }');
    expect(result.errors.map((error) => error.code)).toEqual(['array-param-items']);
  });

  it('reports a money widget on text', async () => {
    const result = await validateEdited('price: { type: number, widget: money', 'price: { type: string, widget: money');
    expect(result.errors.map((error) => error.code)).toEqual(['money-param-type']);
  });

  it('reports a form default for an unknown parameter', async () => {
    const result = await validateEdited('defaults: { email:', 'defaults: { emial:');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].code).toBe('unknown-param');
    expect(result.errors[0].hint).toBe('Did you mean `email`?');
  });
});
