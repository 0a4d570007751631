import { describe, expect, it } from 'vitest';
import type { ParamsSchema } from '../../core/model.js';
import { checkParams } from '../../runtime/params.js';
import { BindError, toBindValue } from '../../runtime/datasources/values.js';

const schema: ParamsSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['refund', 'credit'] },
    amount: { type: 'number', widget: 'money', currency: 'EUR', visibleWhen: { field: 'kind', equals: 'refund' } },
    tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, maxItems: 2 },
    ids: { type: 'array', items: { type: 'integer' } },
    site: { type: 'string', format: 'uri' },
  },
  required: ['kind', 'amount'],
  additionalProperties: false,
};

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    return ((error as { details?: Array<{ field: string }> }).details ?? []).map((detail) => detail.field);
  }
  throw new Error('expected checkParams to reject the params');
}

describe('checkParams form hints', () => {
  it('requires a visible field', () => {
    expect(fieldsOf(() => checkParams(schema, { kind: 'refund' }))).toEqual(['params.amount']);
  });

  it('drops and does not require a hidden field', () => {
    expect(checkParams(schema, { kind: 'credit' })).toEqual({ kind: 'credit' });
    expect(checkParams(schema, { kind: 'credit', amount: 12.5 })).toEqual({ kind: 'credit' });
  });

  it('hides a field that depends on a hidden one', () => {
    const chained: ParamsSchema = {
      type: 'object',
      properties: {
        kind: { type: 'string' },
        reason: { type: 'string', visibleWhen: { field: 'kind', equals: 'refund' } },
        detail: { type: 'string', visibleWhen: { field: 'reason', equals: ['other', 'damaged'] } },
      },
      required: ['detail'],
      additionalProperties: false,
    };
    expect(checkParams(chained, { kind: 'credit', reason: 'other', detail: 'x' })).toEqual({ kind: 'credit' });
    expect(checkParams(chained, { kind: 'refund', reason: 'other', detail: 'x' })).toEqual({ kind: 'refund', reason: 'other', detail: 'x' });
    expect(fieldsOf(() => checkParams(chained, { kind: 'refund', reason: 'damaged' }))).toEqual(['params.detail']);
  });

  it('accepts arrays of allowed items', () => {
    expect(checkParams(schema, { kind: 'refund', amount: 1, tags: ['a', 'b'], ids: [1, 2] })).toEqual({ kind: 'refund', amount: 1, tags: ['a', 'b'], ids: [1, 2] });
  });

  it('names the bad array item', () => {
    expect(fieldsOf(() => checkParams(schema, { kind: 'refund', amount: 1, tags: ['a', 'z'] }))).toEqual(['params.tags.1']);
    expect(fieldsOf(() => checkParams(schema, { kind: 'refund', amount: 1, ids: [1, 'x'] }))).toEqual(['params.ids.1']);
    expect(fieldsOf(() => checkParams(schema, { kind: 'refund', amount: 1, tags: ['a', 'b', 'a'] }))).toEqual(['params.tags']);
    expect(fieldsOf(() => checkParams(schema, { kind: 'refund', amount: 1, tags: 'a' }))).toEqual(['params.tags']);
  });

  it('rejects NUL inside array items', () => {
    expect(fieldsOf(() => checkParams(schema, { kind: 'refund', amount: 1, tags: ['a\u0000'] }))).toContain('params.tags.0');
  });

  it('accepts only http and https URLs', () => {
    expect(checkParams(schema, { kind: 'credit', site: 'https://example.com/x' })).toEqual({ kind: 'credit', site: 'https://example.com/x' });
    expect(fieldsOf(() => checkParams(schema, { kind: 'credit', site: 'javascript:alert(1)' }))).toEqual(['params.site']);
    expect(fieldsOf(() => checkParams(schema, { kind: 'credit', site: 'ftp://example.com' }))).toEqual(['params.site']);
  });

  it('drops null of an optional array', () => {
    expect(checkParams(schema, { kind: 'credit', tags: null })).toEqual({ kind: 'credit' });
  });
});

describe('array binding', () => {
  it('binds JSON text on sqlite', () => {
    expect(toBindValue('ids', [1, 2], 'sqlite', 'array')).toBe('[1,2]');
    expect(toBindValue('tags', ['a', "b'c"], 'sqlite', 'array')).toBe('["a","b\'c"]');
  });

  it('binds an array on postgres', () => {
    expect(toBindValue('ids', [1, 2], 'postgres', 'array')).toEqual([1, 2]);
  });

  it('rejects an array for a scalar parameter', () => {
    expect(() => toBindValue('id', [1, 2], 'sqlite')).toThrow(BindError);
    expect(() => toBindValue('id', [1, 2], 'postgres', 'date')).toThrow(BindError);
  });

  it('rejects nested and object items', () => {
    expect(() => toBindValue('ids', [[1]], 'postgres', 'array')).toThrow(BindError);
    expect(() => toBindValue('ids', [{ a: 1 }], 'sqlite', 'array')).toThrow(/send an array of strings or finite numbers/);
  });
});
