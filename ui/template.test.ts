import { describe, expect, it } from 'vitest';
import { bindingScope, fillTemplate, lookup, placeholderPaths, resolveParams } from './template.js';

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
