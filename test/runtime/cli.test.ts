import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/apps.js';
import { CLI } from '../helpers/process.js';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

describe('opsdeck CLI', () => {
  it('validates the examples cleanly', () => {
    const result = run('validate', 'examples');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('exits 1 with file:line:col on a broken spec', () => {
    const result = run('validate', join('test', 'fixtures', 'invalid', 'unknown-query-table'));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^test\/fixtures\/invalid\/unknown-query-table\/app\.yaml:\d+:\d+: error unknown-query: /m);
  });

  it('prints JSON for tools', () => {
    const result = run('validate', join('test', 'fixtures', 'invalid', 'role-cycle-viewer-agent'), '--format', 'json');
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.diagnostics.map((d: { code: string }) => d.code)).toContain('role-cycle');
  });

  it('exits 2 when it cannot run', () => {
    expect(run('validate', 'no/such/folder').status).toBe(2);
    expect(run('validate').status).toBe(2);
    expect(run('frobnicate').status).toBe(2);
    const badPort = run('serve', 'examples', '--port', 'eighty');
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toContain('--port');
  });

  it('prints the effective policy', () => {
    const result = run('policy', 'examples');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('flagCustomer');
    expect(result.stdout).toContain('support-agents');
  });
});
