// The scheduler on a clock the test moves: once per slot across both
// daylight-saving changes of Europe/Berlin, no second start after a restart,
// missed slots run once or are skipped as the spec says, and a slot whose
// audit record fails is tried again.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Scheduler } from '../../runtime/jobs/scheduler.js';
import { JobAuditUnavailable, type JobRunner, type StartRequest } from '../../runtime/jobs/runner.js';
import type { Registry } from '../../runtime/registry.js';

const log = pino({ level: 'silent' });

interface Harness {
  scheduler: Scheduler;
  starts: Array<{ slot: string; at: string; trigger: string; user: string; params: unknown }>;
  clock: { now: number };
  fail: { audit: boolean };
}

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function harness(schedule: { cron: string; timeZone: string; missed?: 'run' | 'skip' }, start: string, file?: string): Harness {
  const folder = mkdtempSync(join(tmpdir(), 'opsdeck-schedules-'));
  folders.push(folder);
  const job = { id: 'nightly', spec: { title: 'Nightly', allow: [], steps: [], schedule: { ...schedule, params: { region: 'eu' } } } };
  const app = { id: 'ledger', model: { jobs: { nightly: job } } };
  const registry = { list: () => [app] } as unknown as Registry;
  const clock = { now: Date.parse(start) };
  const fail = { audit: false };
  const starts: Harness['starts'] = [];
  const runner = {
    start: async (request: StartRequest) => {
      if (fail.audit) throw new JobAuditUnavailable('the audit record could not be written');
      starts.push({ slot: request.slot!, at: new Date(clock.now).toISOString(), trigger: request.trigger, user: request.user.id, params: request.params });
      return { id: `run-${starts.length}` };
    },
  } as unknown as JobRunner;
  const scheduler = new Scheduler(file ?? join(folder, 'schedules.json'), registry, runner, log);
  scheduler.now = () => clock.now;
  return { scheduler, starts, clock, fail };
}

/** Moves the clock from its current time to `until` in steps, checking at each. */
async function walk(h: Harness, until: string, stepMs = 5 * 60_000): Promise<void> {
  const end = Date.parse(until);
  while (h.clock.now < end) {
    h.clock.now = Math.min(end, h.clock.now + stepMs);
    await h.scheduler.check();
  }
}

