// Settings for running Opsdeck in operations: metrics, file watching and the
// shutdown wait, with their defaults and the errors for bad values.
import { describe, expect, it } from 'vitest';
import { buildSettings } from '../../core/settings.js';
import { formatDiagnostic } from '../../core/format.js';

const FILE = '/srv/opsdeck/opsdeck.yaml';

function errorsOf(text: string): string[] {
  const { settings, diagnostics } = buildSettings(text, FILE);
  expect(settings).toBeUndefined();
  return diagnostics.map((d) => formatDiagnostic(d, text));
}

describe('operations settings', () => {
  it('defaults to metrics on, event watching and a 10 s shutdown wait', () => {
    const { settings, diagnostics } = buildSettings('', FILE);
    expect(diagnostics).toEqual([]);
    expect(settings?.metrics).toEqual({ enabled: true });
    expect(settings?.watch).toEqual({ mode: 'events', intervalMs: 1000 });
    expect(settings?.server.shutdownTimeoutMs).toBe(10_000);
  });

  it('reads poll mode, metrics restrictions and the shutdown wait', () => {
    const text = 'watch: { mode: poll, intervalMs: 2500 }\nmetrics: { enabled: true, allowFrom: [10.0.0.0/8, "::1"] }\nserver: { shutdownTimeoutMs: 3000 }\n';
    const { settings, diagnostics } = buildSettings(text, FILE);
    expect(diagnostics).toEqual([]);
    expect(settings?.watch).toEqual({ mode: 'poll', intervalMs: 2500 });
    expect(settings?.metrics).toEqual({ enabled: true, allowFrom: ['10.0.0.0/8', '::1'] });
    expect(settings?.server).toEqual({ host: '127.0.0.1', port: 3000, shutdownTimeoutMs: 3000 });
  });

  it('names the file, line and allowed values of an unknown watch mode', () => {
    const [message, ...rest] = errorsOf('identity:\n  mode: dev\nwatch:\n  mode: sometimes\n');
    expect(rest).toEqual([]);
    expect(message).toContain(`${FILE}:4:9`);
    expect(message).toContain('"sometimes" is not an allowed value for watch.mode');
    expect(message).toContain('`events`, `poll`');
  });

  it('rejects a polling interval out of range, unknown keys and a non-boolean enabled', () => {
    expect(errorsOf('watch: { mode: poll, intervalMs: 5 }\n')[0]).toMatch(/opsdeck\.yaml:1:\d+: error schema-range: 5 is not valid for watch\.intervalMs: it must be 100 or more/);
    expect(errorsOf('watch: { mode: poll, every: 3 }\n')[0]).toContain('unknown property `every` in watch');
    expect(errorsOf('metrics:\n  enabled: maybe\n')[0]).toContain('metrics.enabled must be a boolean');
    expect(errorsOf('server: { shutdownTimeoutMs: -1 }\n')[0]).toContain('server.shutdownTimeoutMs: it must be 0 or more');
  });

  it('rejects a metrics.allowFrom entry that is not an address or range', () => {
    expect(errorsOf('metrics:\n  allowFrom: [nonsense]\n')[0]).toContain(`${FILE}:2:15`);
    const [range] = errorsOf('metrics:\n  allowFrom: [10.0.0.0/40]\n');
    expect(range).toContain('metrics.allowFrom entry "10.0.0.0/40" is invalid');
  });
});
