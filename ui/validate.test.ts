import { describe, expect, it } from 'vitest';
import type { ParamSchema } from './client-spec.js';
import { fieldLabel, isVisible, toParams, toRawValue, validateField, validateParams } from './validate.js';

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
  it('converts numbers, sends empty fields as null and keeps booleans', () => {
    const params = toParams(
      { id: { type: 'integer' }, amount: { type: 'number' }, note: { type: 'string' }, urgent: { type: 'boolean' } },
      { id: '12', amount: '2.5', note: '', urgent: false },
    );
    expect(params).toEqual({ id: 12, amount: 2.5, note: null, urgent: false });
  });

  it('keeps an untouched null checkbox null', () => {
    expect(toParams({ urgent: { type: 'boolean' } }, { urgent: undefined })).toEqual({ urgent: null });
  });

  it('converts multi-select choices by item type', () => {
    const schema: Record<string, ParamSchema> = { ids: { type: 'array', items: { type: 'integer' } }, tags: { type: 'array', items: { type: 'string' } } };
    expect(toParams(schema, { ids: ['3', '5'], tags: [] })).toEqual({ ids: [3, 5], tags: [] });
    expect(toParams(schema, { ids: undefined, tags: ['a'] })).toEqual({ ids: null, tags: ['a'] });
  });

  it('sends a local date and time as UTC', () => {
    const local = '2024-03-05T14:30:00';
    expect(toParams({ at: { type: 'string', format: 'date-time' } }, { at: local })).toEqual({ at: new Date(local).toISOString() });
  });

  it('leaves out fields that visibleWhen hides', () => {
    const schema: Record<string, ParamSchema> = {
      kind: { type: 'string', enum: ['refund', 'credit'] },
      amount: { type: 'number', visibleWhen: { field: 'kind', equals: 'refund' } },
      note: { type: 'string', visibleWhen: { field: 'kind', equals: ['credit', 'refund'] } },
    };
    expect(toParams(schema, { kind: 'credit', amount: '5', note: 'x' })).toEqual({ kind: 'credit', note: 'x' });
    expect(toParams(schema, { kind: 'refund', amount: '5', note: 'x' })).toEqual({ kind: 'refund', amount: 5, note: 'x' });
    expect(toParams(schema, { kind: '', amount: '5', note: 'x' })).toEqual({ kind: null });
  });
});

describe('isVisible', () => {
  it('hides a field whose controlling field is hidden', () => {
    const schema: Record<string, ParamSchema> = {
      kind: { type: 'string' },
      reason: { type: 'string', visibleWhen: { field: 'kind', equals: 'refund' } },
      detail: { type: 'string', visibleWhen: { field: 'reason', equals: 'other' } },
    };
    expect(isVisible(schema.detail, schema, { kind: 'credit', reason: 'other' })).toBe(false);
    expect(isVisible(schema.detail, schema, { kind: 'refund', reason: 'other' })).toBe(true);
  });

  it('hides both fields of a cycle', () => {
    const schema: Record<string, ParamSchema> = {
      a: { type: 'string', visibleWhen: { field: 'b', equals: 'x' } },
      b: { type: 'string', visibleWhen: { field: 'a', equals: 'x' } },
    };
    expect(isVisible(schema.a, schema, { a: 'x', b: 'x' })).toBe(false);
    expect(isVisible(schema.b, schema, { a: 'x', b: 'x' })).toBe(false);
  });
});

describe('validateParams with visibleWhen', () => {
  it('skips a hidden required field', () => {
    const schema: Record<string, ParamSchema> = {
      kind: { type: 'string', enum: ['refund', 'credit'] },
      amount: { type: 'number', visibleWhen: { field: 'kind', equals: 'refund' } },
    };
    expect(validateParams(schema, ['amount'], { kind: 'credit', amount: '' })).toEqual({});
    expect(validateParams(schema, ['amount'], { kind: 'refund', amount: '' })).toEqual({ amount: 'Amount is required' });
  });
});

describe('validateField for lists and links', () => {
  it('checks multi-select choices', () => {
    const schema: ParamSchema = { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] }, maxItems: 2, title: 'Tags' };
    expect(validateField('tags', schema, [], true)).toBe('Tags needs at least one choice');
    expect(validateField('tags', schema, ['a', 'b', 'c'], false)).toBe('Tags allows at most 2 choices');
    expect(validateField('tags', schema, ['z'], false)).toBe('Tags must be chosen from: a, b, c');
    expect(validateField('tags', schema, ['a'], true)).toBeUndefined();
  });

  it('accepts only http and https URLs', () => {
    const site: ParamSchema = { type: 'string', format: 'uri', title: 'Site' };
    expect(validateField('site', site, 'javascript:alert(1)', false)).toBe('Site must be a full URL, such as https://example.com');
    expect(validateField('site', site, 'ftp://example.com/file', false)).toBe('Site must be a full URL, such as https://example.com');
    expect(validateField('site', site, 'https://example.com/a?b=1', false)).toBeUndefined();
  });
});

describe('toRawValue', () => {
  it('turns row values into field text', () => {
    expect(toRawValue({ type: 'integer' }, 5)).toBe('5');
    expect(toRawValue({ type: 'string' }, null)).toBe('');
    expect(toRawValue({ type: 'boolean' }, 1)).toBe(true);
    expect(toRawValue({ type: 'boolean' }, null)).toBeUndefined();
  });

  it('reads arrays and JSON text into choices', () => {
    expect(toRawValue({ type: 'array', items: { type: 'integer' } }, [1, 2])).toEqual(['1', '2']);
    expect(toRawValue({ type: 'array', items: { type: 'string' } }, '["a","b"]')).toEqual(['a', 'b']);
    expect(toRawValue({ type: 'array', items: { type: 'string' } }, null)).toBeUndefined();
  });

  it('shows a UTC timestamp in local time', () => {
    const iso = '2024-03-05T14:30:15.000Z';
    const local = toRawValue({ type: 'string', format: 'date-time' }, iso);
    expect(new Date(String(local)).toISOString()).toBe(iso);
    expect(local).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });
});

describe('fieldLabel', () => {
  it('prefers the title', () => {
    expect(fieldLabel('body', { type: 'string', title: 'Note' })).toBe('Note');
  });
});
