import { describe, expect, it } from 'vitest';
import type { RowCondition } from './client-spec.js';
import { matchesRowCondition } from './row-conditions.js';

describe('matchesRowCondition', () => {
  it('matches any row without a condition', () => {
    expect(matchesRowCondition({ Status: 'ok' }, undefined)).toBe(true);
    expect(matchesRowCondition({}, undefined)).toBe(true);
  });

  it('matches a single value', () => {
    expect(matchesRowCondition({ Status: 'ok' }, { Status: 'ok' })).toBe(true);
    expect(matchesRowCondition({ Status: 'flagged' }, { Status: 'ok' })).toBe(false);
  });

  it('matches any value of a list', () => {
    const condition: RowCondition = { Status: ['ok', 'review'] };
    expect(matchesRowCondition({ Status: 'ok' }, condition)).toBe(true);
    expect(matchesRowCondition({ Status: 'review' }, condition)).toBe(true);
    expect(matchesRowCondition({ Status: 'flagged' }, condition)).toBe(false);
  });

  it('requires every listed column', () => {
    const condition: RowCondition = { Status: 'ok', Country: ['Norway', 'Brazil'] };
    expect(matchesRowCondition({ Status: 'ok', Country: 'Norway' }, condition)).toBe(true);
    expect(matchesRowCondition({ Status: 'ok', Country: 'Chile' }, condition)).toBe(false);
    expect(matchesRowCondition({ Status: 'flagged', Country: 'Norway' }, condition)).toBe(false);
  });

  it('compares without type conversion', () => {
    expect(matchesRowCondition({ Total: 1 }, { Total: 1 })).toBe(true);
    expect(matchesRowCondition({ Total: '1' }, { Total: 1 })).toBe(false);
    expect(matchesRowCondition({ Total: 1 }, { Total: '1' })).toBe(false);
    expect(matchesRowCondition({ Active: 1 }, { Active: true })).toBe(false);
    expect(matchesRowCondition({ Active: true }, { Active: true })).toBe(true);
    expect(matchesRowCondition({ Name: '' }, { Name: false })).toBe(false);
    expect(matchesRowCondition({ Name: 'OK' }, { Name: 'ok' })).toBe(false);
  });

  it('matches null only to a null cell', () => {
    expect(matchesRowCondition({ ClearedAt: null }, { ClearedAt: null })).toBe(true);
    expect(matchesRowCondition({ ClearedAt: null }, { ClearedAt: ['x', null] })).toBe(true);
    expect(matchesRowCondition({ ClearedAt: '2024-01-01' }, { ClearedAt: null })).toBe(false);
    expect(matchesRowCondition({ ClearedAt: 0 }, { ClearedAt: null })).toBe(false);
    expect(matchesRowCondition({ ClearedAt: '' }, { ClearedAt: null })).toBe(false);
    expect(matchesRowCondition({ ClearedAt: null }, { ClearedAt: 'null' })).toBe(false);
  });

  it('rejects a row that lacks the column', () => {
    expect(matchesRowCondition({}, { Status: 'ok' })).toBe(false);
    expect(matchesRowCondition({}, { Status: null })).toBe(false);
    expect(matchesRowCondition({ Status: undefined }, { Status: null })).toBe(false);
  });

  it('ignores inherited properties of the row', () => {
    expect(matchesRowCondition({}, { constructor: 'Object' })).toBe(false);
    expect(matchesRowCondition({}, { toString: null })).toBe(false);
  });

  it('matches no row with an empty list', () => {
    expect(matchesRowCondition({ Status: 'ok' }, { Status: [] })).toBe(false);
  });

  it('matches no row with a malformed condition', () => {
    expect(matchesRowCondition({ Status: 'ok' }, 'ok' as unknown as RowCondition)).toBe(false);
    expect(matchesRowCondition({ Status: 'ok' }, ['ok'] as unknown as RowCondition)).toBe(false);
  });

  it('never matches equal objects', () => {
    expect(matchesRowCondition({ Data: { a: 1 } }, { Data: { a: 1 } } as unknown as RowCondition)).toBe(false);
  });
});
