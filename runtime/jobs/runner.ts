// The job runner: queues runs, starts them as concurrency allows, runs their
// steps in the background, and handles cancel, retry, resume and restart.
// Each run is audited when it is queued and when it ends. Runs that were
// running when the server stopped are marked interrupted at start; they can
// be resumed from their last completed step or chunk. A dispatch
// (runtime/jobs/dispatch.ts) offers queued runs to the runner, which claims
// them in the store.
import { randomUUID } from 'node:crypto';
import type { JobModel } from '../../core/model.js';
import { parseDuration } from '../../core/duration.js';
import { maskParams, type AuditEntry, type AuditLog } from '../audit.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import { checkParams } from '../params.js';
import type { LiveApp, Registry } from '../registry.js';
import { tryAudit } from '../http/execution-errors.js';
import { LocalDispatch, type OfferOutcome, type RunDispatch } from './dispatch.js';
import { JobStartRefused, runJobSteps, type StepsEnd } from './job-steps.js';
import { FINAL_STATUSES, identityOfRun, RunConflict, type JobRun, type NewRun, type RecordOptions, type RunEvent, type RunStore, type RunTrigger, type RunUser } from './run-state.js';

/** Runs of all jobs at once in one server. */
export const MAX_RUNNING = 4;

/** Wait before the first retry when the spec gives no `backoff`. */
export const DEFAULT_BACKOFF = '30s';

/** Silence after which another process's runs count as interrupted (a shared store only); `OPSDECK_RUN_STALE_MS` (at least 1000) overrides it. */
export const STALE_MS = Number.isInteger(Number(process.env.OPSDECK_RUN_STALE_MS)) && Number(process.env.OPSDECK_RUN_STALE_MS) >= 1000 ? Number(process.env.OPSDECK_RUN_STALE_MS) : 30_000;

/** Interval of the heartbeat that marks a process's runs as alive, well within STALE_MS. */
export const HEARTBEAT_MS = Math.min(5_000, Math.floor(STALE_MS / 4));

/** How long `close` waits for running runs to reach a chunk boundary. */
const CLOSE_WAIT_MS = 10_000;

/** Raised when a run cannot be queued because its audit record could not be written. */
export class JobAuditUnavailable extends Error {}

/** Runs the steps of a run; replaceable so export runs (runtime/jobs/export-run.ts) share the queue. */
export type RunExecutor = (run: JobRun, app: LiveApp, signal: RunSignal) => Promise<StepsEnd & { result?: JobRun['result'] }>;

/** The stop check an executor polls at chunk boundaries, and its progress recorder. */
export interface RunSignal {
  stopRequested(): 'cancel' | 'shutdown' | undefined;
  record(event: Exclude<RunEvent, { type: 'created' }>, options?: RecordOptions): Promise<JobRun>;
}

export interface RunnerDeps {
  registry: Registry;
  store: RunStore;
  audit: AuditLog;
  log: Logger;
  /** Executors by run kind other than `job`. */
  executors?: Partial<Record<NewRun['kind'], RunExecutor>>;
  /** The source of queued runs. The default, a LocalDispatch on `store`, suits a store that one process uses. */
  dispatch?: RunDispatch;
}

/** A request to start a job of an app, with parameter values not yet checked. */
export interface StartRequest {
  app: LiveApp;
  job: JobModel;
  user: RunUser;
  params: unknown;
  trigger: RunTrigger;
  slot?: string;
}

export class JobRunner {
  readonly #deps: RunnerDeps;
  readonly #active = new Map<string, { stop?: 'cancel' | 'shutdown'; done: Promise<void> }>();
  readonly #listeners = new Set<(run: JobRun) => void>();
  readonly #dispatch: RunDispatch;
  #closing = false;
  readonly #owner = randomUUID();
  #unwatch: (() => void) | undefined;
  #beatTimer: NodeJS.Timeout | undefined;

  constructor(deps: RunnerDeps) {
    this.#deps = deps;
    this.#dispatch = deps.dispatch ?? new LocalDispatch(deps.store, deps.log);
  }

  get store(): RunStore {
    return this.#deps.store;
  }