describe('scheduler', () => {
  it('fires a daily 02:30 Berlin job once per day across spring forward, right after the gap', async () => {
    const h = harness({ cron: '30 2 * * *', timeZone: 'Europe/Berlin' }, '2026-03-27T00:00:00Z');
    await h.scheduler.check();
    await walk(h, '2026-03-31T00:00:00Z');
    h.scheduler.stop();
    // 02:30 does not exist on 29 March: it runs once when the clocks jump to 03:00 (01:00Z).
    expect(h.starts.map((start) => [start.slot, start.at])).toEqual([
      ['2026-03-27T02:30', '2026-03-27T01:30:00.000Z'],
      ['2026-03-28T02:30', '2026-03-28T01:30:00.000Z'],
      ['2026-03-29T02:30', '2026-03-29T01:00:00.000Z'],
      ['2026-03-30T02:30', '2026-03-30T00:30:00.000Z'],
    ]);
    expect(h.starts.every((start) => start.trigger === 'schedule' && start.user === 'schedule')).toBe(true);
    expect(h.starts[0].params).toEqual({ region: 'eu' });
  });

  it('fires once per slot when fall back repeats the hour', async () => {
    const h = harness({ cron: '*/30 2 * * *', timeZone: 'Europe/Berlin' }, '2026-10-24T12:00:00Z');
    await h.scheduler.check();
    await walk(h, '2026-10-26T12:00:00Z', 60_000);
    h.scheduler.stop();
    expect(h.starts.map((start) => [start.slot, start.at])).toEqual([
      ['2026-10-25T02:00', '2026-10-25T00:00:00.000Z'],
      ['2026-10-25T02:30', '2026-10-25T00:30:00.000Z'],
      ['2026-10-26T02:00', '2026-10-26T01:00:00.000Z'],
      ['2026-10-26T02:30', '2026-10-26T01:30:00.000Z'],
    ]);
  });

  it('does not start a slot again after a restart', async () => {
    const first = harness({ cron: '0 * * * *', timeZone: 'UTC' }, '2026-05-01T09:59:00Z');
    await first.scheduler.check();
    await walk(first, '2026-05-01T10:00:30Z', 30_000);
    first.scheduler.stop();
    expect(first.starts.map((start) => start.slot)).toEqual(['2026-05-01T10:00']);
    const second = harness({ cron: '0 * * * *', timeZone: 'UTC' }, '2026-05-01T10:00:40Z', first.scheduler.file);
    await second.scheduler.check();
    second.scheduler.stop();
    expect(second.starts).toEqual([]);
  });

  it('runs a slot missed while down once, when `missed: run`', async () => {
    const before = harness({ cron: '0 2 * * *', timeZone: 'UTC', missed: 'run' }, '2026-06-01T01:59:00Z');
    await before.scheduler.check();
    await walk(before, '2026-06-01T02:01:00Z', 60_000);
    before.scheduler.stop();
    expect(before.starts.map((start) => start.slot)).toEqual(['2026-06-01T02:00']);
    // Down for three nights: one run at start, for the latest slot.
    const after = harness({ cron: '0 2 * * *', timeZone: 'UTC', missed: 'run' }, '2026-06-04T09:00:00Z', before.scheduler.file);
    await after.scheduler.check();
    await after.scheduler.check();
    after.scheduler.stop();
    expect(after.starts.map((start) => [start.slot, start.at])).toEqual([['2026-06-04T02:00', '2026-06-04T09:00:00.000Z']]);
  });

  it('skips a missed slot when `missed: skip`, then fires the next one', async () => {
    const before = harness({ cron: '0 2 * * *', timeZone: 'UTC', missed: 'skip' }, '2026-06-01T01:59:00Z');
    await before.scheduler.check();
    await walk(before, '2026-06-01T02:01:00Z', 60_000);
    before.scheduler.stop();
    const after = harness({ cron: '0 2 * * *', timeZone: 'UTC', missed: 'skip' }, '2026-06-04T09:00:00Z', before.scheduler.file);
    await after.scheduler.check();
    await walk(after, '2026-06-05T02:02:00Z', 60_000);
    after.scheduler.stop();
    expect(after.starts.map((start) => start.slot)).toEqual(['2026-06-05T02:00']);
  });

  it('starts nothing for the slot before it first saw the schedule', async () => {
    const h = harness({ cron: '0 2 * * *', timeZone: 'UTC', missed: 'run' }, '2026-06-01T09:00:00Z');
    await h.scheduler.check();
    h.scheduler.stop();
    expect(h.starts).toEqual([]);
  });

  it('tries a slot again while on time when its audit record could not be written', async () => {
    const h = harness({ cron: '0 2 * * *', timeZone: 'UTC' }, '2026-06-01T01:59:50Z');
    await h.scheduler.check();
    h.fail.audit = true;
    h.clock.now = Date.parse('2026-06-01T02:00:05Z');
    await h.scheduler.check();
    expect(h.starts).toEqual([]);
    h.fail.audit = false;
    h.clock.now = Date.parse('2026-06-01T02:00:20Z');
    await h.scheduler.check();
    await h.scheduler.check();
    h.scheduler.stop();
    expect(h.starts.map((start) => start.slot)).toEqual(['2026-06-01T02:00']);
  });

  it('lists the next slot of each scheduled job', () => {
    const h = harness({ cron: '0 2 * * *', timeZone: 'Europe/Berlin' }, '2026-12-05T12:00:00Z');
    const app = { id: 'ledger', model: { jobs: { nightly: { id: 'nightly', spec: { schedule: { cron: '0 2 * * *', timeZone: 'Europe/Berlin' } } } } } };
    const next = h.scheduler.nextSlots(app as never);
    expect(next.nightly.at.toISOString()).toBe('2026-12-06T01:00:00.000Z');
  });
});
