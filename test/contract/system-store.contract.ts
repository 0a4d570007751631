// One contract for every system store: the same cases run against the file
// store (.opsdeck/ files) and the PostgreSQL store. "Two writers" are two
// handles on one store. For PostgreSQL they are two logs on separate pools,
// as two processes would have. For the file they are one log shared by two
// callers, because the file log supports one writing process only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditUnavailable, type AuditEntry, type AuditLog, type AuditRecord } from '../../runtime/audit.js';
import { GENESIS, recordHash } from '../../runtime/audit-chain.js';
import { RevocationFailed, type SessionRevocations } from '../../runtime/session-revocations.js';
import { ApprovalConflict, ApprovalStoreUnavailable, type ApprovalStore, type NewApprovalRequest } from '../../runtime/approvals/store.js';

export interface SystemStoreTarget {
  name: string;
  /** Opens two audit log handles on one new, empty store. */
  openAuditWriters(): Promise<[AuditLog, AuditLog]>;
  /** Opens an audit log whose store cannot be written (closed port, path under a file). */
  openUnavailableAudit(): Promise<AuditLog>;
  /** Opens two approval store handles on one new, empty store. */
  openApprovalStores(): Promise<[ApprovalStore, ApprovalStore]>;
  /** Opens an approval store that cannot record events. */
  openUnavailableApprovals(): Promise<ApprovalStore>;
  /** Opens two lists of signed-out sessions on one new, empty store, started. */
  openSessionLists(): Promise<[SessionRevocations, SessionRevocations]>;
  /** Opens a list of signed-out sessions that cannot record a sign-out. */
  openUnavailableSessions(): Promise<SessionRevocations>;
  /** Closes what the open functions opened and removes their data. */
  cleanup(): Promise<void>;
}

const entry = (writer: string, n: number): AuditEntry => ({ user: `${writer}@example.com`, groups: ['ops'], app: 'desk', object: `action:a${n}`, outcome: 'succeeded', specVersion: 'v1', params: { n, nested: { b: 1.5, a: [2, { z: null, y: 'ü' }] } } });

function request(id: string, app = 'desk'): NewApprovalRequest {
  const now = new Date();
  return {
    id,
    app,
    action: 'refund',
    params: { amount: 12.5, note: 'x' },
    maskedParams: { amount: 12.5, note: 'x' },
    requester: { id: 'req@example.com', name: 'Req', groups: ['ops'], attributes: {} },
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
    specVersion: 'v1',
  };
}

/** Checks a list of records, oldest first, as one chain from GENESIS. */
function expectOneChain(records: Array<Record<string, unknown>>): void {
  let prev = GENESIS;
  records.forEach((record, index) => {
    expect(record.seq).toBe(index + 1);
    expect(record.prev).toBe(prev);
    expect(recordHash(record)).toBe(record.hash);
    prev = record.hash as string;
  });
}

