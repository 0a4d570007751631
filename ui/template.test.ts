import { describe, expect, it } from 'vitest';
import { fillTemplate, lookup, placeholderPaths, resolveParams } from './template.js';

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
