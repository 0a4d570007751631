import { describe, expect, test } from 'vitest';
import { buildSettings, DEFAULT_SETTINGS, resolveEnvRefs } from '../../core/settings.js';

describe('buildSettings', () => {
  test('empty file gives defaults', () => {
    expect(buildSettings('', 'opsdeck.yaml')).toEqual({ settings: DEFAULT_SETTINGS, diagnostics: [] });
    expect(buildSettings('# only a comment\n', 'opsdeck.yaml').settings).toEqual(DEFAULT_SETTINGS);
  });

  test('example settings file', () => {
    const { settings, diagnostics } = buildSettings('identity:\n  mode: dev\n', 'opsdeck.yaml');
    expect(diagnostics).toEqual([]);
    expect(settings?.server).toEqual({ host: '127.0.0.1', port: 3000, shutdownTimeoutMs: 10_000 });
    expect(settings?.audit.file).toBe('.opsdeck/audit.jsonl');
    expect(settings?.session.maxAgeHours).toBe(12);
  });

  test('proxy settings merged with defaults', () => {
    const text = [
      'identity:',
      '  mode: proxy',
      '  proxy:',
      '    trustedProxies: [127.0.0.1, "::1"]',
      '    nameHeader: X-Forwarded-User',
      'server: { port: 8080 }',
      'session: { secret: "${env:OPSDECK_SECRET}" }',
    ].join('\n');
    const { settings, diagnostics } = buildSettings(text, 'opsdeck.yaml');
    expect(diagnostics).toEqual([]);
    expect(settings?.identity).toEqual({
      mode: 'proxy',
      proxy: { trustedProxies: ['127.0.0.1', '::1'], userHeader: 'X-Forwarded-Email', groupsHeader: 'X-Forwarded-Groups', nameHeader: 'X-Forwarded-User' },
    });
    expect(settings?.server).toEqual({ host: '127.0.0.1', port: 8080, shutdownTimeoutMs: 10_000 });
    expect(settings?.session).toEqual({ secret: '${env:OPSDECK_SECRET}', maxAgeHours: 12 });
  });

  test('proxy mode without proxies rejected', () => {
    const { settings, diagnostics } = buildSettings('identity:\n  mode: proxy\n', 'opsdeck.yaml');
    expect(settings).toBeUndefined();
    expect(diagnostics).toMatchObject([{ code: 'schema-required', line: 2, col: 9 }]);
  });

  test('bad address, port and mode reported at their values', () => {
    const text = 'identity:\n  mode: sso\n  proxy: { trustedProxies: [localhost] }\nserver: { port: 70000 }\n';
    const { diagnostics } = buildSettings(text, 'opsdeck.yaml');
    expect(diagnostics).toContainEqual(expect.objectContaining({ code: 'schema-enum', line: 2, col: 9 }));
    expect(diagnostics).toContainEqual(expect.objectContaining({ code: 'schema-invalid', line: 3, col: 29 }));
    expect(diagnostics).toContainEqual(expect.objectContaining({ code: 'schema-range', line: 4, col: 17 }));
  });

  test('unknown key gets a suggestion', () => {
    const { diagnostics } = buildSettings('sever:\n  port: 3000\n', 'opsdeck.yaml');
    expect(diagnostics).toMatchObject([{ code: 'schema-unknown-property', line: 1, col: 1, hint: 'Did you mean `server`?' }]);
  });

  test('yaml errors come from the shared loader', () => {
    expect(buildSettings('server:\n\tport: 1\n', 'opsdeck.yaml').diagnostics).toMatchObject([{ code: 'yaml-tab-indent', line: 2, col: 1 }]);
  });
});

describe('resolveEnvRefs', () => {
  test('replaces references', () => {
    expect(resolveEnvRefs('${env:A}-${env:B}', { A: 'x', B: 'y' })).toEqual({ ok: true, value: 'x-y' });
    expect(resolveEnvRefs('plain', {})).toEqual({ ok: true, value: 'plain' });
  });

  test('missing variable named, value never shown', () => {
    const result = resolveEnvRefs('${env:SET}${env:MISSING}', { SET: 'hunter2' });
    expect(result).toMatchObject({ ok: false, variable: 'MISSING' });
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  test('empty variable counts as missing', () => {
    expect(resolveEnvRefs('${env:E}', { E: '' })).toMatchObject({ ok: false, variable: 'E' });
  });

  test('invalid variable name rejected', () => {
    expect(resolveEnvRefs('${env:1BAD}', { '1BAD': 'x' })).toMatchObject({ ok: false, variable: '1BAD' });
  });
});
