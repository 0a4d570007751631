// Runs of jobs: their shape, the events that change them, and the reducer
// that applies an event. Every change is one event, so a store can keep an
// append-only log and replay it; a run's checkpoint (the last committed chunk
// of a batch step) is part of its state, so a resumed run goes on from there.
import type { Identity, IdentityAttribute } from '../identity.js';

export type RunStatus = 'queued' | 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
export type RunTrigger = 'operator' | 'schedule' | 'job' | 'retry' | 'resume';
export type StepRunStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** The person a run acts for, kept whole so a retried or resumed run still runs as them. */
export interface RunUser {
  id: string;
  name: string;
  groups: string[];
  attributes: Record<string, IdentityAttribute>;
}

/** Returns the identity a run acts for: its user, with the id as email when it is an address. */
export function identityOfRun(run: Pick<NewRun, 'startedBy'>): Identity {
  return { ...run.startedBy, ...(run.startedBy.id.includes('@') ? { email: run.startedBy.id } : {}) };
}

/** The user that scheduled runs act for. No sign-in yields the id `schedule`, and the user has no role. */
export const SCHEDULE_USER: RunUser = { id: 'schedule', name: 'Schedule', groups: [], attributes: {} };

/** Key of a batch step's last committed chunk: a number or a string, as the database returned it. */
export type ChunkKey = number | string;

export interface StepRun {
  id: string;
  title?: string;
  status: StepRunStatus;
  /** Rows a batch step walked so far, or rows an export wrote. */
  rows?: number;
  /** Rows the batch query counted when the step started. */
  rowsTotal?: number;
  /** Rows changed by the step's committed statements. */
  changes?: number;
  /** Key of the last committed chunk of a batch step. */
  after?: ChunkKey;
  /** When the step last started, and its row count then (a resumed step starts with rows done), for the time estimate. */
  startedAt?: string;
  rowsAtStart?: number;
  /** Outputs that later steps read as `steps.<id>.<field>`. */
  outputs?: Record<string, unknown>;
}

/** The file an export run wrote. */
export interface ExportResult {
  filename: string;
  bytes: number;
  rows: number;
  /** Name of the file in the server's export folder; never sent to the browser. */
  file: string;
}

/** The fields of a new run; the store adds nothing but its status. */
export interface NewRun {
  id: string;
  app: string;
  /** Job id, or the query id of an export run. */
  job: string;
  title: string;
  kind: 'job' | 'export';
  trigger: RunTrigger;
  startedBy: RunUser;
  /** Checked parameter values, secret ones included; they never leave the server. */
  params: Record<string, unknown>;
  /** The same values with secret ones masked, for lists, audit records and logs. */
  maskedParams: Record<string, unknown>;
  createdAt: string;
  maxAttempts: number;
  /** Hash of the job's steps when the run was created; a resumed run needs the same. */
  stepsHash: string;
  specVersion: string;
  steps: StepRun[];
  /** For export runs: the request as the export endpoint took it (format, sort, filter). */
  exportRequest?: Record<string, unknown>;
  /** Slot of the schedule that started the run, such as `2026-03-29T02:30`. */
  slot?: string;
}

export interface JobRun extends NewRun {
  status: RunStatus;
  attempt: number;
  startedAt?: string;
  finishedAt?: string;
  /** When a failed run is tried again. */
  retryAt?: string;
  error?: { step?: string; message: string };
  result?: ExportResult;
  /** Id of the user who cancelled the run. */
  cancelledBy?: string;
  /** Id of the server process running the run (a new id per process start). */
  owner?: string;
}

/** One change of a run. */
export type RunEvent =
  | { type: 'created'; at: string; run: NewRun }
  | { type: 'started'; id: string; at: string; owner?: string }
  | { type: 'step-started'; id: string; at: string; step: string; rowsTotal?: number }
  | { type: 'chunk'; id: string; at: string; step: string; after: ChunkKey; rows: number; changes: number }
  | { type: 'step-done'; id: string; at: string; step: string; changes?: number; rows?: number; outputs?: Record<string, unknown> }
  | { type: 'cancel-requested'; id: string; at: string; by: string }
  | { type: 'finished'; id: string; at: string; status: 'succeeded' | 'failed' | 'cancelled'; step?: string; error?: string; result?: ExportResult; retryAt?: string }
  | { type: 'interrupted'; id: string; at: string }
  | { type: 'requeued'; id: string; at: string; trigger: 'retry' | 'resume'; retryAt?: string };

/** Raised when an event does not apply to the run's current status; callers check the status first. */
export class RunConflict extends Error {}

/** Raised when the store cannot record an event; nothing changed then. */
export class RunStoreUnavailable extends Error {}

const ALLOWED_FROM: Record<Exclude<RunEvent['type'], 'created'>, RunStatus[]> = {
  started: ['queued'],
  'step-started': ['running', 'cancelling'],
  chunk: ['running', 'cancelling'],
  'step-done': ['running', 'cancelling'],
  'cancel-requested': ['queued', 'running'],
  finished: ['running', 'cancelling', 'queued'],
  interrupted: ['running', 'cancelling'],
  requeued: ['failed', 'cancelled', 'interrupted'],
};

