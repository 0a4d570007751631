// Dispatch of job runs through pg-boss 10, for the PostgreSQL system store.
// The table job_runs keeps each run's state: status, progress, checkpoints,
// cancellation and heartbeats. pg-boss keeps only queue entries, each naming
// a run and the time it is due. Every process works the queue. It takes an
// entry and claims the run in job_runs, which keeps the job's concurrency
// across processes and starts a run once. Then it completes the entry at
// once, so no pg-boss job stays active during a long run and none can
// expire. An entry whose run is no longer queued (cancelled, or started
// elsewhere) is just completed.
//
// A run that the store refuses because its job is at its limit keeps no
// entry. When a run stops, its process sends an entry for the oldest due run
// of the same job. A sweep every SWEEP_MS sends entries for the oldest due
// runs of each job, as many as the job has free slots, in case such sends
// were lost. The queue's policy `short`
// allows one waiting entry per run (singletonKey = run id), so repeated sends
// for one run add nothing.
import PgBoss from 'pg-boss';
import type { Logger } from '../log.js';
import type { OfferOutcome, RunDispatch, RunLimit, RunOffer } from '../jobs/dispatch.js';
import type { JobRun, RunStore } from '../jobs/run-state.js';
import { MAX_RUNNING } from '../jobs/runner.js';
import { storeFailureReason } from './pool.js';

/** Name of the one queue of runs in each store's pg-boss schema. */
export const RUN_QUEUE = 'opsdeck-runs';

/** Maximum length of a store schema name, so that `<name>_boss` stays within pg-boss's limit of 50 characters for its schema. */
export const MAX_STORE_SCHEMA_FOR_QUEUE = 45;

/** Seconds between two fetches of a process's worker when nothing woke it earlier (pg-boss allows 0.5 at least). */
const POLL_SECONDS = 1;

/** Delay of an entry sent back because this process ran MAX_RUNNING runs, so another process may take it first. */
const FULL_DELAY_MS = 1_000;

/** Interval of the sweep that sends entries for queued runs whose send was lost. */
const SWEEP_MS = 15_000;

/** Minimum time between two logged pg-boss errors; the ones in between are counted in the next line. */
const ERROR_LOG_MS = 30_000;

/** The data of a queue entry: the run's id and app, never its parameters. */
interface RunEntry {
  id: string;
  app: string;
}

/** Returns the schema of pg-boss's tables for a store schema: beside it, named `<schema>_boss`. */
export function queueSchemaOf(storeSchema: string): string {
  return `${storeSchema}_boss`;
}

export class PgBossDispatch implements RunDispatch {
  readonly #boss: PgBoss;
  readonly #store: RunStore;
  readonly #log: Logger;
  readonly #schema: string;
  #offer: RunOffer | undefined;
  #limitOf: RunLimit = () => 1;
  #workerId: string | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastErrorLog = 0;
  #errorsNotLogged = 0;

