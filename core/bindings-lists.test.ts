// Bindings over a table's several selected rows and over form fields:
// reading a column of every selected row, the count, and checks of form fields.
import { describe, expect, it } from 'vitest';
import { checkBindingPath, evaluateBinding, parseBindings, readPath, type BindingScope } from './bindings.js';

function run(text: string, scope: unknown): unknown {
  const parsed = parseBindings(text);
  expect(parsed.errors).toEqual([]);
  return evaluateBinding(parsed.expressions[0].node, scope);
}

describe('readPath through lists', () => {
  const scope = {
    orders: { selectedRows: [{ Id: 1, Total: 5 }, { Id: 2 }, { Total: 7 }], selectedCount: 3 },
  };

  it('reads a field of every item', () => {
    expect(readPath(scope, ['orders', 'selectedRows', 'Id'])).toEqual([1, 2]);
    expect(readPath(scope, ['orders', 'selectedRows', 'Total'])).toEqual([5, 7]);
  });

  it('gives an empty list for an empty selection', () => {
    expect(readPath({ orders: { selectedRows: [] } }, ['orders', 'selectedRows', 'Id'])).toEqual([]);
  });

  it('never reads inherited fields of items', () => {
    expect(readPath(scope, ['orders', 'selectedRows', 'constructor'])).toBeUndefined();
    expect(readPath(scope, ['orders', 'selectedRows', 'toString'])).toEqual([]);
    expect(readPath(scope, ['orders', 'selectedRows', 'length'])).toEqual([]);
  });

  it('reads an item by index', () => {
    expect(readPath(scope, ['orders', 'selectedRows', '1', 'Id'])).toBe(2);
  });

  it('evaluates a count and a list in expressions', () => {
    expect(run('{{ orders.selectedCount > 2 }}', scope)).toBe(true);
    expect(run('{{ orders.selectedRows.Id }}', scope)).toEqual([1, 2]);
  });
});

describe('checkBindingPath for lists and forms', () => {
  const scope: BindingScope = {
    tables: new Map([['orders', ['Id', 'Total']]]),
    forms: new Set(['note', 'loose']),
    formFields: new Map([['note', ['body', 'id']]]),
    filters: new Map(),
  };
  const check = (path: string) => checkBindingPath(path.split('.'), scope);

  it('accepts the count and a column of the selected rows', () => {
    expect(check('orders.selectedCount')).toBeUndefined();
    expect(check('orders.selectedRows.Id')).toBeUndefined();
  });

  it('reports an unknown column of the selected rows', () => {
    const problem = check('orders.selectedRows.Totl');
    expect(problem?.code).toBe('unknown-column');
    expect(problem?.message).toBe('`Totl` is not a column of table `orders`');
    expect(problem?.hint).toContain('Did you mean `Total`?');
  });

  it('reports a count with a field', () => {
    const problem = check('orders.selectedCount.Id');
    expect(problem?.code).toBe('template-unknown-scope');
    expect(problem?.hint).toContain('`{{ orders.selectedCount }}`');
  });

  it('reports the count of a table not placed above', () => {
    expect(check('lines.selectedCount')?.code).toBe('template-unknown-table');
  });

  it('accepts a field of a form', () => {
    expect(check('note.values.body')).toBeUndefined();
    expect(check('loose.values.anything')).toBeUndefined();
  });

  it('reports an unknown form field with a suggestion', () => {
    const problem = check('note.values.bdy');
    expect(problem?.code).toBe('template-unknown-scope');
    expect(problem?.message).toBe('`{{ note.values.bdy }}` is not a field of form `note`');
    expect(problem?.hint).toContain('Did you mean `body`?');
  });
});
