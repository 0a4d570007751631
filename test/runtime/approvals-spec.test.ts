// The `approval:` block of an action: spec checks, the compiled `approve`
// permission, durations, and the approval store's rules and expiry, without
// a server.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../../core/build-app.js';
import { parseDuration } from '../../core/duration.js';
import { AuditLog } from '../../runtime/audit.js';
import { expireDue } from '../../runtime/approvals/expiry.js';
import { FileApprovalStore } from '../../runtime/approvals/file-store.js';
import { ApprovalConflict, KeyedLock } from '../../runtime/approvals/store.js';
import { newRefundRequest, refundsSpec } from './approvals-app.js';

const log = pino({ level: 'silent' });

describe('approval spec', () => {
  const build = (text: string) => buildApp({ file: 'refunds/app.yaml', text });

  it('compiles approve rules for the approving roles', () => {
    const { model, diagnostics } = build(refundsSpec());
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const rules = model!.policy.policies.filter((rule) => rule[3] === 'approve');
    expect(rules).toEqual([['role:lead', 'refunds', 'action:refund', 'approve']]);
  });

  it('reports an invalid duration with the value and the fix', () => {
    const text = refundsSpec({ expiresAfter: '3 weeks' });
    const { model, diagnostics } = build(text);
    expect(model).toBeUndefined();
    const problem = diagnostics.find((d) => d.code === 'approval-duration');
    expect(problem?.message).toContain('`3 weeks`');
    expect(problem?.hint).toContain('`30m`, `12h` or `3d`');
    const lines = text.split('\n');
    const line = lines.findIndex((candidate) => candidate.includes('expiresAfter: 3 weeks')) + 1;
    expect(problem?.line).toBe(line);
    expect(problem?.col).toBe(lines[line - 1].indexOf('3 weeks') + 1);
  });

  it('reports an unknown approving role', () => {
    const { model, diagnostics } = build(refundsSpec().replace('by: [lead]', 'by: [leed]'));
    expect(model).toBeUndefined();
    const problem = diagnostics.find((d) => d.code === 'unknown-role');
    expect(problem?.message).toContain('`leed`');
    expect(problem?.hint).toContain('lead');
  });

  it('reports an empty list of approving roles', () => {
    const { diagnostics } = build(refundsSpec().replace('by: [lead]', 'by: []'));
    expect(diagnostics.some((d) => d.code === 'approval-no-roles')).toBe(true);
  });

  it('rejects unknown keys under approval', () => {
    const { diagnostics } = build(refundsSpec().replace('by: [lead]', 'by: [lead], quorum: 2'));
    expect(diagnostics.some((d) => d.message.includes('quorum'))).toBe(true);
  });

  it('parses durations', () => {
    expect(parseDuration('30m')).toBe(30 * 60_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('3d')).toBe(3 * 86_400_000);
    expect(parseDuration('365d')).toBe(365 * 86_400_000);
    for (const bad of ['0h', '366d', '1w', '1.5h', '-1h', 'h', '', ' 1h', '01h']) expect(parseDuration(bad), bad).toBeUndefined();
  });
});

describe('file approval store', () => {
  let dir: string;

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const newRequest = newRefundRequest;

  it('replays its file and allows each transition once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'opsdeck-approval-store-'));
    const file = join(dir, 'approvals.jsonl');
    const store = new FileApprovalStore(file, log);
    await store.create(newRequest('a', '2100-01-01T00:00:00.000Z'));
    await store.record({ type: 'approved', id: 'a', at: new Date().toISOString(), by: { id: 'lea', name: 'Lea' } });
    await expect(store.record({ type: 'approved', id: 'a', at: new Date().toISOString(), by: { id: 'liz', name: 'Liz' } })).rejects.toBeInstanceOf(ApprovalConflict);
    await expect(store.record({ type: 'rejected', id: 'missing', at: new Date().toISOString(), by: { id: 'liz', name: 'Liz' } })).rejects.toBeInstanceOf(ApprovalConflict);
    await store.record({ type: 'executed', id: 'a', at: new Date().toISOString(), changes: 1 });
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);

    // A line cut short by a crash is skipped; the rest replays.
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"type":"created","at":`);
    const replayed = new FileApprovalStore(file, log);
    const request = await replayed.get('refunds', 'a');
    expect(request?.status).toBe('executed');
    expect(request?.decision?.by.id).toBe('lea');
    expect(await replayed.get('other-app', 'a')).toBeUndefined();
  });

  it('expires due requests once with one audit record', async () => {
    dir = mkdtempSync(join(tmpdir(), 'opsdeck-approval-store-'));
    const store = new FileApprovalStore(join(dir, 'approvals.jsonl'), log);
    const audit = new AuditLog(join(dir, 'audit.jsonl'));
    const soon = new Date(Date.now() + 60_000).toISOString();
    await store.create(newRequest('due', soon));
    await store.create(newRequest('later', '2100-01-01T00:00:00.000Z'));
    const deps = { store, audit, log, locks: new KeyedLock() };

    const now = await expireDue(deps, 'refunds', Date.now());
    expect(now.map((request) => request.status)).toEqual(['pending', 'pending']);
    const inTwoMinutes = Date.now() + 120_000;
    await Promise.all([expireDue(deps, 'refunds', inTwoMinutes), expireDue(deps, 'refunds', inTwoMinutes)]);
    expect((await store.get('refunds', 'due'))?.status).toBe('expired');
    expect((await store.get('refunds', 'later'))?.status).toBe('pending');
    const records = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(records.map((record) => [record.outcome, record.approval])).toEqual([['expired', 'due']]);
  });
});
