// Schedules: starts each job with `schedule:` once per slot of its cron
// expression. A slot is claimed in a slot store before its run is queued:
// `.opsdeck/schedules.json` (fsynced, then renamed into place) for one
// server, or the PostgreSQL system store, where a unique key lets exactly one
// of several servers claim it. So neither a crash nor a second replica starts
// one slot twice. A slot missed while the server was down runs once at start
// or is skipped, as the job's `missed:` says; several missed slots run once,
// not once each.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { nextSlot, parseCron, previousSlot, type CronSchedule, type CronSlot } from '../../core/cron.js';
import type { JobModel } from '../../core/model.js';
import type { Logger } from '../log.js';
import type { LiveApp, Registry } from '../registry.js';
import { JobAuditUnavailable, type JobRunner } from './runner.js';
import { SCHEDULE_USER } from './run-state.js';

/** A slot that started at most this long ago counts as on time, not missed. */
export const ON_TIME_MS = 60_000;

/** Maximum sleep between checks, so spec changes and clock jumps are picked up. */
const MAX_SLEEP_MS = 30_000;

/** The last slot claimed for a schedule: its id and when it fired. */
export interface LastSlot {
  slot: string;
  at: string;
}

/** A store of claimed slots; schedules are named `<app>/<job>`. */
export interface SlotStore {
  /** Returns the latest slot claimed for the schedule. */
  last(schedule: string): Promise<LastSlot | undefined>;
  /** Claims a slot; false when it was claimed already, by this or another process. */
  claim(schedule: string, slot: CronSlot): Promise<boolean>;
  /** Gives a claimed slot back (its run could not be queued), so the next check tries it again. */
  release(schedule: string, slot: CronSlot, previous: LastSlot | undefined): Promise<void>;
}

/** Slots of one server in a JSON file: the latest slot per schedule. */
export class FileSlotStore implements SlotStore {
  readonly file: string;
  readonly #last: Record<string, LastSlot>;
  readonly #log: Logger;

  constructor(file: string, log: Logger) {
    this.file = file;
    this.#log = log;
    this.#last = this.#read();
  }

  async last(schedule: string): Promise<LastSlot | undefined> {
    return this.#last[schedule];
  }

  async claim(schedule: string, slot: CronSlot): Promise<boolean> {
    const last = this.#last[schedule];
    if (last !== undefined && (last.slot === slot.id || Date.parse(last.at) >= slot.at.getTime())) return false;
    this.#last[schedule] = { slot: slot.id, at: slot.at.toISOString() };
    this.#write();
    return true;
  }

  async release(schedule: string, _slot: CronSlot, previous: LastSlot | undefined): Promise<void> {
    if (previous === undefined) delete this.#last[schedule];
    else this.#last[schedule] = previous;
    this.#write();
  }

  #read(): Record<string, LastSlot> {
    if (!existsSync(this.file)) return {};
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, LastSlot>;
    } catch (err) {
      this.#log.warn({ err, file: this.file }, 'schedules file unreadable; every schedule starts from its next slot');
    }
    return {};
  }

  /** Writes the file whole: to a temporary file, fsynced, then renamed over the old one. */
  #write(): void {
    const temporary = `${this.file}.tmp`;
    mkdirSync(dirname(this.file), { recursive: true });
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(this.#last, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
  }
}

export class Scheduler {
  /** The slots file, when the slots are kept in one. */
  readonly file: string | undefined;
  readonly #slots: SlotStore;
  readonly #registry: Registry;
  readonly #runner: JobRunner;
  readonly #log: Logger;
  readonly #parsed = new Map<string, CronSchedule>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #checking: Promise<void> = Promise.resolve();
  /** Clock, replaceable in tests. */
  now: () => number = Date.now;

