// Prometheus metrics of one server: HTTP requests by route pattern, query and
// action durations, denials, spec reloads and job runs, plus the process
// metrics of prom-client. Each server has its own prom-client Registry, so
// several servers in one process (as in the tests) never share counters.
// Labels hold app, query, action and route ids only: never a user id, a raw
// path or a parameter value, so their number stays bounded.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditLog } from '../audit.js';
import type { RunStatus, RunStore } from '../jobs/run-state.js';
import type { ReloadResult } from '../registry.js';
import { HttpError } from './errors.js';
import { TrustedProxies } from './trusted-proxies.js';

/** Route label of requests that no router matched (UI files, unknown paths). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Outcome label of `opsdeck_action_duration_seconds`. */
export type ActionOutcomeLabel = 'succeeded' | 'failed' | 'denied' | 'invalid' | 'conflict' | 'unavailable';

/** Result label of `opsdeck_spec_reloads_total`: a registry result, or `failed` when the reload raised. */
export type ReloadLabel = ReloadResult | 'failed';

const JOB_STATUSES: readonly RunStatus[] = ['queued', 'running', 'cancelling', 'succeeded', 'failed', 'cancelled', 'interrupted'];

/** Buckets in seconds, from a fast lookup to a slow multi-step action. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The metrics of one server and the hooks that feed them. */
export class OpsdeckMetrics {
  /** The per-server registry that `/metrics` renders. */
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'method' | 'status'>;
  readonly #requestSeconds: Histogram<'route'>;
  readonly #querySeconds: Histogram<'app' | 'query'>;
  readonly #actionSeconds: Histogram<'app' | 'action' | 'outcome'>;
  readonly #denials: Counter<'app' | 'object_kind'>;
  readonly #reloads: Counter<'result'>;
  readonly #reloadSuccess: Gauge;
  readonly #reloadTime: Gauge;

