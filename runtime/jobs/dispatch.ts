// Dispatch of queued runs to the runner. The runner records runs in its store
// and announces them to a dispatch. The dispatch offers runs back to the runner,
// which claims and starts them. The local dispatch here lists the store's
// queued runs itself, so it suits a store that one process uses (the file
// store). With the PostgreSQL store, pg-boss carries queue entries instead
// (runtime/system-store/pg-boss-dispatch.ts).
import type { Logger } from '../log.js';
import type { JobRun, RunStore } from './run-state.js';

/**
 * Outcome of offering a run to the runner. The runner `started` it, or found
 * it `gone` (no longer queued, or already going on here). Otherwise it left
 * the run: the store `refused` the claim, this process is `full` (or
 * closing), or the run's retry is `not-due`. The store rejects a claim when
 * the job is at its `concurrency:` across processes, or when another process
 * started or cancelled the run first.
 */
export type OfferOutcome = 'started' | 'gone' | 'refused' | 'full' | 'not-due';

/** Offers one queued run to the runner. */
export type RunOffer = (run: JobRun) => Promise<OfferOutcome>;

/** Returns how many runs of a run's job may go on at once across processes (its `concurrency:`). */
export type RunLimit = (run: JobRun) => number;

export interface RunDispatch {
  /** Starts offering queued runs, including those queued before this process started. Call once. */
  start(offer: RunOffer, limitOf: RunLimit): Promise<void>;
  /** Announces a run that was queued, requeued or put back for a retry; it is due at its `retryAt`, if any. */
  queued(run: JobRun): Promise<void>;
  /** Announces a run queued by another process (heard through the store's `watch`). */
  queuedElsewhere(run: JobRun): void;
  /** Announces that a run stopped running, so its slot (of its job and of this process) is free. */
  freed(run: JobRun): Promise<void>;
  /** Stops offering runs. Runs already started go on; the runner stops them. */
  close(): Promise<void>;
}

/**
 * Offers the store's queued runs, oldest first, whenever a run is queued or
 * freed, and at each pending retry's `retryAt`. One pass at a time runs; a
 * request during a pass runs another pass after it.
 */
export class LocalDispatch implements RunDispatch {
  readonly #store: RunStore;
  readonly #log: Logger;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #wakeTimes = new Set<number>();
  #offer: RunOffer | undefined;
  #closing = false;
  #pumping = false;
  #pumpAgain = false;

  constructor(store: RunStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  async start(offer: RunOffer): Promise<void> {
    this.#offer = offer;
    for (const run of await this.#store.withStatus(['queued'])) if (run.retryAt !== undefined) this.#wakeAt(Date.parse(run.retryAt));
    this.#pump();
  }

  async queued(run: JobRun): Promise<void> {
    if (run.retryAt !== undefined) this.#wakeAt(Date.parse(run.retryAt));
    this.#pump();
  }

  queuedElsewhere(run: JobRun): void {
    void this.queued(run);
  }

  async freed(): Promise<void> {
    this.#pump();
  }

  async close(): Promise<void> {
    this.#closing = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Pumps the queue at `time` (once per distinct time, however often it is asked). */
  #wakeAt(time: number): void {
    if (this.#closing || this.#wakeTimes.has(time)) return;
    this.#wakeTimes.add(time);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#wakeTimes.delete(time);
      this.#pump();
    }, Math.max(0, time - Date.now()) + 5);
    timer.unref();
    this.#timers.add(timer);
  }

  #pump(): void {
    if (this.#closing || this.#offer === undefined) return;
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    void this.#fill()
      .catch((err) => this.#log.error({ err }, 'job queue failed'))
      .finally(() => {
        this.#pumping = false;
        if (this.#pumpAgain) {
          this.#pumpAgain = false;
          this.#pump();
        }
      });
  }

  async #fill(): Promise<void> {
    const queued = (await this.#store.withStatus(['queued'])).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (const run of queued) {
      if (this.#closing) return;
      const outcome = await this.#offer!(run);
      if (outcome === 'full') return;
      // A timer may fire a little before the clock reaches retryAt, so a run not due yet gets its wake-up again.
      if (outcome === 'not-due') this.#wakeAt(Date.parse(run.retryAt!));
    }
  }
}