  /** Calls `listener` with a run each time it changes; returns a function that stops the calls. */
  subscribe(listener: (run: JobRun) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Marks interrupted the runs that a stopped process was running (with the
   * file store, every run that was going on; with a shared store, those of
   * processes silent for STALE_MS), picks up queued runs and pending retries,
   * and starts the heartbeat that shows other processes this one is alive.
   * Call once at start.
   */
  async recover(): Promise<void> {
    const { store } = this.#deps;
    await this.#interruptStale();
    this.#unwatch = store.watch?.((run) => this.#remoteChange(run));
    const beat = setInterval(() => void this.#beat(), HEARTBEAT_MS);
    beat.unref();
    this.#beatTimer = beat;
    await this.#dispatch.start(
      (run) => this.#offer(run),
      (run) => this.#limitOf(run),
    );
  }

  /** Id of this process in run records: a new one at each start. */
  get owner(): string {
    return this.#owner;
  }

  async #interruptStale(): Promise<void> {
    const { store, log } = this.#deps;
    for (const run of await store.interruptStale(this.#owner, new Date(Date.now() - STALE_MS), new Date().toISOString())) {
      this.#emit(run);
      await this.#auditEnd(run, 'interrupted', 'the server running it stopped while the run was going on');
      log.warn({ app: run.app, job: run.job, run: run.id, owner: run.owner }, 'job run interrupted: its server stopped');
      await this.#freed(run);
    }
  }

  /** Sends the heartbeat for the runs going on here, then looks for runs of stopped processes. */
  async #beat(): Promise<void> {
    try {
      await this.#deps.store.heartbeat(this.#owner, [...this.#active.keys()]);
      await this.#interruptStale();
    } catch (err) {
      this.#deps.log.warn({ err }, 'job heartbeat failed');
    }
  }

