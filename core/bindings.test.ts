import { describe, expect, it } from 'vitest';
import { bindingPaths, checkBindingPath, evaluateBinding, parseBindings, type BindingScope } from './bindings.js';

/** Parses a template holding exactly one expression and evaluates it. */
function run(text: string, scope: unknown): unknown {
  const parsed = parseBindings(text);
  expect(parsed.errors).toEqual([]);
  expect(parsed.expressions).toHaveLength(1);
  return evaluateBinding(parsed.expressions[0].node, scope);
}

function firstError(text: string) {
  const parsed = parseBindings(text);
  expect(parsed.errors).toHaveLength(1);
  return parsed.errors[0];
}

describe('parseBindings', () => {
  it('reads a path with its offsets', () => {
    const parsed = parseBindings('id {{ customers.selected.CustomerId }}');
    expect(parsed.errors).toEqual([]);
    expect(parsed.expressions[0].offset).toBe(3);
    expect(parsed.expressions[0].length).toBe(35);
    const [path] = bindingPaths(parsed.expressions[0].node);
    expect(path.segments).toEqual(['customers', 'selected', 'CustomerId']);
    expect(path.offset).toBe(6);
  });

  it('lists every path of an expression in order', () => {
    const parsed = parseBindings('{{ f.country ?? url.country ?? "BR" }}');
    expect(bindingPaths(parsed.expressions[0].node).map((path) => path.segments.join('.'))).toEqual(['f.country', 'url.country']);
  });

  it('keeps `}}` inside a string literal', () => {
    expect(run('{{ a.b ?? "}}" }}', {})).toBe('}}');
  });

  it('reports an unclosed placeholder', () => {
    expect(firstError('x {{ a.b').message).toContain('never closed');
  });

  it('reports an empty placeholder', () => {
    expect(firstError('{{  }}').message).toContain('empty placeholder');
  });

  it('reports a dangling operator at its offset', () => {
    const error = firstError('{{ a.b == }}');
    expect(error.message).toContain('expected a path or a value');
    expect(error.offset).toBe(10);
  });

  it('reports an unexpected character', () => {
    const error = firstError('{{ a.b | upper }}');
    expect(error.message).toContain('`|`');
    expect(error.offset).toBe(7);
  });

  it('reports a missing closing bracket', () => {
    expect(firstError('{{ (a.b || c.d }}').message).toContain('expected `)`');
  });

  it('reports an unclosed string', () => {
    expect(firstError('{{ "abc }}').message).toContain('never closed');
  });

  it('reports two expressions side by side', () => {
    expect(firstError('{{ a.b c.d }}').message).toContain('after a complete expression');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects the `%s` segment', (segment) => {
    expect(firstError(`{{ t.selected.${segment} }}`).message).toContain(`\`${segment}\` may not appear`);
    expect(firstError(`{{ ${segment}.x }}`).message).toContain('prototype');
  });

  it('rejects calls and indexing', () => {
    expect(parseBindings('{{ user.name() }}').errors).toHaveLength(1);
    expect(parseBindings('{{ user["name"] }}').errors).toHaveLength(1);
  });
});

