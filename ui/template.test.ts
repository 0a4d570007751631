import { describe, expect, it } from 'vitest';
import { bindingScope, fillSlots, fillTemplate, lookup, placeholderPaths, resolveParams, slotBindings } from './template.js';

describe('fillTemplate', () => {
  it('fills row and params placeholders', () => {
    const scope = { row: { FirstName: 'Luís', LastName: 'Gonçalves' }, params: { reason: 'late' } };
    expect(fillTemplate('Flag {{ row.FirstName }} {{row.LastName}} for {{ params.reason }}?', scope)).toBe('Flag Luís Gonçalves for late?');
  });

  it('leaves missing and null values empty', () => {
    expect(fillTemplate('a{{ row.x }}b{{ row.y }}c', { row: { y: null } })).toBe('abc');
  });

  it('does not read inherited properties', () => {
    expect(fillTemplate('{{ row.constructor }}', { row: {} })).toBe('');
    expect(lookup({ row: {} }, 'row.__proto__')).toBeUndefined();
  });

  it('keeps markup as text', () => {
    expect(fillTemplate('{{ row.name }}', { row: { name: '<b>x</b>' } })).toBe('<b>x</b>');
  });
});

describe('placeholderPaths', () => {
  it('lists paths in order', () => {
    expect(placeholderPaths('{{ a.b }} and {{c}}')).toEqual(['a.b', 'c']);
  });
});

describe('resolveParams', () => {
  const params = { customerId: '{{ customers.selected.CustomerId }}', label: 'id {{ customers.selected.CustomerId }}', limit: 5 };

  it('reports a missing selection', () => {
    const resolved = resolveParams(params, {});
    expect(resolved.missingSelections).toEqual(['customers']);
  });

  it('keeps the type of a whole placeholder', () => {
    const resolved = resolveParams(params, { customers: { CustomerId: 7 } });
    expect(resolved.missingSelections).toEqual([]);
    expect(resolved.values.customerId).toBe(7);
    expect(resolved.values.label).toBe('id 7');
    expect(resolved.values.limit).toBe(5);
  });

  it('sends null for a selected row without the field', () => {
    expect(resolveParams(params, { customers: { Other: 1 } }).values.customerId).toBeNull();
  });

  it('treats a cleared selection as missing', () => {
    expect(resolveParams(params, { customers: undefined }).missingSelections).toEqual(['customers']);
  });
});

describe('resolveParams with bindings', () => {
  const context = {
    filters: { f: { country: 'Brazil', since: '' } },
    forms: { edit: { name: 'Ana' } },
    url: { page: '3' },
    user: { id: 'ana', name: 'Ana', email: 'ana@example.com' },
  };

  it('reads filters, forms, url and user', () => {
    const params = { country: '{{ f.country }}', name: '{{ edit.values.name }}', page: '{{ url.page }}', owner: '{{ user.email }}' };
    expect(resolveParams(params, {}, context).values).toEqual({ country: 'Brazil', name: 'Ana', page: '3', owner: 'ana@example.com' });
  });

  it('applies defaults and operators', () => {
    const params = { since: '{{ f.since || "2020-01-01" }}', id: '{{ customers.selected.CustomerId ?? 0 }}', mine: '{{ user.id == "ana" }}' };
    const resolved = resolveParams(params, {}, context);
    expect(resolved.values).toEqual({ since: '2020-01-01', id: 0, mine: true });
    expect(resolved.missingSelections).toEqual([]);
  });

  it('lists the selected rows of a table', () => {
    const resolved = resolveParams({ rows: '{{ customers.selectedRows }}' }, { customers: { CustomerId: 7 } });
    expect(resolved.values.rows).toEqual([{ CustomerId: 7 }]);
  });

  it('mixes text and expressions', () => {
    expect(resolveParams({ label: 'in {{ f.country ?? "any" }} for {{ user.name }}' }, {}, context).values.label).toBe('in Brazil for Ana');
  });

  it('sends null for a syntax error', () => {
    expect(resolveParams({ country: '{{ f.country | upper }}' }, {}, context).values.country).toBeNull();
  });

  it('never reaches prototypes or globals', () => {
    const params = { a: '{{ f.country.length }}', b: '{{ url.toString }}', c: '{{ globalThis.process }}', d: '{{ hasOwnProperty }}' };
    expect(resolveParams(params, {}, context).values).toEqual({ a: null, b: null, c: null, d: null });
  });

  it('builds a scope without a prototype', () => {
    expect(Object.getPrototypeOf(bindingScope({}))).toBeNull();
  });
});

