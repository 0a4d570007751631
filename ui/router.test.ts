import { describe, expect, it } from 'vitest';
import { appPath, buildPageSearch, isLocalPath, parsePageState, parseRoute, rowKeyFromUrl } from './router.js';

describe('parseRoute', () => {
  it('parses the screens', () => {
    expect(parseRoute('/')).toEqual({ name: 'apps' });
    expect(parseRoute('/login', '?next=%2Fapps%2Fa%2F')).toEqual({ name: 'login', next: '/apps/a/' });
    expect(parseRoute('/apps/chinook-support/')).toEqual({ name: 'app', appId: 'chinook-support', pageId: undefined });
    expect(parseRoute('/apps/chinook-support')).toEqual({ name: 'app', appId: 'chinook-support', pageId: undefined });
    expect(parseRoute('/apps/a/pages/flags')).toEqual({ name: 'app', appId: 'a', pageId: 'flags' });
  });

  it('rejects a next target on another site', () => {
    expect(parseRoute('/login', '?next=//evil.example/')).toEqual({ name: 'login', next: undefined });
    expect(parseRoute('/login', '?next=https://evil.example/')).toEqual({ name: 'login', next: undefined });
  });

  it('reports unknown paths and bad escapes', () => {
    expect(parseRoute('/nope')).toEqual({ name: 'not-found', path: '/nope' });
    expect(parseRoute('/apps/%E0%A4%A/')).toEqual({ name: 'not-found', path: '/apps/%E0%A4%A/' });
  });
});

describe('appPath', () => {
  it('encodes ids', () => {
    expect(appPath('a b', 'p/q')).toBe('/apps/a%20b/pages/p%2Fq');
    expect(isLocalPath('/\\evil')).toBe(false);
  });
});

describe('page state in the URL', () => {
  it('reads only the declared keys', () => {
    expect(parsePageState('?customers=42&tab=notes&evil=1', ['customers', 'tab'])).toEqual({ customers: '42', tab: 'notes' });
  });

  it('skips empty values and keeps the first of repeated ones', () => {
    expect(parsePageState('?customers=&tab=a&tab=b', ['customers', 'tab'])).toEqual({ tab: 'a' });
  });

  it('decodes escaped values', () => {
    expect(parsePageState('?customers=a%26b%3Dc', ['customers'])).toEqual({ customers: 'a&b=c' });
  });

  it('builds a query string in the given order', () => {
    expect(buildPageSearch({ tab: 'notes', customers: '42' }, ['customers', 'tab'])).toBe('?customers=42&tab=notes');
  });

  it('escapes values when building', () => {
    expect(buildPageSearch({ customers: 'a&b=c d' })).toBe('?customers=a%26b%3Dc+d');
  });

  it('builds an empty string for no state', () => {
    expect(buildPageSearch({})).toBe('');
    expect(buildPageSearch({ customers: '' })).toBe('');
  });

  it('round-trips a state', () => {
    const state = { customers: 'ünïcode/&?', invoices: '98', tab: 'invoices' };
    expect(parsePageState(buildPageSearch(state), Object.keys(state))).toEqual(state);
  });
});

describe('rowKeyFromUrl', () => {
  it('turns number text into numbers', () => {
    expect(rowKeyFromUrl('42')).toBe(42);
    expect(rowKeyFromUrl('-3')).toBe(-3);
    expect(rowKeyFromUrl('0')).toBe(0);
    expect(rowKeyFromUrl('1.5')).toBe(1.5);
  });

  it('keeps other text as text', () => {
    expect(rowKeyFromUrl('007')).toBe('007');
    expect(rowKeyFromUrl('1e3')).toBe('1e3');
    expect(rowKeyFromUrl('ALFKI')).toBe('ALFKI');
    expect(rowKeyFromUrl(' 42')).toBe(' 42');
    expect(rowKeyFromUrl('99999999999999999999')).toBe('99999999999999999999');
  });
});