  /** `slots` is a slot store, or the path of the slots file of one server. */
  constructor(slots: string | SlotStore, registry: Registry, runner: JobRunner, log: Logger) {
    this.#slots = typeof slots === 'string' ? new FileSlotStore(slots, log) : slots;
    this.file = typeof slots === 'string' ? slots : undefined;
    this.#registry = registry;
    this.#runner = runner;
    this.#log = log;
  }

  /** Checks every schedule now (running or skipping missed slots), then keeps checking at each next slot. */
  start(): Promise<void> {
    return this.check();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  /** Starts the runs that are due, then sleeps until the next slot. Checks never overlap. */
  check(): Promise<void> {
    this.#checking = this.#checking.then(() => this.#checkOnce()).catch((err) => this.#log.error({ err }, 'schedule check failed'));
    return this.#checking;
  }

  /** Returns the next slot of each scheduled job of an app, for the Jobs page. */
  nextSlots(app: LiveApp): Record<string, CronSlot> {
    const slots: Record<string, CronSlot> = {};
    for (const job of Object.values(app.model.jobs)) {
      const schedule = this.#scheduleOf(job);
      if (schedule !== undefined) slots[job.id] = nextSlot(schedule, new Date(this.now()));
    }
    return slots;
  }

  async #checkOnce(): Promise<void> {
    if (this.#stopped) return;
    const now = this.now();
    let wake = now + MAX_SLEEP_MS;
    for (const app of this.#registry.list()) {
      for (const job of Object.values(app.model.jobs)) {
        const schedule = this.#scheduleOf(job);
        if (schedule === undefined) continue;
        await this.#checkJob(app, job, schedule, now);
        wake = Math.min(wake, nextSlot(schedule, new Date(now)).at.getTime());
      }
    }
    if (this.#stopped) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.check(), Math.max(250, wake - this.now() + 5));
    this.#timer.unref();
  }

  async #checkJob(app: LiveApp, job: JobModel, schedule: CronSchedule, now: number): Promise<void> {
    const key = `${app.id}/${job.id}`;
    const due = previousSlot(schedule, new Date(now));
    if (due === undefined) return;
    const last = await this.#slots.last(key);
    if (last !== undefined && (last.slot === due.id || Date.parse(last.at) >= due.at.getTime())) return;
    const onTime = now - due.at.getTime() < ON_TIME_MS;
    const missed = job.spec.schedule!.missed ?? 'skip';
    if (!onTime && (last === undefined || missed === 'skip')) {
      // A schedule seen for the first time starts with its next slot; a missed slot under `missed: skip` is passed over.
      if ((await this.#slots.claim(key, due)) && last !== undefined) this.#log.info({ app: app.id, job: job.id, slot: due.id }, 'missed schedule slot skipped');
      return;
    }
    // Another process may have claimed the slot first; then it starts the run.
    if (!(await this.#slots.claim(key, due))) return;
    try {
      const run = await this.#runner.start({ app, job, user: SCHEDULE_USER, params: job.spec.schedule!.params ?? {}, trigger: 'schedule', slot: due.id });
      this.#log.info({ app: app.id, job: job.id, slot: due.id, run: run.id, late: !onTime }, 'scheduled job run queued');
    } catch (err) {
      if (err instanceof JobAuditUnavailable) {
        // Not started: give the slot back so the next check tries again while it is on time.
        await this.#slots.release(key, due, last);
        return;
      }
      this.#log.error({ err, app: app.id, job: job.id, slot: due.id }, 'scheduled job run not started');
    }
  }

  #scheduleOf(job: JobModel): CronSchedule | undefined {
    const spec = job.spec.schedule;
    if (spec === undefined) return undefined;
    const cacheKey = `${spec.cron}\u0000${spec.timeZone}`;
    let parsed = this.#parsed.get(cacheKey);
    if (parsed === undefined) {
      const result = parseCron(spec.cron, spec.timeZone);
      // Validation rejects specs whose schedule does not parse, so this is a safety net.
      if ('problems' in result) return undefined;
      parsed = result.schedule;
      this.#parsed.set(cacheKey, parsed);
    }
    return parsed;
  }
}
