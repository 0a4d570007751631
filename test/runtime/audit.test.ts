import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../core/build-app.js';
import { AuditLog, AuditUnavailable, maskParams } from '../../runtime/audit.js';

let folder: string | undefined;
afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

const entry = { user: 'ana@example.com', groups: ['support'], app: 'desk', object: 'action:reset', action: 'reset', outcome: 'started' as const, specVersion: 'abc' };

describe('audit log', () => {
  it('appends one JSON record per line', async () => {
    folder = mkdtempSync(join(tmpdir(), 'opsdeck-audit-'));
    const log = new AuditLog(join(folder, 'nested', 'audit.jsonl'));
    const first = await log.append(entry);
    await log.append({ ...entry, outcome: 'succeeded', attempt: first.id });
    const lines = readFileSync(log.file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[1].attempt).toBe(lines[0].id);
    expect(Date.parse(lines[0].time)).not.toBeNaN();
  });

  it('raises AuditUnavailable when the file cannot be written', async () => {
    folder = mkdtempSync(join(tmpdir(), 'opsdeck-audit-'));
    mkdirSync(join(folder, 'audit.jsonl'));
    const log = new AuditLog(join(folder, 'audit.jsonl'));
    await expect(log.append(entry)).rejects.toThrow(AuditUnavailable);
    expect(log.status).toEqual({ available: false, reason: 'the audit log path is a directory' });
  });

  it('fills object from action when missing', async () => {
    folder = mkdtempSync(join(tmpdir(), 'opsdeck-audit-'));
    const log = new AuditLog(join(folder, 'audit.jsonl'));
    const { object: _object, ...withoutObject } = entry;
    const record = await log.append(withoutObject);
    expect(record.object).toBe('action:reset');
  });

  it('masks secret-looking names of any parameter', () => {
    const masked = maskParams({ apiKey: 'k', api_key: 'k', Authorization: 'Bearer x', accessToken: 't', clientSecret: 's', userPassword: 'p', customer: 'Ana' }, []);
    expect(masked).toEqual({ apiKey: '***', api_key: '***', Authorization: '***', accessToken: '***', clientSecret: '***', userPassword: '***', customer: 'Ana' });
  });

  it('masks secret parameters by flag and by name', () => {
    const { model, diagnostics } = buildApp({
      file: 'app.yaml',
      text: `opsdeck: 1
id: desk
title: Desk
datasources:
  main: { kind: sqlite, file: d.sqlite }
roles:
  admin: { members: { groups: [ops] } }
actions:
  reset:
    title: Reset
    datasource: main
    sql: update account set pin = :pin, password_hash = :newPassword, note = :note where id = :id
    params:
      id: { type: integer }
      pin: { type: string, secret: true }
      newPassword: { type: string }
      note: { type: string }
    allow: [admin]
pages:
  home:
    title: Home
    allow: [admin]
    components:
      - form: { action: reset }
`,
    });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const secret = model!.actions.reset.secretParams;
    expect(maskParams({ id: 1, pin: '1234', newPassword: 'hunter2', note: 'call back' }, secret)).toEqual({ id: 1, pin: '***', newPassword: '***', note: 'call back' });
  });
});