  /** Another process changed a run: show it, stop it here when it was cancelled there, and start queued runs. */
  #remoteChange(run: JobRun): void {
    this.#emit(run);
    const active = this.#active.get(run.id);
    if (active !== undefined && run.status === 'cancelling') active.stop ??= 'cancel';
    if (run.status === 'queued') this.#dispatch.queuedElsewhere(run);
  }

  /**
   * Checks the parameters, writes the `queued` audit record (no record, no
   * run) and queues the run. Raises the parameter check's error for bad
   * values and JobAuditUnavailable when the record cannot be written.
   */
  async start(request: StartRequest): Promise<JobRun> {
    const { app, job, user, trigger } = request;
    const params = checkParams(job.paramsSchema, request.params ?? {});
    const masked = maskParams(params, job.secretParams);
    const run: NewRun = {
      id: randomUUID(),
      app: app.id,
      job: job.id,
      title: job.spec.title,
      kind: 'job',
      trigger,
      startedBy: user,
      params,
      maskedParams: masked,
      createdAt: new Date().toISOString(),
      maxAttempts: job.spec.retry?.attempts ?? 1,
      stepsHash: job.stepsHash,
      specVersion: app.specVersion,
      steps: job.steps.map((step) => ({ id: step.id, ...(step.title === undefined ? {} : { title: step.title }), status: 'pending' })),
      ...(request.slot === undefined ? {} : { slot: request.slot }),
    };
    return this.enqueue(app, run);
  }

  /** Audits and stores a new run of any kind, then starts it when a slot is free. */
  async enqueue(app: LiveApp, run: NewRun): Promise<JobRun> {
    await this.#auditStart(app, run);
    const created = await this.#deps.store.create(run);
    this.#deps.log.info({ app: run.app, job: run.job, run: run.id, trigger: run.trigger, user: run.startedBy.id }, 'job run queued');
    this.#emit(created);
    await this.#queued(created);
    return created;
  }

  /** Asks a queued or running run to stop; a running one stops at its next chunk boundary. Raises RunConflict when it has ended. */
  async cancel(run: JobRun, by: Identity): Promise<JobRun> {
    const cancelled = await this.#deps.store.record({ type: 'cancel-requested', id: run.id, at: new Date().toISOString(), by: by.id });
    const active = this.#active.get(run.id);
    if (active !== undefined) active.stop = 'cancel';
    await tryAudit(this.#deps.audit, this.#deps.log, { ...this.#entryBase(cancelled), user: by.id, groups: by.groups, outcome: cancelled.status === 'cancelled' ? 'cancelled' : 'cancelling' });
    this.#emit(cancelled);
    return cancelled;
  }

  /** Queues an interrupted, failed or cancelled run again; it goes on after its last completed step or chunk. */
  async resume(run: JobRun, job: JobModel | undefined, by: Identity): Promise<JobRun> {
    if (!FINAL_STATUSES.includes(run.status) || run.status === 'succeeded') throw new RunConflict(`the run is ${run.status}; only an interrupted, failed or cancelled run can be resumed`);
    if (run.kind === 'job' && (job === undefined || job.stepsHash !== run.stepsHash)) {
      throw new RunConflict('the job\'s steps or parameters changed since this run started, so it cannot go on where it stopped; start a new run');
    }
    const app = this.#deps.registry.get(run.app);
    if (app === undefined) throw new RunConflict('the app is not served any more');
    await this.#auditStart(app, { ...run, trigger: 'resume', startedBy: { ...run.startedBy } }, by);
    const queued = await this.#deps.store.record({ type: 'requeued', id: run.id, at: new Date().toISOString(), trigger: 'resume' });
    this.#emit(queued);
    await this.#queued(queued);
    return queued;
  }

  /** Stops starting runs, requests running ones to stop at their next chunk boundary (they become interrupted), and waits for them a while. */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#beatTimer);
    this.#unwatch?.();
    for (const active of this.#active.values()) active.stop ??= 'shutdown';
    const all = Promise.all([...this.#active.values()].map((active) => active.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    // Closed after the runs stopped, so the dispatch still hears of the slots they free; until then offers get `full`.
    await this.#dispatch.close();
  }

  /** Number of runs going on in this process. */
  get running(): number {
    return this.#active.size;
  }

  #emit(run: JobRun): void {
    for (const listener of this.#listeners) {
      try {
        listener(run);
      } catch (err) {
        this.#deps.log.warn({ err }, 'job run listener failed');
      }
    }
  }

  /** Hands a queued run to the dispatch; a failure is logged, and the dispatch finds the run again later. */
  async #queued(run: JobRun): Promise<void> {
    try {
      await this.#dispatch.queued(run);
    } catch (err) {
      this.#deps.log.error({ err, app: run.app, job: run.job, run: run.id }, 'job run not dispatched');
    }
  }

  /** Tells the dispatch that a run stopped running, so a queued run may take its slot. */
  async #freed(run: JobRun): Promise<void> {
    try {
      await this.#dispatch.freed(run);
    } catch (err) {
      this.#deps.log.error({ err, app: run.app, job: run.job, run: run.id }, 'freed job slot not announced');
    }
  }

  /** Returns the job's `concurrency:` (1 when the job is gone from the spec); exports allow 2 at once. */
  #limitOf(run: JobRun): number {
    return run.kind === 'job' ? this.#deps.registry.get(run.app)?.model.jobs[run.job]?.spec.concurrency ?? 1 : 2;
  }

  /** Starts a run the dispatch offers, when this process has a slot and the store grants the claim. */
  async #offer(run: JobRun): Promise<OfferOutcome> {
    if (this.#closing || this.#active.size >= MAX_RUNNING) return 'full';
    if (this.#active.has(run.id) || run.status !== 'queued') return 'gone';
    if (run.retryAt !== undefined && Date.parse(run.retryAt) > Date.now()) return 'not-due';
    const { store } = this.#deps;
    const limit = this.#limitOf(run);
    // The store decides: another process may have started the run, or the job may be at its limit across processes.
    const started = await store.claim(run, new Date().toISOString(), this.#owner, limit);
    if (started === undefined) return 'refused';
    this.#emit(started);
    const entry: { stop?: 'cancel' | 'shutdown'; done: Promise<void> } = { done: Promise.resolve() };
    this.#active.set(run.id, entry);
    entry.done = this.#execute(started, entry).finally(() => {
      this.#active.delete(run.id);
      void this.#freed(started);
    });
    return 'started';
  }

  async #execute(run: JobRun, entry: { stop?: 'cancel' | 'shutdown' }): Promise<void> {
    const { store, log, registry } = this.#deps;
    const at = (): string => new Date().toISOString();
    let current = run;
    const signal: RunSignal = {
      stopRequested: () => entry.stop,
      record: async (event, options) => {
        current = await store.record({ ...event, id: run.id } as Exclude<RunEvent, { type: 'created' }>, options);
        this.#emit(current);
        return current;
      },
    };
    let end: StepsEnd & { result?: JobRun['result'] };
    try {
      const app = registry.get(run.app);
      if (app === undefined) end = { status: 'failed', message: 'the app is not served any more', step: '', cause: undefined };
      else if (run.kind === 'job') end = await this.#executeJob(current, app, signal);
      else end = await this.#deps.executors![run.kind]!(current, app, signal);
    } catch (err) {
      log.error({ err, app: run.app, job: run.job, run: run.id }, 'job run failed');
      end = { status: 'failed', step: '', message: 'the run failed; the details are in the server log', cause: err };
    }
    try {
      if (end.status === 'stopped' && end.why === 'shutdown') {
        current = await store.record({ type: 'interrupted', id: run.id, at: at() });
        this.#emit(current);
        await this.#auditEnd(current, 'interrupted', 'the server shut down while the run was going on');
        return;
      }
      if (end.status === 'failed') {
        if (end.cause !== undefined) log.warn({ err: end.cause, app: run.app, job: run.job, run: run.id, step: end.step }, 'job step failed');
        // One clock reading for the end and the backoff, so the recorded wait is the backoff exactly.
        const endedAt = at();
        const retryAt = this.#retryAt(current, Date.parse(endedAt));
        current = await store.record({ type: 'finished', id: run.id, at: endedAt, status: 'failed', ...(end.step === '' ? {} : { step: end.step }), error: end.message, ...(retryAt === undefined ? {} : { retryAt }) });
        this.#emit(current);
        await this.#auditEnd(current, 'failed', end.step === '' ? end.message : `step ${end.step}: ${end.message}`);
        if (retryAt !== undefined) {
          log.info({ app: run.app, job: run.job, run: run.id, attempt: current.attempt, retryAt }, 'job run will be retried');
          await this.#queued(current);
        }
        return;
      }
      const status = end.status === 'stopped' ? 'cancelled' : 'succeeded';
      current = await store.record({ type: 'finished', id: run.id, at: at(), status, ...(end.status === 'succeeded' && end.result !== undefined ? { result: end.result } : {}) });
      this.#emit(current);
      await this.#auditEnd(current, status);
      log.info({ app: run.app, job: run.job, run: run.id, status, ms: Date.parse(current.finishedAt!) - Date.parse(current.startedAt!) }, 'job run ended');
    } catch (err) {
      // The run stays `running` in the store; the next start marks it interrupted.
      log.error({ err, app: run.app, job: run.job, run: run.id }, 'job run end not recorded');
    }
  }

  async #executeJob(run: JobRun, app: LiveApp, signal: RunSignal): Promise<StepsEnd> {
    const job = app.model.jobs[run.job];
    if (job === undefined) return { status: 'failed', step: '', message: `job ${run.job} is not in the app's spec any more`, cause: undefined };
    if (job.stepsHash !== run.stepsHash) return { status: 'failed', step: '', message: 'the job\'s steps or parameters changed since this run was queued; start a new run', cause: undefined };
    return runJobSteps(app, job, run, identityOfRun(run), {
      record: (event, options) => signal.record(event as Exclude<RunEvent, { type: 'created' }>, options),
      stopRequested: signal.stopRequested,
      startJob: async (id, params) => {
        const target = app.model.jobs[id];
        if (target === undefined) throw new JobStartRefused(`job ${id} is not in the app's spec any more`);
        try {
          const started = await this.start({ app, job: target, user: run.startedBy, params, trigger: 'job' });
          return started.id;
        } catch (err) {
          if (err instanceof JobAuditUnavailable) throw new JobStartRefused(`job ${id} was not started: its audit record could not be written`);
          throw new JobStartRefused(`job ${id} was not started: ${(err as Error).message}`);
        }
      },
    });
  }

  /**
   * Returns when a run that failed at `endedAt` (epoch ms) runs again, or undefined for no retry.
   * The wait is the job's backoff, doubled at each attempt, while the run has attempts left.
   */
  #retryAt(run: JobRun, endedAt: number): string | undefined {
    if (run.kind !== 'job' || run.attempt >= run.maxAttempts || this.#closing) return undefined;
    const job = this.#deps.registry.get(run.app)?.model.jobs[run.job];
    const base = parseDuration(job?.spec.retry?.backoff ?? DEFAULT_BACKOFF) ?? 30_000;
    return new Date(endedAt + base * 2 ** (run.attempt - 1)).toISOString();
  }

  #entryBase(run: Pick<JobRun, 'app' | 'job' | 'kind' | 'startedBy' | 'maskedParams' | 'specVersion' | 'id'>): AuditEntry {
    return {
      user: run.startedBy.id,
      groups: run.startedBy.groups,
      app: run.app,
      object: run.kind === 'job' ? `job:${run.job}` : `query:${run.job}`,
      specVersion: run.specVersion,
      outcome: 'queued',
      params: run.maskedParams,
      run: run.id,
    };
  }

  async #auditStart(app: LiveApp, run: NewRun | JobRun, by?: Identity): Promise<void> {
    try {
      await this.#deps.audit.append({ ...this.#entryBase(run), ...(by === undefined ? {} : { user: by.id, groups: by.groups }), contentHash: app.model.version, outcome: 'queued', trigger: run.trigger });
    } catch (err) {
      this.#deps.log.error({ err, app: run.app, job: run.job }, 'audit log unavailable; job run not queued');
      throw new JobAuditUnavailable('the audit record could not be written');
    }
  }

  async #auditEnd(run: JobRun, outcome: 'succeeded' | 'failed' | 'cancelled' | 'interrupted', error?: string): Promise<void> {
    const changes = run.steps.reduce((sum, step) => sum + (step.changes ?? 0), 0);
    const rows = run.steps.reduce((sum, step) => sum + (step.rows ?? 0), 0);
    await tryAudit(this.#deps.audit, this.#deps.log, {
      ...this.#entryBase(run),
      outcome,
      changes,
      rows,
      ...(error === undefined ? {} : { error }),
      steps: run.steps.map((step) => ({ id: step.id, status: step.status })),
    });
  }
}
