// A Lit reactive controller that keeps a component subscribed to the job feed
// of an app (jobs-api.ts), which follows the server-sent `run` events of
// GET /api/apps/:app/jobs/events.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { jobFeed, type JobFeedState } from './jobs-api.js';

/** Callbacks that connect the controller to its host. */
export interface RunFeedOptions {
  /** The app whose runs to follow, or undefined while the host should not subscribe. Read before each update. */
  appId: () => string | undefined;
  /** Called with the feed's state when subscribing and on every change. */
  onState: (state: JobFeedState) => void;
  /** Called before each subscription, such as to forget what an earlier one delivered. */
  onSubscribe?: (appId: string) => void;
}

/**
 * Subscribes when the host is connected and has an app, unsubscribes when it
 * is disconnected, and subscribes again when it is connected again or its app
 * changes. The feed itself reopens a dropped event stream and polls meanwhile.
 */
export class RunFeedController implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #options: RunFeedOptions;
  #unsubscribe: (() => void) | undefined;
  #subscribedApp: string | undefined;

  constructor(host: ReactiveControllerHost & HTMLElement, options: RunFeedOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  /** The app whose feed the host follows now, undefined when it follows none. */
  get appId(): string | undefined {
    return this.#subscribedApp;
  }

  hostConnected(): void {
    this.#sync();
  }

  hostUpdate(): void {
    this.#sync();
  }

  hostDisconnected(): void {
    this.#stop();
  }

  #sync(): void {
    const appId = this.#options.appId() || undefined;
    if (appId === this.#subscribedApp || !this.#host.isConnected) return;
    this.#stop();
    if (appId === undefined) return;
    this.#subscribedApp = appId;
    this.#options.onSubscribe?.(appId);
    this.#unsubscribe = jobFeed(appId).subscribe((state) => this.#options.onState(state));
  }

  #stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#subscribedApp = undefined;
  }
}
