// The run store of one served folder: an append-only JSON-lines file of run
// events (`.opsdeck/jobs.jsonl`), each fsynced before the caller goes on, and
// replayed into memory when the server starts. When the file holds many
// finished runs, start-up rewrites it with one snapshot line per kept run.
//
// NOTE: this store suits one server process; two servers on one folder do not
// see each other's runs.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';
import { applyRunEvent, FINAL_STATUSES, RunConflict, RunStoreUnavailable, type JobRun, type NewRun, type RecordOptions, type RunEvent, type RunStatus, type RunStore } from './run-state.js';

/** Finished runs kept per app when the file is compacted. */
export const KEPT_FINISHED_RUNS = 500;

type StoredLine = RunEvent | { type: 'snapshot'; run: JobRun };

export class FileRunStore implements RunStore {
  readonly file: string;
  readonly #runs = new Map<string, JobRun>();
  readonly #log: Logger;
  /** End of the chain of event writes. */
  #tail: Promise<void> = Promise.resolve();

  constructor(file: string, log: Logger) {
    this.file = file;
    this.#log = log;
    const lines = this.#replay();
    if (lines > 4 * KEPT_FINISHED_RUNS && this.#prune()) this.#rewrite();
  }

  async create(run: NewRun): Promise<JobRun> {
    return this.#apply({ type: 'created', at: run.createdAt, run });
  }

  async get(app: string, id: string): Promise<JobRun | undefined> {
    const run = this.#runs.get(id);
    return run?.app === app ? run : undefined;
  }

  async list(app: string, limit: number): Promise<JobRun[]> {
    return [...this.#runs.values()].filter((run) => run.app === app).sort(newestFirst).slice(0, limit);
  }

  async withStatus(statuses: readonly RunStatus[]): Promise<JobRun[]> {
    return [...this.#runs.values()].filter((run) => statuses.includes(run.status));
  }

  async record(event: Exclude<RunEvent, { type: 'created' }>, options: RecordOptions = {}): Promise<JobRun> {
    return this.#apply(event, options.durable !== false);
  }

  async claim(run: JobRun, at: string, owner: string, limit: number): Promise<JobRun | undefined> {
    // Checked inside the chain of writes, so two claims at once see each other's result.
    return this.#apply({ type: 'started', id: run.id, at, owner }, true, () => {
      if (this.#runs.get(run.id)?.status !== 'queued') return false;
      const running = [...this.#runs.values()].filter((other) => other.app === run.app && other.job === run.job && (other.status === 'running' || other.status === 'cancelling')).length;
      return running < limit;
    });
  }

  async heartbeat(): Promise<void> {
    // One process owns every run of this file, so there is no one to tell.
  }

  async interruptStale(owner: string, _staleBefore: Date, at: string): Promise<JobRun[]> {
    const stale = [...this.#runs.values()].filter((run) => (run.status === 'running' || run.status === 'cancelling') && run.owner !== owner);
    const interrupted: JobRun[] = [];
    for (const run of stale) interrupted.push(await this.#apply({ type: 'interrupted', id: run.id, at }));
    return interrupted;
  }

  /** Checks the event against the current state (and `when`, if given), writes it durably, then changes the state; one event at a time, in call order. */
  #apply(event: RunEvent, durable?: boolean): Promise<JobRun>;
  #apply(event: RunEvent, durable: boolean, when: () => boolean): Promise<JobRun | undefined>;
  #apply(event: RunEvent, durable = true, when?: () => boolean): Promise<JobRun | undefined> {
    const step = this.#tail.then(async () => {
      if (when !== undefined && !when()) return undefined;
      const id = event.type === 'created' ? event.run.id : event.id;
      const next = applyRunEvent(this.#runs.get(id), event);
      if (durable) await this.#append(`${JSON.stringify(event)}\n`);
      this.#runs.set(id, next);
      return next;
    });
    this.#tail = step.then(
      () => undefined,
      () => undefined,
    );
    return step;
  }

  /** Appends and fsyncs on libuv's thread pool, so a job's chunk events do not block requests. */
  async #append(text: string): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      handle = await open(this.file, 'a', 0o600);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } catch (err) {
      throw new RunStoreUnavailable(`cannot write the jobs file ${this.file}: ${(err as Error).message}`);
    } finally {
      await handle?.close();
    }
  }

  /** Replays the file and returns its number of lines. A line that is not a valid event (such as one cut short by a crash) is skipped and logged. */
  #replay(): number {
    if (!existsSync(this.file)) return 0;
    const lines = readFileSync(this.file, 'utf8').split('\n');
    let skipped = 0;
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        const stored = JSON.parse(line) as StoredLine;
        if (stored.type === 'snapshot') {
          this.#runs.set(stored.run.id, stored.run);
          return;
        }
        const id = stored.type === 'created' ? stored.run.id : stored.id;
        this.#runs.set(id, applyRunEvent(this.#runs.get(id), stored));
      } catch (err) {
        if (!(err instanceof SyntaxError || err instanceof RunConflict || err instanceof TypeError)) throw err;
        skipped += 1;
        this.#log.warn({ file: this.file, line: index + 1, err }, 'jobs file: line skipped');
      }
    });
    this.#log.info({ file: this.file, runs: this.#runs.size, skipped }, 'job runs loaded');
    return lines.length;
  }

  /** Drops all but the newest finished runs of each app; returns true when it dropped any. */
  #prune(): boolean {
    const finishedByApp = new Map<string, JobRun[]>();
    for (const run of this.#runs.values()) {
      if (!FINAL_STATUSES.includes(run.status) || run.status === 'interrupted') continue;
      finishedByApp.set(run.app, [...(finishedByApp.get(run.app) ?? []), run]);
    }
    let dropped = 0;
    for (const runs of finishedByApp.values()) {
      for (const run of runs.sort(newestFirst).slice(KEPT_FINISHED_RUNS)) {
        this.#runs.delete(run.id);
        dropped += 1;
      }
    }
    return dropped > 0;
  }

  /** Writes one snapshot line per run to a new file, fsyncs it and renames it over the old one. */
  #rewrite(): void {
    const temporary = `${this.file}.compact`;
    const text = [...this.#runs.values()].map((run) => `${JSON.stringify({ type: 'snapshot', run })}\n`).join('');
    let fd: number | undefined;
    try {
      fd = openSync(temporary, 'w', 0o600);
      writeSync(fd, text);
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      renameSync(temporary, this.file);
      this.#log.info({ file: this.file, runs: this.#runs.size }, 'jobs file compacted');
    } catch (err) {
      // The old file is still whole; compaction waits for the next start.
      this.#log.warn({ file: this.file, err }, 'jobs file not compacted');
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

function newestFirst(a: JobRun, b: JobRun): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
}
