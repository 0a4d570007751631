import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSettings } from '../../core/settings.js';
import { loadSettingsFile, SettingsError } from '../../runtime/settings-file.js';
import { safeReturnTo } from '../../runtime/oidc/login-state.js';
import { identityFromClaims, ClaimError } from '../../runtime/oidc/claims.js';

const OIDC = `identity:
  mode: oidc
  oidc:
    issuer: https://sso.example.com
    clientId: opsdeck
    clientSecret: \${env:OPSDECK_TEST_OIDC_SECRET}
    redirectUrl: https://opsdeck.example.com/auth/callback
`;

describe('oidc settings', () => {
  it('applies defaults', () => {
    const { settings, diagnostics } = buildSettings(OIDC, 'opsdeck.yaml');
    expect(diagnostics).toEqual([]);
    expect(settings?.identity.mode).toBe('oidc');
    expect(settings?.identity.oidc).toEqual({
      issuer: 'https://sso.example.com',
      clientId: 'opsdeck',
      clientSecret: '${env:OPSDECK_TEST_OIDC_SECRET}',
      redirectUrl: 'https://opsdeck.example.com/auth/callback',
      scopes: ['openid', 'email', 'profile'],
      groupsClaim: 'groups',
      nameClaim: 'name',
      attributeClaims: [],
    });
  });

  it('oidc mode without identity.oidc', () => {
    const { settings, diagnostics } = buildSettings('identity:\n  mode: oidc\n', 'opsdeck.yaml');
    expect(settings).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'schema-required', file: 'opsdeck.yaml', line: 2, col: 9, severity: 'error' });
    expect(diagnostics[0].message).toContain('identity.oidc');
  });

  it('missing client id', () => {
    const { diagnostics } = buildSettings(OIDC.replace('    clientId: opsdeck\n', ''), 'opsdeck.yaml');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0].message).toContain('clientId');
    expect(diagnostics[0].line).toBe(3);
  });

  it('redirect URL on another path', () => {
    const { diagnostics } = buildSettings(OIDC.replace('/auth/callback', '/callback'), 'opsdeck.yaml');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'oidc-redirect-path', line: 7, col: 18 });
  });

  it('plain http issuer off loopback', () => {
    const { diagnostics } = buildSettings(OIDC.replace('https://sso.example.com', 'http://sso.example.com'), 'opsdeck.yaml');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'oidc-insecure-issuer', line: 4, col: 13 });
  });

  it('plain http issuer on loopback', () => {
    const { diagnostics } = buildSettings(OIDC.replace('https://sso.example.com', 'http://127.0.0.1:9999'), 'opsdeck.yaml');
    expect(diagnostics).toEqual([]);
  });

  it('scopes without openid', () => {
    const { diagnostics } = buildSettings(`${OIDC}    scopes: [email, profile]\n`, 'opsdeck.yaml');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'oidc-scopes-openid', line: 8, col: 13 });
  });

  it('client secret written in the file', () => {
    const { settings, diagnostics } = buildSettings(OIDC.replace('${env:OPSDECK_TEST_OIDC_SECRET}', 'literal-secret'), 'opsdeck.yaml');
    expect(settings).toBeDefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'secret-in-file', severity: 'warning', line: 6 });
    expect(diagnostics[0].message).not.toContain('literal-secret');
  });
});

describe('oidc runtime settings', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  function folder(text: string): string {
    root = mkdtempSync(join(tmpdir(), 'opsdeck-oidc-settings-'));
    writeFileSync(join(root, 'opsdeck.yaml'), text);
    return root;
  }

  it('resolves the client secret', () => {
    const settings = loadSettingsFile(folder(OIDC), {}, { OPSDECK_TEST_OIDC_SECRET: 'from-the-environment' });
    expect(settings.identity.mode).toBe('oidc');
    expect(settings.identity.oidc?.clientSecret).toBe('from-the-environment');
  });

  it('unset client secret variable', () => {
    let error: unknown;
    try {
      loadSettingsFile(folder(OIDC), {}, {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const [diagnostic] = (error as SettingsError).diagnostics;
    expect(diagnostic).toMatchObject({ code: 'env-missing', line: 6, col: 19 });
    expect(diagnostic.message).toContain('OPSDECK_TEST_OIDC_SECRET');
  });
});

describe('safeReturnTo', () => {
  const kept = ['/', '/apps/chinook-support', '/apps/chinook-support/customers?search=ana#top', '/login?next=%2Fapps'];
  for (const path of kept) {
    it(`keeps ${path}`, () => expect(safeReturnTo(path)).toBe(path));
  }
  const rejected = ['https://evil.example/', '//evil.example', '///evil.example', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)', 'apps', '', '/\tevil', '/a\nb', `/${'a'.repeat(3000)}`];
  for (const value of rejected) {
    it(`rejects ${JSON.stringify(value.slice(0, 40))}`, () => expect(safeReturnTo(value)).toBe('/'));
  }
  it('rejects a non-string', () => {
    expect(safeReturnTo(['/a', '/b'])).toBe('/');
    expect(safeReturnTo(undefined)).toBe('/');
  });
});

describe('identityFromClaims', () => {
  const settings = { groupsClaim: 'groups', nameClaim: 'name', attributeClaims: ['region', 'teams'] };

  it('reads email, name, groups and attributes', () => {
    const identity = identityFromClaims({ sub: 's1', email: 'Ana@Example.com', name: 'Ana', groups: ['support', 'support-leads'], region: 'emea', teams: ['a', 'b'], other: 'x' }, settings);
    expect(identity.id).toBe('ana@example.com');
    expect(identity.name).toBe('Ana');
    expect(identity.groups).toEqual(['support', 'support-leads']);
    expect(identity.attributes).toEqual({ region: 'emea', teams: ['a', 'b'] });
  });

  it('falls back to sub', () => {
    expect(identityFromClaims({ sub: 'user-7' }, settings).id).toBe('user-7');
  });

  it('ignores an unverified email', () => {
    expect(identityFromClaims({ sub: 'user-8', email: 'boss@example.com', email_verified: false }, settings).id).toBe('user-8');
    expect(identityFromClaims({ sub: 'user-9', email: 'me@example.com', email_verified: true }, settings).id).toBe('me@example.com');
  });

  it('keeps a string as one group', () => {
    expect(identityFromClaims({ sub: 's', groups: 'support, sales' }, settings).groups).toEqual(['support, sales']);
  });

  it('uses the configured claims', () => {
    const identity = identityFromClaims({ sub: 's', roles: ['ops'], display: 'Dee', groups: ['ignored'] }, { groupsClaim: 'roles', nameClaim: 'display', attributeClaims: [] });
    expect(identity.groups).toEqual(['ops']);
    expect(identity.name).toBe('Dee');
  });

  it('rejects groups that are not strings', () => {
    expect(() => identityFromClaims({ sub: 's', groups: [1, 2] }, settings)).toThrow(ClaimError);
    expect(() => identityFromClaims({ sub: 's', groups: { a: 1 } }, settings)).toThrow(/groups/);
  });

  it('rejects claims without email or sub', () => {
    expect(() => identityFromClaims({ name: 'x' }, settings)).toThrow(ClaimError);
  });
});