describe('bindingScope with several selected rows', () => {
  const rows = [{ InvoiceId: 1, Total: 2.5 }, { InvoiceId: 4, Total: 1 }];

  it('lists every checked row, the count and one column', () => {
    const params = { rows: '{{ invoices.selectedRows }}', count: '{{ invoices.selectedCount }}', ids: '{{ invoices.selectedRows.InvoiceId }}' };
    const resolved = resolveParams(params, { invoices: rows[1] }, { selectedRows: { invoices: rows } });
    expect(resolved.values).toEqual({ rows, count: 2, ids: [1, 4] });
    expect(resolved.missingSelections).toEqual([]);
  });

  it('keeps the last checked row as `selected`', () => {
    const scope = bindingScope({ invoices: rows[1] }, { selectedRows: { invoices: rows } });
    expect(lookup(scope, 'invoices.selected.InvoiceId')).toBe(4);
  });

  it('gives an empty list and zero for a table without a selection', () => {
    const resolved = resolveParams({ ids: '{{ invoices.selectedRows.InvoiceId }}', count: '{{ invoices.selectedCount }}' }, {}, { selectedRows: { invoices: [] } });
    expect(resolved.values).toEqual({ ids: [], count: 0 });
    expect(resolved.missingSelections).toEqual([]);
  });

  it('lists the one selected row of a single-selection table', () => {
    const scope = bindingScope({ customers: { CustomerId: 7 } });
    expect(lookup(scope, 'customers.selectedCount')).toBe(1);
    expect(lookup(scope, 'customers.selectedRows')).toEqual([{ CustomerId: 7 }]);
  });

  it('mixes a list into text with commas', () => {
    expect(resolveParams({ label: 'ids {{ invoices.selectedRows.InvoiceId }}' }, {}, { selectedRows: { invoices: rows } }).values.label).toBe('ids [1,4]');
  });
});

describe('slotBindings and fillSlots', () => {
  const scope = bindingScope({ customers: { CustomerId: 7, Name: '**Ana** <b>' } }, { selectedRows: { invoices: [{ Id: 1 }, { Id: 2 }] }, user: { id: 'ana', email: 'ana@example.com' } });

  it('replaces each binding with a numbered slot', () => {
    const slotted = slotBindings('Hi {{ user.email }}, {{ invoices.selectedCount }} picked: {{ invoices.selectedRows.Id }}', scope);
    expect(slotted.text).toBe('Hi \uE0000\uE001, \uE0001\uE001 picked: \uE0002\uE001');
    expect(slotted.values).toEqual(['ana@example.com', '2', '1, 2']);
    expect(fillSlots(slotted.text, slotted.values)).toBe('Hi ana@example.com, 2 picked: 1, 2');
  });

  it('keeps values out of the text it returns', () => {
    const slotted = slotBindings('{{ customers.selected.Name }}', scope);
    expect(slotted.text).not.toContain('Ana');
    expect(fillSlots(slotted.text, slotted.values)).toBe('**Ana** <b>');
  });

  it('encodes values for a link target', () => {
    const slotted = slotBindings('https://x.example/c/{{ customers.selected.Name }}', scope);
    expect(fillSlots(slotted.text, slotted.values, encodeURIComponent)).toBe('https://x.example/c/**Ana**%20%3Cb%3E');
  });

  it('leaves missing values empty and syntax errors as written', () => {
    const slotted = slotBindings('a{{ orders.selected.Id }}b {{ x | y }}', scope);
    expect(fillSlots(slotted.text, slotted.values)).toBe('ab {{ x | y }}');
  });

  it('drops slot characters from the input', () => {
    const slotted = slotBindings('\uE0000\uE001 {{ user.id }}', scope);
    expect(fillSlots(slotted.text, slotted.values)).toBe('0 ana');
  });
});
