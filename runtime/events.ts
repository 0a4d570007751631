// Server-sent events per app: open pages learn that a new version is served,
// or that a changed spec was rejected.

export type AppEventName = 'reload' | 'invalid';

type Listener = (event: AppEventName, data: unknown) => void;

export class AppEvents {
  #listeners = new Map<string, Set<Listener>>();

  /** Registers a listener for one app; returns the function that removes it. */
  subscribe(appId: string, listener: Listener): () => void {
    let set = this.#listeners.get(appId);
    if (!set) this.#listeners.set(appId, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  publish(appId: string, event: AppEventName, data: unknown): void {
    for (const listener of this.#listeners.get(appId) ?? []) listener(event, data);
  }

  listenerCount(appId: string): number {
    return this.#listeners.get(appId)?.size ?? 0;
  }
}