describe('evaluateBinding', () => {
  const scope = {
    customers: { selected: { CustomerId: 7, Country: 'Brazil' }, selectedRows: [{ CustomerId: 7 }] },
    f: { country: 'Brazil', minimum: '10', empty: '' },
    url: { page: '2' },
    user: { id: 'ana', name: 'Ana', email: 'ana@example.com' },
  };

  it('reads paths and literals', () => {
    expect(run('{{ customers.selected.CustomerId }}', scope)).toBe(7);
    expect(run('{{ customers.selectedRows }}', scope)).toEqual([{ CustomerId: 7 }]);
    expect(run("{{ 'it\\'s' }}", scope)).toBe("it's");
    expect(run('{{ 2.5 }}', scope)).toBe(2.5);
    expect(run('{{ null }}', scope)).toBeNull();
    expect(run('{{ true }}', scope)).toBe(true);
  });

  it('gives undefined for a missing path', () => {
    expect(run('{{ orders.selected.Id }}', scope)).toBeUndefined();
    expect(run('{{ customers.selected.CustomerId.more }}', scope)).toBeUndefined();
  });

  it('falls back with `??` on missing and null only', () => {
    expect(run('{{ orders.selected.Id ?? 0 }}', scope)).toBe(0);
    expect(run('{{ f.empty ?? "x" }}', scope)).toBe('');
    expect(run('{{ null ?? f.country }}', scope)).toBe('Brazil');
  });

  it('compares numbers with their text', () => {
    expect(run('{{ customers.selected.CustomerId == "7" }}', scope)).toBe(true);
    expect(run('{{ customers.selected.CustomerId != 7 }}', scope)).toBe(false);
    expect(run('{{ f.minimum > 9 }}', scope)).toBe(true);
    expect(run('{{ f.minimum < 9 }}', scope)).toBe(false);
    expect(run('{{ f.country < "Canada" }}', scope)).toBe(true);
  });

  it('does not order mixed values', () => {
    expect(run('{{ f.country < 5 }}', scope)).toBe(false);
    expect(run('{{ f.country > 5 }}', scope)).toBe(false);
    expect(run('{{ true > false }}', scope)).toBe(false);
  });

  it('treats missing and null as equal', () => {
    expect(run('{{ orders.selected.Id == null }}', scope)).toBe(true);
    expect(run('{{ f.empty == null }}', scope)).toBe(false);
  });

  it('applies `!`, `&&` and `||` with their precedence', () => {
    expect(run('{{ !f.empty }}', scope)).toBe(true);
    expect(run('{{ f.empty || "all" }}', scope)).toBe('all');
    expect(run('{{ f.country == "Brazil" && user.id }}', scope)).toBe('ana');
    expect(run('{{ false && false || true }}', scope)).toBe(true);
    expect(run('{{ false && (false || true) }}', scope)).toBe(false);
    expect(run('{{ !(1 == 1) }}', scope)).toBe(false);
  });

  it('reads no inherited or function values', () => {
    expect(run('{{ f.toString }}', scope)).toBeUndefined();
    expect(run('{{ f.hasOwnProperty }}', scope)).toBeUndefined();
    expect(run('{{ tools.run }}', { tools: { run: () => 1 } })).toBeUndefined();
  });
});

describe('checkBindingPath', () => {
  const scope: BindingScope = {
    tables: new Map<string, readonly string[] | undefined>([['customers', ['CustomerId', 'Country']], ['loose', undefined]]),
    forms: new Set(['edit']),
    filters: new Map([['f', ['country', 'since']]]),
  };
  const check = (path: string) => checkBindingPath(path.split('.'), scope);

  it('accepts every documented path form', () => {
    for (const path of ['customers.selected.CustomerId', 'customers.selectedRows', 'loose.selected.Anything', 'edit.values.name', 'f.country', 'url.anything', 'user.id', 'user.name', 'user.email']) {
      expect(check(path), path).toBeUndefined();
    }
  });

  it('reports an unknown root with a suggestion', () => {
    const problem = check('custmers.name');
    expect(problem?.code).toBe('template-unknown-scope');
    expect(problem?.hint).toContain('Did you mean `customers`?');
  });

  it('reports a table not placed above', () => {
    const problem = check('orders.selected.Id');
    expect(problem?.code).toBe('template-unknown-table');
    expect(problem?.message).toContain('`orders`');
  });

  it('reports an unknown column with a suggestion', () => {
    const problem = check('customers.selected.Contry');
    expect(problem?.code).toBe('unknown-column');
    expect(problem?.hint).toContain('Did you mean `Country`?');
  });

  it('reports a table path without `selected`', () => {
    expect(check('customers.CustomerId')?.code).toBe('template-unknown-scope');
    expect(check('customers.selected')?.code).toBe('template-unknown-scope');
  });

  it('reports an unknown filter field', () => {
    const problem = check('f.contry');
    expect(problem?.code).toBe('template-unknown-scope');
    expect(problem?.hint).toContain('Did you mean `country`?');
  });

  it('reports an unknown user field', () => {
    expect(check('user.password')?.code).toBe('template-unknown-scope');
    expect(check('user')?.code).toBe('template-unknown-scope');
  });

  it('reports a form path without `values`', () => {
    expect(check('edit.name')?.code).toBe('template-unknown-scope');
  });

  it('reports a url path of the wrong length', () => {
    expect(check('url')?.code).toBe('template-unknown-scope');
    expect(check('url.a.b')?.code).toBe('template-unknown-scope');
  });
});
