import { expect, test } from 'vitest';
import { editDistance, suggest, suggestionHint } from '../../core/suggest.js';

test('edit distance counts swaps as one', () => {
  expect(editDistance('colums', 'columns')).toBe(1);
  expect(editDistance('veiwer', 'viewer')).toBe(1);
  expect(editDistance('abc', 'abc')).toBe(0);
  expect(editDistance('', 'abc')).toBe(3);
});

test('case-insensitive match wins', () => {
  expect(suggest('VIEWER', ['viewr', 'viewer'])).toBe('viewer');
});

test('nearest within threshold', () => {
  expect(suggest('custmers', ['customers', 'invoices'])).toBe('customers');
  expect(suggest('flagCustomr', ['flagCustomer', 'unflagCustomer'])).toBe('flagCustomer');
});

test('nothing close gives undefined', () => {
  expect(suggest('zzz', ['customers'])).toBeUndefined();
  expect(suggest('id', ['to'])).toBeUndefined();
  expect(suggest('x', [])).toBeUndefined();
});

test('hint lists names when none is close', () => {
  expect(suggestionHint('qqq', ['a', 'b'], 'Declared roles')).toBe('Declared roles: `a`, `b`.');
  expect(suggestionHint('viewr', ['viewer'], 'Declared roles')).toBe('Did you mean `viewer`?');
  expect(suggestionHint('x', [], 'Declared roles')).toBe('Declared roles: none yet.');
});
