import { describe, expect, it } from 'vitest';
import { badgeTone, formatCell, formatDecimalText, humanize, numberFormatAcceptsStrings, safeHref, toDate } from './format.js';

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

describe('formatCell with numeric strings', () => {
  const number = { field: 'a', format: 'number' as const };
  const usd = { field: 'a', format: 'currency' as const, currency: 'USD' };

  it('keeps every digit of a big integer', () => {
    expect(formatCell('9007199254740993', number, 'en-US')).toEqual({ kind: 'text', text: '9,007,199,254,740,993', numeric: true });
    expect(formatCell('-123456789012345678901234567890', number, 'en-US')).toMatchObject({ text: '-123,456,789,012,345,678,901,234,567,890' });
  });

  it('keeps every fraction digit of a decimal', () => {
    expect(formatCell('3.98', number, 'en-US')).toMatchObject({ text: '3.98', numeric: true });
    expect(formatCell('0.1234567890123456789', number, 'en-US')).toMatchObject({ text: '0.1234567890123456789' });
    expect(formatCell('1234.50', number, 'en-US')).toMatchObject({ text: '1,234.50' });
    expect(formatCell('1234,5', number, 'de-DE')).toEqual({ kind: 'text', text: '1234,5' });
    expect(formatCell('1234.5', number, 'de-DE')).toMatchObject({ text: '1.234,5' });
  });

  it('formats decimal currency strings', () => {
    expect(formatCell('3.98', usd, 'en-US')).toEqual({ kind: 'text', text: '$3.98', numeric: true });
    expect(formatCell('12', usd, 'en-US')).toMatchObject({ text: '$12.00' });
    expect(formatCell('0.125', usd, 'en-US')).toMatchObject({ text: '$0.125' });
    expect(formatCell('90071992547409.93', usd, 'en-US')).toMatchObject({ text: '$90,071,992,547,409.93' });
    expect(formatCell('-5.5', { field: 'a', format: 'currency' }, 'en-US')).toMatchObject({ text: '-5.50' });
    expect(formatCell('7.1', { field: 'a', format: 'currency', currency: 'NOT A CODE' }, 'en-US')).toMatchObject({ text: '7.10 NOT A CODE' });
  });

  it('shows text that is no plain decimal as it is', () => {
    expect(formatCell('NaN', number, 'en-US')).toEqual({ kind: 'text', text: 'NaN' });
    expect(formatCell('Infinity', usd, 'en-US')).toEqual({ kind: 'text', text: 'Infinity' });
    expect(formatCell('12abc', number, 'en-US')).toEqual({ kind: 'text', text: '12abc' });
    expect(formatCell('1.2.3', usd, 'en-US')).toEqual({ kind: 'text', text: '1.2.3' });
  });

  it('detects string input in this engine', () => {
    // Node.js 20 implements ECMA-402 2023, which formats numeric strings exactly.
    expect(numberFormatAcceptsStrings()).toBe(true);
  });
});

describe('formatDecimalText', () => {
  it('formats exactly with string input', () => {
    expect(formatDecimalText('9007199254740993', {}, 'en-US', true)).toBe('9,007,199,254,740,993');
  });

  it('converts short decimals without string input', () => {
    expect(formatDecimalText('3.98', { style: 'currency', currency: 'USD' }, 'en-US', false)).toBe('$3.98');
    expect(formatDecimalText('123456789012345', {}, 'en-US', false)).toBe('123,456,789,012,345');
    expect(formatDecimalText('100000000000000000000', {}, 'en-US', false)).toBe('100,000,000,000,000,000,000');
  });

  it('gives up on long decimals without string input', () => {
    expect(formatDecimalText('9007199254740993', {}, 'en-US', false)).toBeUndefined();
    expect(formatDecimalText('0.1234567890123456789', {}, 'en-US', false)).toBeUndefined();
  });

  it('rejects text that is no plain decimal', () => {
    expect(formatDecimalText('1e5', {}, 'en-US', true)).toBeUndefined();
    expect(formatDecimalText('', {}, 'en-US', true)).toBeUndefined();
  });

  it('gives up beyond the fraction digit limit', () => {
    expect(formatDecimalText(`0.${'1'.repeat(101)}`, {}, 'en-US', true)).toBeUndefined();
  });
});