  /** `url` opens pg-boss's own pool of connections; `storeSchema` names the store whose runs it dispatches. */
  constructor(options: { url: string; storeSchema: string; store: RunStore; log: Logger }) {
    this.#store = options.store;
    this.#log = options.log;
    this.#schema = queueSchemaOf(options.storeSchema);
    this.#boss = new PgBoss({
      connectionString: options.url,
      schema: this.#schema,
      application_name: 'opsdeck-store-queue',
      max: 4,
      // Opsdeck's scheduler starts scheduled runs, so pg-boss's cron clock stays off.
      schedule: false,
    });
    this.#boss.on('error', (err) => this.#logError(err));
  }

  /** Creates or migrates pg-boss's schema and tables, and the queue; raises when that fails. Processes that start together must take turns (openSystemStore holds an advisory lock). */
  async prepare(): Promise<void> {
    await this.#boss.start();
    // Entries are completed as soon as their run is claimed, so the expiry only bounds a claim; failed claims are tried again with backoff.
    await this.#boss.createQueue(RUN_QUEUE, { name: RUN_QUEUE, policy: 'short', retryLimit: 5, retryDelay: 1, retryBackoff: true, expireInSeconds: 60 });
  }

  async start(offer: RunOffer, limitOf: RunLimit): Promise<void> {
    this.#offer = offer;
    this.#limitOf = limitOf;
    this.#workerId = await this.#boss.work<RunEntry>(RUN_QUEUE, { batchSize: MAX_RUNNING, pollingIntervalSeconds: POLL_SECONDS }, (entries) => this.#take(entries));
    // Runs queued while no process was up (or before runs went through pg-boss) get their entries now.
    await this.#sweep('all');
    const sweep = setInterval(() => void this.#sweep('free').catch((err) => this.#log.warn({ store: this.#schema, reason: storeFailureReason(err) }, 'job queue sweep failed')), SWEEP_MS);
    sweep.unref();
    this.#sweepTimer = sweep;
  }

  async queued(run: JobRun): Promise<void> {
    await this.#send(run, run.retryAt === undefined ? undefined : new Date(run.retryAt));
  }

  /** The process that queued the run sent its entry already. */
  queuedElsewhere(): void {}

  async freed(run: JobRun): Promise<void> {
    if (this.#closed) return;
    const next = (await this.#store.withStatus(['queued'])).filter((queued) => queued.app === run.app && queued.job === run.job && isDue(queued)).sort(byAge)[0];
    if (next !== undefined) await this.#send(next);
  }

  /** Stops the worker and closes pg-boss's connections; a claim in progress gets up to 5 s to finish. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweepTimer);
    try {
      await this.#boss.stop({ graceful: true, wait: true, timeout: 5_000 });
    } catch (err) {
      this.#log.warn({ store: this.#schema, reason: storeFailureReason(err) }, 'job queue did not stop cleanly');
    }
  }

  /** Offers the runs of fetched entries. Each entry is completed when this returns; a throw makes pg-boss try the batch again. */
  async #take(entries: PgBoss.Job<RunEntry>[]): Promise<void> {
    let full = false;
    for (const entry of entries) {
      try {
        const run = await this.#store.get(entry.data.app, entry.data.id);
        if (run === undefined) continue;
        const outcome: OfferOutcome = await this.#offer!(run);
        if (outcome === 'full') {
          full = true;
          await this.#send(run, new Date(Date.now() + FULL_DELAY_MS));
        } else if (outcome === 'not-due') {
          // The database's clock may run a little ahead of this process's.
          await this.#send(run, new Date(run.retryAt!));
        }
      } catch (err) {
        this.#log.warn({ err, app: entry.data.app, run: entry.data.id }, 'queued job run not offered; pg-boss tries again');
        throw err;
      }
    }
    // A full batch suggests more entries are due, so fetch again without waiting for the poll interval, unless this process has no slot left.
    if (entries.length === MAX_RUNNING && !full && this.#workerId !== undefined) this.#boss.notifyWorker(this.#workerId);
  }

  /** Sends an entry for `run`, due at `startAfter` (now when undefined), and wakes this process's worker for a due one. */
  async #send(run: JobRun, startAfter?: Date): Promise<void> {
    const entry: RunEntry = { id: run.id, app: run.app };
    await this.#boss.send(RUN_QUEUE, entry, { singletonKey: run.id, ...(startAfter === undefined ? {} : { startAfter }) });
    const due = startAfter === undefined || startAfter.getTime() <= Date.now();
    if (due && this.#workerId !== undefined && !this.#closed) this.#boss.notifyWorker(this.#workerId);
  }

  /** Sends entries for queued runs, as sweepEntries picks them. */
  async #sweep(mode: 'all' | 'free'): Promise<void> {
    if (this.#closed) return;
    const picked = sweepEntries(await this.#store.withStatus(['queued', 'running']), mode, this.#limitOf);
    for (const run of picked.later) await this.#send(run, new Date(run.retryAt!));
    for (const run of picked.due) await this.#send(run);
  }

  /** Logs an error that pg-boss reports, at most once per ERROR_LOG_MS, because a failed fetch repeats at every poll while the database is away. */
  #logError(err: unknown): void {
    // A fetch cut off by close is expected.
    if (this.#closed) return;
    const now = Date.now();
    if (now - this.#lastErrorLog < ERROR_LOG_MS) {
      this.#errorsNotLogged += 1;
      return;
    }
    this.#log.warn({ store: this.#schema, queue: RUN_QUEUE, reason: storeFailureReason(err), errorsSinceLastLog: this.#errorsNotLogged }, 'job queue error');
    this.#lastErrorLog = now;
    this.#errorsNotLogged = 0;
  }
}

function isDue(run: JobRun): boolean {
  return run.retryAt === undefined || Date.parse(run.retryAt) <= Date.now();
}

/**
 * Picks the queued runs a sweep sends entries for: each pending retry
 * (`later`, due at its time) and the due runs, oldest first. Mode `all`
 * picks every due run. Mode `free` picks the oldest of each job, as many as
 * the job has free slots across processes. It picks at least one, so a job
 * whose last run just stopped is not skipped.
 */
export function sweepEntries(runs: JobRun[], mode: 'all' | 'free', limitOf: RunLimit): { due: JobRun[]; later: JobRun[] } {
  const running = new Map<string, number>();
  for (const run of runs) if (run.status === 'running') running.set(jobOf(run), (running.get(jobOf(run)) ?? 0) + 1);
  const picked = { due: [] as JobRun[], later: [] as JobRun[] };
  const sent = new Map<string, number>();
  for (const run of runs.filter((candidate) => candidate.status === 'queued').sort(byAge)) {
    if (!isDue(run)) {
      picked.later.push(run);
      continue;
    }
    const job = jobOf(run);
    const room = Math.max(1, limitOf(run) - (running.get(job) ?? 0));
    if (mode === 'free' && (sent.get(job) ?? 0) >= room) continue;
    sent.set(job, (sent.get(job) ?? 0) + 1);
    picked.due.push(run);
  }
  return picked;
}

function jobOf(run: JobRun): string {
  return `${run.app}/${run.job}`;
}

function byAge(a: JobRun, b: JobRun): number {
  return a.createdAt.localeCompare(b.createdAt);
}
