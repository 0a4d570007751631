// Client of the jobs API: list, start, cancel and resume runs. A live feed per
// app merges the `run` events of GET /api/apps/:app/jobs/events into the list.
// It reconnects after the stream drops and polls every 2 s while it is down.
import { apiGet, apiPost, segment } from './api.js';
import type { JobInfo, JobRun } from './client-spec.js';

/** Response of `GET /api/apps/:app/jobs`. */
export interface JobsList {
  jobs: JobInfo[];
  /** Newest first. */
  runs: JobRun[];
}

/** Page id of the Jobs page in app URLs. Spec page ids start with a letter, so none can take it. */
export const JOBS_PAGE = '_jobs';

/** Most runs the list keeps, as many as the server sends. */
export const MAX_RUNS = 100;

/** Polling interval while the event stream is down, in milliseconds. */
export const POLL_INTERVAL_MS = 2000;

/** Maximum wait before opening a failed event stream again, in milliseconds. */
const MAX_REOPEN_DELAY_MS = 60_000;

function jobsPath(appId: string): string {
  return `/api/apps/${segment(appId)}/jobs`;
}

/** Reads the jobs the user may run and their latest runs. */
export function listJobs(appId: string, signal?: AbortSignal): Promise<JobsList> {
  return apiGet<JobsList>(jobsPath(appId), { signal });
}

/** Starts a run of a job and returns the queued run of the 202 response. Throws ApiError with `details` for invalid parameters. */
export async function startJob(appId: string, jobId: string, params: Record<string, unknown>): Promise<JobRun> {
  const body = await apiPost<{ run: JobRun }>(`${jobsPath(appId)}/${segment(jobId)}/runs`, { params });
  return body.run;
}

/** Asks a run to stop at its next chunk boundary; the run comes back as `cancelling`. */
export async function cancelRun(appId: string, runId: string): Promise<JobRun> {
  const body = await apiPost<{ run: JobRun }>(`${jobsPath(appId)}/runs/${segment(runId)}/cancel`, {});
  return body.run;
}

/** Queues a stopped run again; it continues after its last completed step or chunk. */
export async function resumeRun(appId: string, runId: string): Promise<JobRun> {
  const body = await apiPost<{ run: JobRun }>(`${jobsPath(appId)}/runs/${segment(runId)}/resume`, {});
  return body.run;
}

/**
 * Returns the address of an export run's file: the server's `result.url` when it
 * is a path on this server, else the download route of the run.
 */
export function downloadUrl(appId: string, run: Pick<JobRun, 'id' | 'result'>): string {
  const url = run.result?.url;
  // Only a same-origin path: never a `javascript:` or another host's address.
  if (url !== undefined && /^\/(?![/\\])/.test(url)) return url;
  return `${jobsPath(appId)}/runs/${segment(run.id)}/download`;
}

/**
 * Puts a changed run into a list, newest first: replaces the run of the same id
 * or adds it, and keeps at most `limit` runs. Returns a new list.
 */
export function mergeRun(runs: readonly JobRun[], run: JobRun, limit = MAX_RUNS): JobRun[] {
  const next = runs.filter((candidate) => candidate.id !== run.id);
  next.push(run);
  next.sort(newestFirst);
  return next.slice(0, limit);
}

function newestFirst(a: JobRun, b: JobRun): number {
  const difference = (Date.parse(b.createdAt) || 0) - (Date.parse(a.createdAt) || 0);
  if (difference !== 0) return difference;
  if (b.id < a.id) return -1;
  return b.id > a.id ? 1 : 0;
}

