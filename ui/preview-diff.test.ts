import { describe, expect, it } from 'vitest';
import { changesText, diffSample, parsePreview, valueText } from './preview-diff.js';

describe('changesText', () => {
  it('uses the singular for one row', () => {
    expect(changesText(1)).toBe('This will change 1 row');
  });

  it('uses the plural for zero and many rows', () => {
    expect(changesText(0)).toBe('This will change 0 rows');
    expect(changesText(12)).toBe('This will change 12 rows');
  });
});

describe('valueText', () => {
  it('keeps null apart from empty text', () => {
    expect(valueText(null)).toBe('null');
    expect(valueText('')).toBe('""');
  });

  it('shows scalars and objects as text', () => {
    expect(valueText('<b>x</b>')).toBe('<b>x</b>');
    expect(valueText(0)).toBe('0');
    expect(valueText(false)).toBe('false');
    expect(valueText({ a: [1] })).toBe('{"a":[1]}');
  });
});

describe('diffSample', () => {
  it('lists only changed columns of an updated row', () => {
    const change = diffSample({ key: 7, before: { id: 7, status: 'open', note: null }, after: { id: 7, status: 'closed', note: 'done' } });
    expect(change.kind).toBe('updated');
    expect(change.key).toBe('7');
    expect(change.columns).toEqual([
      { column: 'status', before: 'open', after: 'closed' },
      { column: 'note', before: 'null', after: 'done' },
    ]);
  });

  it('lists non-null columns of an inserted row', () => {
    const change = diffSample({ key: 3, before: null, after: { id: 3, reason: 'late', cleared_at: null } });
    expect(change.kind).toBe('inserted');
    expect(change.columns).toEqual([
      { column: 'id', after: '3' },
      { column: 'reason', after: 'late' },
    ]);
  });

  it('lists non-null columns of a deleted row', () => {
    const change = diffSample({ key: 'a', before: { id: 'a', body: '' }, after: null });
    expect(change.kind).toBe('deleted');
    expect(change.columns).toEqual([
      { column: 'id', before: 'a' },
      { column: 'body', before: '""' },
    ]);
  });

  it('treats equal JSON values as unchanged', () => {
    const change = diffSample({ key: 1, before: { tags: ['x'], n: 1 }, after: { tags: ['x'], n: 1 } });
    expect(change.columns).toEqual([]);
  });

  it('lists a column only the after row has', () => {
    const change = diffSample({ key: 1, before: { id: 1 }, after: { id: 1, extra: 'new' } });
    expect(change.columns).toEqual([{ column: 'extra', before: 'null', after: 'new' }]);
  });
});

describe('parsePreview', () => {
  it('accepts the documented shape', () => {
    const body = {
      changes: 2,
      sample: [{ key: 1, before: null, after: { id: 1 } }],
      steps: [{ id: 'insert', changes: 2 }],
      notPreviewed: ['announce'],
      note: 'HTTP steps are not previewed.',
    };
    expect(parsePreview(body)).toEqual(body);
  });

  it('leaves out absent optional fields', () => {
    expect(parsePreview({ changes: 0, sample: [] })).toEqual({ changes: 0, sample: [] });
  });

  it('rejects a missing or negative row count', () => {
    expect(() => parsePreview({ sample: [] })).toThrow('"changes"');
    expect(() => parsePreview({ changes: -1, sample: [] })).toThrow('"changes"');
    expect(() => parsePreview({ changes: 1.5, sample: [] })).toThrow('"changes"');
  });

  it('rejects a body that is not an object', () => {
    expect(() => parsePreview([])).toThrow('not a JSON object');
    expect(() => parsePreview(null)).toThrow('not a JSON object');
  });

  it('rejects a bad sample entry with its index', () => {
    expect(() => parsePreview({ changes: 1 })).toThrow('"sample"');
    expect(() => parsePreview({ changes: 1, sample: [{ key: 1, before: null, after: null }, { key: 2, before: 'x', after: null }] })).toThrow(
      'sample[1]',
    );
  });

  it('drops malformed steps and step ids', () => {
    const parsed = parsePreview({ changes: 1, sample: [], steps: [{ id: 'a', changes: 1 }, { id: 2 }], notPreviewed: ['b', 3] });
    expect(parsed.steps).toEqual([{ id: 'a', changes: 1 }]);
    expect(parsed.notPreviewed).toEqual(['b']);
  });
});
