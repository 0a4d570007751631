import { describe, expect, it } from 'vitest';
import { appPath, isLocalPath, parseRoute } from './router.js';

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