/** Reads the data of a `run` event; undefined when it is not a run. */
export function parseRunEvent(data: unknown): JobRun | undefined {
  if (typeof data !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const run = parsed as Partial<JobRun>;
  if (typeof run.id !== 'string' || typeof run.status !== 'string' || typeof run.createdAt !== 'string') return undefined;
  if (typeof run.progress !== 'object' || run.progress === null || !Array.isArray(run.steps)) return undefined;
  return run as JobRun;
}

/** State of a feed, passed to its listeners. */
export interface JobFeedState {
  /** Undefined until the first list arrived. */
  jobs: JobInfo[] | undefined;
  runs: JobRun[] | undefined;
  /** Message of the last failed load; cleared by the next good one. */
  error: string | undefined;
  /** True while events arrive live; false while the feed polls. */
  live: boolean;
}

type Listener = (state: JobFeedState) => void;

/**
 * The runs of one app, kept current for every component that shows them. One
 * feed per app is shared, so a page with several job components opens one
 * event stream.
 */
export class JobFeed {
  readonly appId: string;
  #state: JobFeedState = { jobs: undefined, runs: undefined, error: undefined, live: false };
  #listeners = new Set<Listener>();
  #source: EventSource | undefined;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #reopenTimer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #loadSequence = 0;
  /** Runs received by event while a load was in flight, applied over its older response. */
  #sinceLoad: Map<string, JobRun> | undefined;

  constructor(appId: string) {
    this.appId = appId;
  }

  get state(): JobFeedState {
    return this.#state;
  }

  /** Adds a listener, called now and on every change; starts the feed for its first listener. Returns the function that removes it. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#start();
    listener(this.#state);
    return () => {
      if (!this.#listeners.delete(listener)) return;
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  /** Applies a run the server returned, such as the response to start, cancel or resume. */
  apply(run: JobRun): void {
    this.#sinceLoad?.set(run.id, run);
    this.#set({ runs: mergeRun(this.#state.runs ?? [], run) });
  }

  /** Reads the whole list again. */
  async reload(): Promise<void> {
    const sequence = ++this.#loadSequence;
    const received = new Map<string, JobRun>();
    this.#sinceLoad = received;
    try {
      const list = await listJobs(this.appId);
      if (sequence !== this.#loadSequence) return;
      let runs = (Array.isArray(list.runs) ? list.runs : []).slice(0, MAX_RUNS);
      for (const run of received.values()) runs = mergeRun(runs, run);
      this.#set({ jobs: Array.isArray(list.jobs) ? list.jobs : [], runs, error: undefined });
    } catch (error) {
      if (sequence !== this.#loadSequence) return;
      this.#set({ error: error instanceof Error ? error.message : String(error) });
    } finally {
      if (this.#sinceLoad === received) this.#sinceLoad = undefined;
    }
  }

  #set(change: Partial<JobFeedState>): void {
    this.#state = { ...this.#state, ...change };
    for (const listener of [...this.#listeners]) listener(this.#state);
  }

  #start(): void {
    void this.reload();
    this.#open();
  }

  #stop(): void {
    this.#source?.close();
    this.#source = undefined;
    clearTimeout(this.#reopenTimer);
    this.#reopenTimer = undefined;
    this.#stopPolling();
    this.#loadSequence++;
    this.#failures = 0;
    this.#state = { ...this.#state, live: false };
  }

  #open(): void {
    if (typeof EventSource === 'undefined') {
      this.#startPolling();
      return;
    }
    const source = new EventSource(`${jobsPath(this.appId)}/events`);
    this.#source = source;
    source.addEventListener('open', () => {
      const reconnected = this.#failures > 0 || this.#pollTimer !== undefined;
      this.#failures = 0;
      this.#stopPolling();
      this.#set({ live: true });
      // Changes made while the stream was down were not sent, so the list is read again.
      if (reconnected) void this.reload();
    });
    source.addEventListener('run', (event) => {
      const run = parseRunEvent((event as MessageEvent).data);
      if (run) this.apply(run);
    });
    source.addEventListener('error', () => {
      if (this.#source !== source) return;
      this.#set({ live: false });
      this.#startPolling();
      // A stream the browser gave up on (such as after a 404 or 503) is opened again later, waiting longer after each failure.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        this.#source = undefined;
        const delay = Math.min(MAX_REOPEN_DELAY_MS, POLL_INTERVAL_MS * 2 ** Math.min(this.#failures, 10));
        this.#failures++;
        this.#reopenTimer = setTimeout(() => {
          this.#reopenTimer = undefined;
          if (this.#listeners.size > 0) this.#open();
        }, delay);
      }
    });
  }

  #startPolling(): void {
    if (this.#pollTimer !== undefined) return;
    this.#pollTimer = setInterval(() => void this.reload(), POLL_INTERVAL_MS);
  }

  #stopPolling(): void {
    clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }
}

const feeds = new Map<string, JobFeed>();

/** Returns the shared feed of an app's runs. */
export function jobFeed(appId: string): JobFeed {
  let feed = feeds.get(appId);
  if (!feed) {
    feed = new JobFeed(appId);
    feeds.set(appId, feed);
  }
  return feed;
}