describe('formatCell with date strings', () => {
  const date = { field: 'a', format: 'date' as const };
  const datetime = { field: 'a', format: 'datetime' as const };
  const west = 'America/Los_Angeles';

  it('keeps a date-only value on its day west of UTC', () => {
    expect(formatCell('2024-03-01', date, 'en-US', west)).toEqual({ kind: 'text', text: 'Mar 1, 2024' });
    expect(formatCell('2024-03-01', datetime, 'en-US', west)).toEqual({ kind: 'text', text: 'Mar 1, 2024' });
    expect(formatCell('2024-03-01', date, 'en-US', 'Pacific/Kiritimati')).toEqual({ kind: 'text', text: 'Mar 1, 2024' });
  });

  it('shows the UTC date of a Z timestamp', () => {
    expect(formatCell('2024-03-01T00:00:00.000Z', date, 'en-US', west)).toEqual({ kind: 'text', text: 'Mar 1, 2024' });
    expect(formatCell('2009-01-01T00:00:00Z', date, 'en-US', west)).toEqual({ kind: 'text', text: 'Jan 1, 2009' });
  });

  it('shows a Z timestamp in the time zone', () => {
    const text = '2024-03-01T03:04:05.000Z';
    expect(formatCell(text, datetime, 'en-US', west)).toEqual({ kind: 'text', text: 'Feb 29, 2024, 7:04 PM' });
    expect(formatCell(text, datetime, 'en-US', 'UTC')).toEqual({ kind: 'text', text: 'Mar 1, 2024, 3:04 AM' });
    expect(formatCell('2024-03-01 03:04:05', datetime, 'en-US', 'UTC')).toEqual({ kind: 'text', text: 'Mar 1, 2024, 3:04 AM' });
  });

  it('shows impossible dates as text', () => {
    expect(formatCell('2024-02-31', date, 'en-US', west)).toEqual({ kind: 'text', text: '2024-02-31' });
    expect(formatCell('2024-13-01', datetime, 'en-US', west)).toEqual({ kind: 'text', text: '2024-13-01' });
    expect(formatCell('2024-01-02junk', date, 'en-US', west)).toEqual({ kind: 'text', text: '2024-01-02junk' });
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

describe('formatCell with the table formats', () => {
  const NOW = Date.parse('2026-03-10T12:00:00Z');

  it('formats fractions as percent', () => {
    expect(formatCell(0.25, { field: 'a', format: 'percent' }, 'en-US')).toEqual({ kind: 'text', text: '25%', numeric: true });
    expect(formatCell('0.1234', { field: 'a', format: 'percent' }, 'en-US')).toMatchObject({ text: '12.3%' });
    expect(formatCell(0, { field: 'a', format: 'percent' }, 'en-US')).toMatchObject({ text: '0%' });
    expect(formatCell('n/a', { field: 'a', format: 'percent' }, 'en-US')).toEqual({ kind: 'text', text: 'n/a' });
  });

  it('shows relative time with the exact time as title', () => {
    const cell = formatCell('2026-03-10 09:00:00', { field: 'a', format: 'relative' }, 'en-US', 'UTC', NOW);
    expect(cell).toEqual({ kind: 'text', text: '3 hours ago', title: 'Mar 10, 2026, 9:00:00 AM' });
    expect(formatCell('2026-03-12T12:00:00Z', { field: 'a', format: 'relative' }, 'en-US', 'UTC', NOW)).toMatchObject({ text: 'in 2 days' });
    expect(formatCell('2026-03-09T12:00:00Z', { field: 'a', format: 'relative' }, 'en-US', 'UTC', NOW)).toMatchObject({ text: 'yesterday' });
    expect(formatCell('2024-03-10T12:00:00Z', { field: 'a', format: 'relative' }, 'en-US', 'UTC', NOW)).toMatchObject({ text: '2 years ago' });
    expect(formatCell(NOW, { field: 'a', format: 'relative' }, 'en-US', 'UTC', NOW)).toMatchObject({ text: 'now' });
    expect(formatCell('soon', { field: 'a', format: 'relative' }, 'en-US', 'UTC', NOW)).toEqual({ kind: 'text', text: 'soon' });
  });

  it('formats a datetime in the column time zone', () => {
    const berlin = formatCell('2026-03-10T12:00:00Z', { field: 'a', format: 'datetime', timeZone: 'Europe/Berlin' }, 'en-US', 'UTC');
    expect(berlin).toEqual({ kind: 'text', text: 'Mar 10, 2026, 1:00 PM GMT+1' });
    const browser = formatCell('2026-03-10T12:00:00Z', { field: 'a', format: 'datetime' }, 'en-US', 'UTC');
    expect(browser).toEqual({ kind: 'text', text: 'Mar 10, 2026, 12:00 PM' });
  });

  it('ignores an unknown time zone', () => {
    const cell = formatCell('2026-03-10T12:00:00Z', { field: 'a', format: 'datetime', timeZone: 'Mars/Olympus' }, 'en-US', 'UTC');
    expect(cell).toEqual({ kind: 'text', text: 'Mar 10, 2026, 12:00 PM' });
  });

  it('colours badges by the column map', () => {
    const column = { field: 'a', format: 'badge' as const, colors: { open: 'green' as const, closed: 'grey' as const, late: 'red' as const } };
    expect(formatCell('open', column)).toEqual({ kind: 'badge', text: 'open', tone: 'success' });
    expect(formatCell('closed', column)).toEqual({ kind: 'badge', text: 'closed', tone: 'grey' });
    expect(formatCell('late', column)).toEqual({ kind: 'badge', text: 'late', tone: 'danger' });
    expect(formatCell('other', column)).toEqual({ kind: 'badge', text: 'other', tone: badgeTone('other') });
    expect(formatCell('toString', column)).toEqual({ kind: 'badge', text: 'toString', tone: badgeTone('toString') });
  });

  it('shows JSON collapsed and pretty', () => {
    expect(formatCell('{"tags":["a"],"size":1}', { field: 'a', format: 'json' })).toEqual({
      kind: 'json',
      summary: '{"tags":["a"],"size":1}',
      pretty: '{\n  "tags": [\n    "a"\n  ],\n  "size": 1\n}',
    });
    expect(formatCell({ b: true }, { field: 'a', format: 'json' })).toMatchObject({ kind: 'json', summary: '{"b":true}' });
    const long = formatCell({ text: 'x'.repeat(100) }, { field: 'a', format: 'json' });
    expect(long.kind === 'json' ? long.summary.length : 0).toBe(60);
    expect(formatCell('{not json', { field: 'a', format: 'json' })).toEqual({ kind: 'text', text: '{not json' });
  });

  it('keeps null distinct from zero and empty in every format', () => {
    for (const format of ['number', 'currency', 'percent', 'date', 'datetime', 'relative', 'badge', 'link', 'boolean', 'json'] as const) {
      expect(formatCell(null, { field: 'a', format }), format).toEqual({ kind: 'null' });
    }
    expect(formatCell(0, { field: 'a', format: 'boolean' })).toEqual({ kind: 'text', text: 'No' });
  });

  it('renders unsafe link schemes as text', () => {
    for (const href of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'vbscript:x', 'file:///etc/passwd', 'ftp://example.com']) {
      expect(formatCell(href, { field: 'a', format: 'link' }).kind, href).toBe('text');
    }
    expect(formatCell('mailto:ana@example.com', { field: 'a', format: 'link' }).kind).toBe('link');
  });
});