export function systemStoreContract(target: SystemStoreTarget): void {
  describe(`system store contract: ${target.name}`, () => {
    afterAll(() => target.cleanup());

    describe('audit log', () => {
      let writers: [AuditLog, AuditLog];
      beforeAll(async () => {
        writers = await target.openAuditWriters();
      });

      it('appends and reads in order', async () => {
        const [log] = writers;
        const first = await log.append(entry('a', 1));
        const second = await log.append({ ...entry('a', 2), app: 'other' });
        const third = await log.append(entry('a', 3), { sync: false });
        expect([first.seq, second.seq, third.seq]).toEqual([1, 2, 3]);
        expect(first.prev).toBe(GENESIS);
        expect(second.prev).toBe(first.hash);
        expect(third.prev).toBe(second.hash);
        const desk = await log.appRecords('desk');
        expect(desk.map((record) => record.id)).toEqual([third.id, first.id]);
        expect(desk[1]).toEqual(first);
        expect(await log.appRecords('nobody')).toEqual([]);
        expect(log.status).toEqual({ available: true });
        expect(await log.probe()).toEqual({ available: true });
      });

      it('keeps one valid chain when two writers append concurrently', async () => {
        const [one, two] = writers;
        const before = (await one.verify()).records;
        const perWriter = 40;
        // Each writer appends one record at a time (many short transactions that wait for each other) and then a burst that forms batches.
        const writeAll = async (log: AuditLog, name: string): Promise<AuditRecord[]> => {
          const records: AuditRecord[] = [];
          for (let n = 0; n < perWriter / 2; n += 1) records.push(await log.append(entry(name, n), { sync: n % 3 !== 0 }));
          records.push(...(await Promise.all(Array.from({ length: perWriter / 2 }, (_, n) => log.append(entry(name, n))))));
          return records;
        };
        const written = await Promise.all([writeAll(one, 'one'), writeAll(two, 'two')]);
        const seqs = written.flat().map((record) => record.seq).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: perWriter * 2 }, (_, n) => before + n + 1));
        const result = await two.verify();
        expect(result.problem).toBeUndefined();
        expect(result.records).toBe(before + perWriter * 2);
        const all = [...(await one.appRecords('desk')), ...(await one.appRecords('other'))].sort((a, b) => a.seq - b.seq);
        expectOneChain(all as unknown as Array<Record<string, unknown>>);
      });

      it('searches one app by filter and page', async () => {
        const [log] = writers;
        const base = { groups: ['ops'], app: 'search', specVersion: 'v1' };
        const appended: AuditRecord[] = [];
        for (let n = 0; n < 7; n += 1) {
          const user = n % 2 === 0 ? 'Ana@Example.com' : 'bo@example.com';
          appended.push(await log.append({ ...base, user, object: n < 4 ? 'action:refund' : 'query:list', outcome: n === 6 ? 'failed' : 'succeeded' }));
        }
        await log.append({ ...base, app: 'elsewhere', user: 'ana@example.com', object: 'action:refund', outcome: 'succeeded' });
        const ids = (records: AuditRecord[]): string[] => records.map((record) => record.id);
        const page = { limit: 50, offset: 0 };

        const all = await log.searchRecords('search', page);
        expect(all.total).toBe(7);
        expect(ids(all.records)).toEqual(ids(appended).reverse());
        expect(all.records[6]).toEqual(appended[0]);

        const ana = await log.searchRecords('search', { ...page, user: 'ana@example.com' });
        expect(ids(ana.records)).toEqual(ids([appended[6], appended[4], appended[2], appended[0]]));

        const refunds = await log.searchRecords('search', { object: 'action:refund', limit: 2, offset: 1 });
        expect(refunds.total).toBe(4);
        expect(ids(refunds.records)).toEqual(ids([appended[2], appended[1]]));

        const failed = await log.searchRecords('search', { ...page, outcome: 'failed' });
        expect(ids(failed.records)).toEqual([appended[6].id]);

        const since = Date.parse(appended[3].time);
        const recent = await log.searchRecords('search', { ...page, from: since });
        expect(ids(recent.records)).toEqual(ids(appended.filter((record) => Date.parse(record.time) >= since)).reverse());
        const until = await log.searchRecords('search', { ...page, to: since });
        expect(ids(until.records)).toEqual(ids(appended.filter((record) => Date.parse(record.time) <= since)).reverse());

        const beyond = await log.searchRecords('search', { limit: 5, offset: 100 });
        expect(beyond).toEqual({ records: [], total: 7 });
        expect(await log.searchRecords('nobody', page)).toEqual({ records: [], total: 0 });
      });

      it('fails closed when the store cannot be written', async () => {
        const broken = await target.openUnavailableAudit();
        try {
          await expect(broken.append(entry('x', 1))).rejects.toBeInstanceOf(AuditUnavailable);
          expect(broken.status.available).toBe(false);
          expect(broken.status.reason).toMatch(/\w/);
          expect((await broken.probe()).available).toBe(false);
        } finally {
          await broken.close();
        }
      });
    });

    describe('approval store', () => {
      let stores: [ApprovalStore, ApprovalStore];
      beforeAll(async () => {
        stores = await target.openApprovalStores();
      });

      it('shares created requests, rejects duplicates', async () => {
        const [one, two] = stores;
        const created = await one.create(request('r1'));
        expect(created.status).toBe('pending');
        expect(await two.get('desk', 'r1')).toEqual(created);
        expect(await two.get('other', 'r1')).toBeUndefined();
        expect((await two.list('desk')).map((r) => r.id)).toContain('r1');
        await expect(two.create(request('r1'))).rejects.toBeInstanceOf(ApprovalConflict);
      });

      it('shares decisions under status rules', async () => {
        const [one, two] = stores;
        await one.create(request('r2'));
        const approved = await two.record({ type: 'approved', id: 'r2', at: new Date().toISOString(), by: { id: 'boss@example.com', name: 'Boss' }, comment: 'ok' });
        expect(approved.decision).toMatchObject({ status: 'approved', comment: 'ok' });
        expect((await one.get('desk', 'r2'))?.status).toBe('approved');
        await expect(one.record({ type: 'rejected', id: 'r2', at: new Date().toISOString(), by: { id: 'b', name: 'B' } })).rejects.toBeInstanceOf(ApprovalConflict);
        const executed = await one.record({ type: 'executed', id: 'r2', at: new Date().toISOString(), changes: 1 });
        expect(executed).toMatchObject({ status: 'executed', result: { changes: 1 } });
        await expect(one.record({ type: 'expired', id: 'missing', at: new Date().toISOString() })).rejects.toBeInstanceOf(ApprovalConflict);
      });

      it('lets exactly one of an approval and a rejection sent at once win', async () => {
        const [one, two] = stores;
        for (let round = 0; round < 5; round += 1) {
          const id = `race-${round}`;
          await one.create(request(id));
          const outcomes = await Promise.allSettled([
            one.record({ type: 'approved', id, at: new Date().toISOString(), by: { id: 'a', name: 'A' } }),
            two.record({ type: 'rejected', id, at: new Date().toISOString(), by: { id: 'b', name: 'B' } }),
          ]);
          const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
          const lost = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(1);
          expect(lost[0].reason).toBeInstanceOf(ApprovalConflict);
          const stored = await two.get('desk', id);
          expect(stored?.status).toBe((won[0] as PromiseFulfilledResult<{ status: string }>).value.status);
        }
      });

      it('raises ApprovalStoreUnavailable when it cannot record', async () => {
        const broken = await target.openUnavailableApprovals();
        await expect(broken.create(request('lost'))).rejects.toBeInstanceOf(ApprovalStoreUnavailable);
      });
    });

    describe('signed-out sessions', () => {
      it('shares a sign-out between handles', async () => {
        const [one, two] = await target.openSessionLists();
        await one.revoke('session-1', Date.now() + 3_600_000);
        expect(one.isRevoked('session-1')).toBe(true);
        // The PostgreSQL store's other processes read new sign-outs on a timer.
        for (const until = Date.now() + 3_000; !two.isRevoked('session-1') && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(two.isRevoked('session-1')).toBe(true);
        expect(two.isRevoked('session-2')).toBe(false);
      });

      it('ignores a sign-out past its expiry', async () => {
        const [one] = await target.openSessionLists();
        await one.revoke('expired', Date.now() - 1_000);
        expect(one.isRevoked('expired')).toBe(false);
      });

      it('raises RevocationFailed when it cannot record', async () => {
        const broken = await target.openUnavailableSessions();
        await expect(broken.revoke('lost', Date.now() + 3_600_000)).rejects.toBeInstanceOf(RevocationFailed);
      });
    });
  });
}
