// Whether an app's databases can be reached. An app whose database is down
// stays listed and answers 503 with the reason; a background retry with
// exponential backoff brings it back once the database answers again.
import { DatasourceUnavailable } from './datasources/datasource.js';
import type { Logger } from './log.js';

export interface RetryOptions {
  /** Delay before the first retry, in milliseconds; each later delay doubles. */
  initialMs: number;
  /** Maximum delay between retries, in milliseconds. */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { initialMs: 500, maxMs: 30_000 };

/** Availability of one app version, with the retry loop that restores it. */
export class AppHealth {
  readonly #appId: string;
  readonly #log: Logger;
  readonly #recover: () => Promise<void>;
  readonly #retry: RetryOptions;
  #reason: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #stopped = false;
  #retrying = true;

  /** `recover` is retried while the app is unavailable; it raises DatasourceUnavailable while the database is still down. */
  constructor(appId: string, log: Logger, recover: () => Promise<void>, retry: RetryOptions = DEFAULT_RETRY) {
    this.#appId = appId;
    this.#log = log;
    this.#recover = recover;
    this.#retry = retry;
  }

  get available(): boolean {
    return this.#reason === undefined;
  }

  /** False while the app is unavailable for a reason that only a reload or restart fixes. */
  get retrying(): boolean {
    return this.#retrying;
  }

  /** Why the app is unavailable, without secrets; undefined while it is available. */
  get reason(): string | undefined {
    return this.#reason;
  }

  /** Marks the app unavailable and starts retrying, unless it is already unavailable. */
  markUnavailable(reason: string): void {
    if (this.#stopped) return;
    if (!this.#retrying) return;
    const wasAvailable = this.#reason === undefined;
    this.#reason = reason;
    if (!wasAvailable) return;
    this.#attempt = 0;
    this.#log.warn({ app: this.#appId, reason, retryInMs: this.#delay() }, 'app unavailable: its database cannot be reached');
    this.#schedule();
  }

  /**
   * Marks the app unavailable for a reason that retrying cannot fix, such as
   * an environment variable that is not set; only a reload or a restart ends it.
   */
  markMisconfigured(reason: string): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#reason = reason;
    this.#retrying = false;
    this.#log.warn({ app: this.#appId, reason }, 'app unavailable until its settings are fixed');
  }

  /** Stops retrying; called when this app version is replaced or the server closes. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #delay(): number {
    return Math.min(this.#retry.initialMs * 2 ** this.#attempt, this.#retry.maxMs);
  }

  #schedule(): void {
    this.#timer = setTimeout(() => void this.#tryRecover(), this.#delay());
    this.#timer.unref();
  }

  async #tryRecover(): Promise<void> {
    if (this.#stopped) return;
    this.#attempt++;
    try {
      await this.#recover();
    } catch (err) {
      if (this.#stopped) return;
      if (err instanceof DatasourceUnavailable) {
        this.#reason = err.reason;
        this.#log.warn({ app: this.#appId, attempt: this.#attempt, reason: err.reason, retryInMs: this.#delay() }, 'database still unreachable; retrying');
        this.#schedule();
        return;
      }
      // Anything else (a failed migration, a spec that does not fit the database) needs a fix, not a retry.
      this.#reason = `the database is reachable again, but the app could not be prepared: ${(err as Error).message}. Fix the spec or migration; saving it retries.`;
      this.#log.error({ app: this.#appId, err }, 'app stays unavailable after its database came back');
      return;
    }
    if (this.#stopped) return;
    this.#log.info({ app: this.#appId, attempts: this.#attempt }, 'database reachable again; app available');
    this.#reason = undefined;
  }
}
