import { describe, expect, it } from 'vitest';
import type { ParamSchema } from './client-spec.js';
import { fieldLabel, toParams, toRawValue, validateField, validateParams } from './validate.js';

const reason: ParamSchema = { type: 'string', minLength: 10, maxLength: 20, title: 'Reason' };

describe('validateField', () => {
  it('names the field and the rule', () => {
    expect(validateField('reason', reason, 'short', true)).toBe('Reason must have at least 10 characters');
    expect(validateField('reason', reason, 'x'.repeat(21), true)).toBe('Reason must have at most 20 characters');
    expect(validateField('reason', reason, 'long enough', true)).toBeUndefined();
  });

  it('requires required fields', () => {
    expect(validateField('reason', reason, '', true)).toBe('Reason is required');
    expect(validateField('reason', reason, '   ', true)).toBe('Reason is required');
    expect(validateField('reason', reason, '', false)).toBeUndefined();
  });

  it('humanises a field without a title', () => {
    expect(validateField('customerId', { type: 'integer' }, '', true)).toBe('Customer id is required');
  });

  it('checks integers and numbers', () => {
    const schema: ParamSchema = { type: 'integer', minimum: 1, maximum: 10, title: 'Count' };
    expect(validateField('n', schema, '1.5', false)).toBe('Count must be a whole number');
    expect(validateField('n', schema, 'abc', false)).toBe('Count must be a number');
    expect(validateField('n', schema, '0', false)).toBe('Count must be at least 1');
    expect(validateField('n', schema, '11', false)).toBe('Count must be at most 10');
    expect(validateField('n', schema, '10', false)).toBeUndefined();
    expect(validateField('n', { type: 'number' }, '2.5', false)).toBeUndefined();
  });

  it('counts characters as code points', () => {
    expect(validateField('r', { type: 'string', maxLength: 2, title: 'R' }, '😀😀', false)).toBeUndefined();
  });

  it('checks the pattern', () => {
    const phone: ParamSchema = { type: 'string', pattern: '^[+0-9 ()./-]*$', title: 'Phone' };
    expect(validateField('phone', phone, '+55 (12) 3923-5555', false)).toBeUndefined();
    expect(validateField('phone', phone, 'call me', false)).toBe('Phone must match the pattern ^[+0-9 ()./-]*$');
  });

  it('ignores a pattern the browser cannot compile', () => {
    expect(validateField('a', { type: 'string', pattern: '(' }, 'x', false)).toBeUndefined();
  });

  it('checks enum values', () => {
    const schema: ParamSchema = { type: 'string', enum: ['low', 'high'], title: 'Level' };
    expect(validateField('l', schema, 'mid', false)).toBe('Level must be one of: low, high');
    expect(validateField('l', schema, 'low', false)).toBeUndefined();
    expect(validateField('n', { type: 'integer', enum: [1, 2] }, '3', false)).toBe('N must be one of: 1, 2');
  });

  it('checks formats', () => {
    expect(validateField('e', { type: 'string', format: 'email', title: 'Email' }, 'nope', false)).toBe(
      'Email must be an email address, such as name@example.com',
    );
    expect(validateField('e', { type: 'string', format: 'email' }, 'a@b.co', false)).toBeUndefined();
    expect(validateField('d', { type: 'string', format: 'date', title: 'Day' }, '2024-02-30', false)).toBe(
      'Day must be a date in the form YYYY-MM-DD',
    );
    expect(validateField('d', { type: 'string', format: 'date' }, '2024-02-29', false)).toBeUndefined();
    expect(validateField('u', { type: 'string', format: 'uri', title: 'Site' }, 'example', false)).toBe(
      'Site must be a full URL, such as https://example.com',
    );
  });
});

describe('validateParams', () => {
  it('returns every error keyed by parameter', () => {
    const errors = validateParams({ id: { type: 'integer' }, reason }, ['id', 'reason'], { id: '', reason: 'x' });
    expect(errors).toEqual({ id: 'Id is required', reason: 'Reason must have at least 10 characters' });
  });
});

describe('toParams', () => {
  it('converts numbers, drops empty fields and keeps booleans', () => {
    const params = toParams(
      { id: { type: 'integer' }, amount: { type: 'number' }, note: { type: 'string' }, urgent: { type: 'boolean' } },
      { id: '12', amount: '2.5', note: '', urgent: false },
    );
    expect(params).toEqual({ id: 12, amount: 2.5, urgent: false });
  });
});

describe('toRawValue', () => {
  it('turns row values into field text', () => {
    expect(toRawValue({ type: 'integer' }, 5)).toBe('5');
    expect(toRawValue({ type: 'string' }, null)).toBe('');
    expect(toRawValue({ type: 'boolean' }, 1)).toBe(true);
  });
});

describe('fieldLabel', () => {
  it('prefers the title', () => {
    expect(fieldLabel('body', { type: 'string', title: 'Note' })).toBe('Note');
  });
});
