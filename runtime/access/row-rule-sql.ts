// Turns a row rule into a SQL condition on the wrapped query's columns, with
// every value bound as a parameter, and evaluates the same rule on rows held
// in memory (HTTP queries). Both follow SQL's three-valued logic: a
// comparison with a missing user value is unknown, and only rows for which
// the whole rule is true are kept, so a missing value never widens access.
import type { Operand, RowRule } from '../../core/row-rules.js';
import type { SqlDialect } from '../datasources/datasource.js';
import { toBindValue, type BindValue } from '../datasources/values.js';
import type { Identity } from '../identity.js';

type Scalar = string | number | boolean;
type UserValue = Scalar | Scalar[] | null;

/** What the SQL builder needs of a data source. */
export interface RuleFlavour {
  dialect: SqlDialect;
  quoteIdentifier(name: string): string;
  placeholder(index: number): string;
}

/** Returns a value of the signed-in user: `id`, `email`, `name`, `groups`, else an identity attribute; null when missing. */
export function userValue(identity: Identity, name: string): UserValue {
  switch (name) {
    case 'id':
      return identity.id;
    case 'email':
      return identity.email ?? null;
    case 'name':
      return identity.name;
    case 'groups':
      return identity.groups;
    default:
      return Object.hasOwn(identity.attributes, name) ? identity.attributes[name] : null;
  }
}

function operandValue(operand: Operand, identity: Identity): UserValue {
  return operand.kind === 'literal' ? operand.value : userValue(identity, operand.name);
}

/**
 * Builds the condition for rules joined with `or`. The bound values are
 * appended to `values`; `firstIndex` is the placeholder number of the first
 * value this call appends.
 */
export function rulesToSql(rules: RowRule[], identity: Identity, flavour: RuleFlavour, values: BindValue[], firstIndex: number): string {
  const start = values.length;
  const bind = (value: Scalar | null): string => {
    values.push(value === null ? null : toBindValue('row rule', value, flavour.dialect));
    return flavour.placeholder(firstIndex + values.length - start - 1);
  };
  const visit = (node: RowRule): string => {
    switch (node.kind) {
      case 'and':
      case 'or':
        return `(${node.items.map(visit).join(` ${node.kind.toUpperCase()} `)})`;
      case 'not':
        return `(NOT ${visit(node.item)})`;
      case 'null':
        return `(${flavour.quoteIdentifier(node.column)} IS ${node.negated ? 'NOT ' : ''}NULL)`;
      case 'compare': {
        const value = operandValue(node.value, identity);
        // A list compared with `=` has no single value: unknown, like a comparison with NULL.
        const scalar = Array.isArray(value) ? null : value;
        return `(${flavour.quoteIdentifier(node.column)} ${node.op === '!=' ? '<>' : node.op} ${bind(scalar)})`;
      }
      case 'in': {
        const list = inList(node.values, identity);
        if (list === null) return `(${flavour.quoteIdentifier(node.column)} IN (${bind(null)}))`;
        if (list.length === 0) return node.negated ? '(1 = 1)' : '(1 = 0)';
        return `(${flavour.quoteIdentifier(node.column)} ${node.negated ? 'NOT ' : ''}IN (${list.map((item) => bind(item)).join(', ')}))`;
      }
    }
  };
  if (rules.length === 0) return '(1 = 0)';
  return rules.length === 1 ? visit(rules[0]) : `(${rules.map(visit).join(' OR ')})`;
}

/** The values of an `in` list; null when a user value in it is missing, which makes the test unknown. */
function inList(values: Operand[] | { kind: 'user'; name: string }, identity: Identity): Array<Scalar | null> | null {
  if (!Array.isArray(values)) {
    const value = userValue(identity, values.name);
    if (value === null) return null;
    return Array.isArray(value) ? value : [value];
  }
  return values.map((operand) => {
    const value = operandValue(operand, identity);
    return Array.isArray(value) ? null : value;
  });
}

type Truth = boolean | null;

/** True when a row held in memory passes any of the rules (the same logic as the SQL condition). */
export function rowPasses(rules: RowRule[], row: Record<string, unknown>, identity: Identity): boolean {
  return rules.some((rule) => evaluate(rule, row, identity) === true);
}

function evaluate(node: RowRule, row: Record<string, unknown>, identity: Identity): Truth {
  switch (node.kind) {
    case 'and': {
      const results = node.items.map((item) => evaluate(item, row, identity));
      return results.includes(false) ? false : results.includes(null) ? null : true;
    }
    case 'or': {
      const results = node.items.map((item) => evaluate(item, row, identity));
      return results.includes(true) ? true : results.includes(null) ? null : false;
    }
    case 'not': {
      const result = evaluate(node.item, row, identity);
      return result === null ? null : !result;
    }
    case 'null': {
      const isNull = row[node.column] === null || row[node.column] === undefined;
      return node.negated ? !isNull : isNull;
    }
    case 'compare': {
      const value = operandValue(node.value, identity);
      const order = compare(row[node.column], Array.isArray(value) ? null : value);
      if (order === null) return null;
      return { '=': order === 0, '!=': order !== 0, '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 }[node.op];
    }
    case 'in': {
      const list = inList(node.values, identity);
      if (list === null) return null;
      if (list.length === 0) return node.negated;
      const orders = list.map((item) => compare(row[node.column], item));
      const found = orders.includes(0) ? true : orders.includes(null) ? null : false;
      return found === null ? null : node.negated ? !found : found;
    }
  }
}

/** Compares a cell with a value: numbers as numbers (booleans as 1 and 0), anything else as text; null when either is missing. */
function compare(cell: unknown, value: Scalar | null): number | null {
  if (cell === null || cell === undefined || value === null) return null;
  const a = typeof cell === 'boolean' ? Number(cell) : cell;
  const b = typeof value === 'boolean' ? Number(value) : value;
  if (typeof a === 'number' && typeof b === 'number') return order(a, b);
  return order(String(a), String(b));
}

function order<T extends number | string>(left: T, right: T): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}
