import { describe, expect, it } from 'vitest';
import { badgeTone, formatCell, humanize, safeHref, toDate } from './format.js';

describe('formatCell', () => {
  it('shows null and undefined as the null marker', () => {
    expect(formatCell(null, { field: 'a' })).toEqual({ kind: 'null' });
    expect(formatCell(undefined, { field: 'a', format: 'number' })).toEqual({ kind: 'null' });
  });

  it('keeps zero and empty text as values', () => {
    expect(formatCell(0, { field: 'a', format: 'number' })).toEqual({ kind: 'text', text: '0', numeric: true });
    expect(formatCell('', { field: 'a' })).toEqual({ kind: 'text', text: '' });
  });

  it('formats numbers with thousands separators', () => {
    expect(formatCell(1234567.5, { field: 'a', format: 'number' }, 'en-US')).toMatchObject({ text: '1,234,567.5' });
    expect(formatCell('abc', { field: 'a', format: 'number' }, 'en-US')).toEqual({ kind: 'text', text: 'abc' });
  });

  it('formats currency with the column code', () => {
    expect(formatCell(13.86, { field: 'a', format: 'currency', currency: 'USD' }, 'en-US')).toMatchObject({ text: '$13.86' });
    expect(formatCell(5, { field: 'a', format: 'currency', currency: 'EUR' }, 'de-DE').kind).toBe('text');
  });

  it('survives an invalid currency code', () => {
    expect(formatCell(2, { field: 'a', format: 'currency', currency: 'NOT A CODE' }, 'en-US')).toMatchObject({ text: '2.00 NOT A CODE' });
  });

  it('formats a date without shifting the day', () => {
    expect(formatCell('2009-01-01 00:00:00', { field: 'a', format: 'date' }, 'en-US')).toMatchObject({ text: 'Jan 1, 2009' });
    expect(formatCell('not a date', { field: 'a', format: 'date' }, 'en-US')).toEqual({ kind: 'text', text: 'not a date' });
  });

  it('formats a datetime', () => {
    const cell = formatCell('2024-05-01T10:12:00Z', { field: 'a', format: 'datetime' }, 'en-US');
    expect(cell.kind).toBe('text');
    expect(cell.kind === 'text' ? cell.text : '').toContain('2024');
  });

  it('links emails with mailto', () => {
    expect(formatCell('ana@example.com', { field: 'a', format: 'email' })).toEqual({
      kind: 'link',
      text: 'ana@example.com',
      href: 'mailto:ana@example.com',
    });
    expect(formatCell('not an email', { field: 'a', format: 'email' })).toEqual({ kind: 'text', text: 'not an email' });
  });

  it('links only http, https and mailto', () => {
    expect(formatCell('https://example.com/a', { field: 'a', format: 'link' })).toMatchObject({ kind: 'link', href: 'https://example.com/a' });
    expect(formatCell('javascript:alert(1)', { field: 'a', format: 'link' })).toEqual({ kind: 'text', text: 'javascript:alert(1)' });
    expect(formatCell('data:text/html,<b>x</b>', { field: 'a', format: 'link' }).kind).toBe('text');
    expect(formatCell('/relative/path', { field: 'a', format: 'link' }).kind).toBe('text');
  });

  it('formats booleans as Yes and No', () => {
    expect(formatCell(1, { field: 'a', format: 'boolean' })).toEqual({ kind: 'text', text: 'Yes' });
    expect(formatCell(false, { field: 'a', format: 'boolean' })).toEqual({ kind: 'text', text: 'No' });
    expect(formatCell('maybe', { field: 'a', format: 'boolean' })).toEqual({ kind: 'text', text: 'maybe' });
  });

  it('shows objects as JSON text', () => {
    expect(formatCell({ a: 1 }, { field: 'a' })).toEqual({ kind: 'text', text: '{"a":1}' });
  });

  it('keeps markup as plain text', () => {
    expect(formatCell('<img src=x onerror=alert(1)>', { field: 'a' })).toEqual({ kind: 'text', text: '<img src=x onerror=alert(1)>' });
  });
});

describe('badgeTone', () => {
  it('colours known words', () => {
    expect(badgeTone('ok')).toBe('success');
    expect(badgeTone('Active')).toBe('success');
    expect(badgeTone('flagged')).toBe('danger');
    expect(badgeTone('suspended')).toBe('danger');
    expect(badgeTone('error')).toBe('danger');
  });

  it('gives equal words the same hashed colour', () => {
    expect(badgeTone('pending')).toBe(badgeTone('Pending'));
    expect(['success', 'danger']).not.toContain(badgeTone('pending'));
  });
});

describe('safeHref', () => {
  it('rejects relative and unsafe URLs', () => {
    expect(safeHref('vbscript:x')).toBeUndefined();
    expect(safeHref('example.com')).toBeUndefined();
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
  });
});

describe('toDate', () => {
  it('reads text without a zone as UTC', () => {
    expect(toDate('2024-01-02 03:04:05')?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
  });

  it('reads Unix seconds and milliseconds', () => {
    expect(toDate(0)?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(toDate(1_700_000_000)?.getUTCFullYear()).toBe(2023);
    expect(toDate(1_700_000_000_000)?.getUTCFullYear()).toBe(2023);
  });
});

describe('humanize', () => {
  it('splits camel case and underscores', () => {
    expect(humanize('customerId')).toBe('Customer id');
    expect(humanize('created_at')).toBe('Created at');
    expect(humanize('SupportRep')).toBe('Support rep');
  });
});