/** Statuses a run ends in; runs in them change only by being requeued. */
export const FINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/** Returns the run after the event, or raises RunConflict when the event does not apply to its status. */
export function applyRunEvent(current: JobRun | undefined, event: RunEvent): JobRun {
  if (event.type === 'created') {
    if (current !== undefined) throw new RunConflict(`run ${event.run.id} already exists`);
    return { ...event.run, status: 'queued', attempt: 1, steps: event.run.steps.map((step) => ({ ...step })) };
  }
  if (current === undefined) throw new RunConflict(`run ${event.id} does not exist`);
  if (!ALLOWED_FROM[event.type].includes(current.status)) throw new RunConflict(`run ${event.id} is ${current.status}, so it cannot take a ${event.type} event`);
  const withStep = (step: string, change: (state: StepRun) => StepRun): StepRun[] => current.steps.map((state) => (state.id === step ? change(state) : state));
  switch (event.type) {
    case 'started':
      return { ...current, status: 'running', startedAt: event.at, finishedAt: undefined, error: undefined, retryAt: undefined, ...(event.owner === undefined ? {} : { owner: event.owner }) };
    case 'step-started':
      return { ...current, steps: withStep(event.step, (state) => ({ ...state, status: 'running', startedAt: event.at, rowsAtStart: state.rows ?? 0, ...(event.rowsTotal === undefined ? {} : { rowsTotal: event.rowsTotal }) })) };
    case 'chunk':
      return { ...current, steps: withStep(event.step, (state) => ({ ...state, after: event.after, rows: event.rows, changes: event.changes })) };
    case 'step-done':
      return {
        ...current,
        steps: withStep(event.step, (state) => ({
          ...state,
          status: 'done',
          ...(event.changes === undefined ? {} : { changes: event.changes }),
          ...(event.rows === undefined ? {} : { rows: event.rows }),
          ...(event.outputs === undefined ? {} : { outputs: event.outputs }),
        })),
      };
    case 'cancel-requested':
      // A run that never started ends at once; a running one stops at its next chunk boundary.
      return current.status === 'queued'
        ? { ...current, status: 'cancelled', cancelledBy: event.by, finishedAt: event.at, retryAt: undefined }
        : { ...current, status: 'cancelling', cancelledBy: event.by };
    case 'finished': {
      const steps = current.steps.map((state): StepRun => {
        if (state.status === 'running') return { ...state, status: event.status === 'failed' && state.id === event.step ? 'failed' : 'pending' };
        return state;
      });
      const ended: JobRun = {
        ...current,
        status: event.status,
        finishedAt: event.at,
        steps,
        ...(event.error === undefined ? {} : { error: { ...(event.step === undefined ? {} : { step: event.step }), message: event.error } }),
        ...(event.result === undefined ? {} : { result: event.result }),
      };
      // A failure with a retry goes straight back to the queue, so no reader sees it failed in between; the error stays until the next attempt starts.
      if (event.status === 'failed' && event.retryAt !== undefined) {
        return { ...ended, status: 'queued', trigger: 'retry', attempt: current.attempt + 1, retryAt: event.retryAt, steps: steps.map((state) => (state.status === 'failed' ? { ...state, status: 'pending' } : state)) };
      }
      return ended;
    }
    case 'interrupted':
      return { ...current, status: 'interrupted', finishedAt: event.at, steps: current.steps.map((state) => (state.status === 'running' ? { ...state, status: 'pending' } : state)) };
    case 'requeued':
      return {
        ...current,
        status: 'queued',
        trigger: event.trigger,
        attempt: event.trigger === 'retry' ? current.attempt + 1 : current.attempt,
        cancelledBy: undefined,
        steps: current.steps.map((state) => (state.status === 'failed' ? { ...state, status: 'pending' } : state)),
        ...(event.retryAt === undefined ? { retryAt: undefined } : { retryAt: event.retryAt }),
      };
  }
}

/**
 * Stores runs. Every method is asynchronous so that a database can back it.
 * `record` applies an event only in a status it allows and raises RunConflict
 * otherwise.
 */
export interface RunStore {
  create(run: NewRun): Promise<JobRun>;
  get(app: string, id: string): Promise<JobRun | undefined>;
  /** Runs of the app, newest first, at most `limit`. */
  list(app: string, limit: number): Promise<JobRun[]>;
  /** Every run in one of `statuses`, of every app. */
  withStatus(statuses: readonly RunStatus[]): Promise<JobRun[]>;
  /**
   * Applies the event and stores it durably. With `durable: false` (progress
   * between checkpoints) it changes the run in memory only, so readers see the
   * progress and a restart falls back to the last durable event.
   */
  record(event: Exclude<RunEvent, { type: 'created' }>, options?: RecordOptions): Promise<JobRun>;
  /**
   * Starts a queued run for `owner` unless another process started it first
   * or `limit` runs of its job are running already; undefined when not
   * started. Two processes that claim one run at once start it once.
   */
  claim(run: JobRun, at: string, owner: string, limit: number): Promise<JobRun | undefined>;
  /** Records that `owner` still runs `ids`, so other processes do not take them for interrupted. */
  heartbeat(owner: string, ids: string[]): Promise<void>;
  /**
   * Marks interrupted the running runs of owners other than `owner` that sent
   * no heartbeat since `staleBefore`, and returns them. The file store has one
   * process, so it marks every running run of another owner (a previous start).
   */
  interruptStale(owner: string, staleBefore: Date, at: string): Promise<JobRun[]>;
  /** Calls `listener` with each run another process changed; absent where only one process uses the store. */
  watch?(listener: (run: JobRun) => void): () => void;
}

export interface RecordOptions {
  durable?: boolean;
}