  /** `jobs` is read at each scrape for `opsdeck_job_runs`; without it that gauge is absent. */
  constructor(options: { jobs?: Pick<RunStore, 'withStatus'> } = {}) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#requests = new Counter({ name: 'opsdeck_http_requests_total', help: 'HTTP responses sent, by route pattern (unmatched when no route matched), method and status.', labelNames: ['route', 'method', 'status'], registers });
    this.#requestSeconds = new Histogram({ name: 'opsdeck_http_request_duration_seconds', help: 'Time from receiving a request to its response headers, by route pattern.', labelNames: ['route'], buckets: DURATION_BUCKETS, registers });
    this.#querySeconds = new Histogram({ name: 'opsdeck_query_duration_seconds', help: 'Time to run an authorized query, audit it and build its rows.', labelNames: ['app', 'query'], buckets: DURATION_BUCKETS, registers });
    this.#actionSeconds = new Histogram({ name: 'opsdeck_action_duration_seconds', help: 'Time to run an action that passed its checks, until its outcome is audited.', labelNames: ['app', 'action', 'outcome'], buckets: DURATION_BUCKETS, registers });
    this.#denials = new Counter({ name: 'opsdeck_denials_total', help: 'Requests denied by the access policy or a row rule, by app and kind of object (page, query, action, job, audit).', labelNames: ['app', 'object_kind'], registers });
    this.#reloads = new Counter({ name: 'opsdeck_spec_reloads_total', help: 'Spec reloads after a file change, by result: reloaded, unchanged, rejected (the last good version keeps serving), removed or failed.', labelNames: ['result'], registers });
    this.#reloadSuccess = new Gauge({ name: 'opsdeck_spec_last_reload_success', help: '1 when the last spec load or reload succeeded, 0 when it was rejected or failed.', registers });
    this.#reloadTime = new Gauge({ name: 'opsdeck_spec_last_reload_timestamp_seconds', help: 'Unix time of the last spec load or reload that changed something or was rejected.', registers });
    // The start-up load succeeded, or the server would not be running.
    this.#reloadSuccess.set(1);
    this.#reloadTime.set(Date.now() / 1000);
    const jobs = options.jobs;
    if (jobs !== undefined) {
      new Gauge({
        name: 'opsdeck_job_runs',
        help: 'Job runs known to this server, by status, read from the run store at each scrape.',
        labelNames: ['status'],
        registers,
        async collect() {
          const runs = await jobs.withStatus(JOB_STATUSES);
          for (const status of JOB_STATUSES) this.set({ status }, runs.filter((run) => run.status === status).length);
        },
      });
    }
  }

  /** Koa middleware counting every request by its matched route pattern; mount it before all others. */
  middleware() {
    return async (ctx: Context, next: Next): Promise<void> => {
      const stop = this.#requestSeconds.startTimer();
      try {
        await next();
      } finally {
        const route = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
        const label = typeof route === 'string' ? route : UNMATCHED_ROUTE;
        stop({ route: label });
        this.#requests.inc({ route: label, method: ctx.method, status: String(ctx.status) });
      }
    };
  }

  /** Starts timing a query and returns the function to call once it returned or failed. */
  startQuery(app: string, query: string): () => void {
    const stop = this.#querySeconds.startTimer({ app, query });
    return () => void stop();
  }

  /** Starts timing an action and returns the function to call with its outcome. */
  startAction(app: string, action: string): (outcome: ActionOutcomeLabel) => void {
    const stop = this.#actionSeconds.startTimer({ app, action });
    return (outcome) => void stop({ outcome });
  }

  /** Counts a denial of an object such as `query:list` (kind `query`) or `audit`. */
  denied(app: string, object: string): void {
    const kind = object.includes(':') ? object.slice(0, object.indexOf(':')) : object;
    this.#denials.inc({ app, object_kind: kind });
  }

  /** Records the result of a spec reload. */
  specReload(result: ReloadLabel): void {
    this.#reloads.inc({ result });
    if (result === 'unchanged') return;
    this.#reloadSuccess.set(result === 'rejected' || result === 'failed' ? 0 : 1);
    this.#reloadTime.set(Date.now() / 1000);
  }

  /**
   * Counts every `denied` record the audit log is given, wherever it comes
   * from (API, exports, jobs, approvals, audit pages), by wrapping `append`
   * on that one instance. The record is counted before it is written, so a
   * denial whose record is lost still counts.
   */
  countDenials(audit: Pick<AuditLog, 'append'>): void {
    const append = audit.append.bind(audit);
    audit.append = (entry, options) => {
      if (entry.outcome === 'denied') this.denied(entry.app, entry.object ?? (entry.action === undefined ? '' : `action:${entry.action}`));
      return append(entry, options);
    };
  }
}

/** Maps how a run of an action ended to its outcome label. */
export function actionOutcomeOf(result: { status: number } | unknown): ActionOutcomeLabel {
  const status = result instanceof HttpError ? result.status : typeof (result as { status?: unknown })?.status === 'number' ? (result as { status: number }).status : 500;
  if (status < 300) return 'succeeded';
  if (status === 400) return 'invalid';
  if (status === 403 || status === 404) return 'denied';
  if (status === 409) return 'conflict';
  if (status === 503) return 'unavailable';
  return 'failed';
}

/**
 * Builds the router for `GET /metrics` in the Prometheus text format. It
 * needs no session; with `allowFrom`, peers outside those addresses get 403.
 */
export function metricsRouter(metrics: OpsdeckMetrics, allowFrom?: readonly string[]): Router {
  const router = new Router();
  const allowed = allowFrom === undefined ? undefined : new TrustedProxies(allowFrom);
  router.get('/metrics', async (ctx) => {
    if (allowed !== undefined && !allowed.includes(ctx.req.socket.remoteAddress)) {
      throw new HttpError(403, 'forbidden', 'Requests from this address may not read /metrics. To allow it, add the address to metrics.allowFrom in opsdeck.yaml.');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
