// Graceful stop of the HTTP listener. New connections are refused, and
// requests already in flight (a running action) finish within a bounded wait.
// Requests that arrive meanwhile on an open connection are rejected with 503,
// so the stop itself never cuts a request off halfway.
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

/** Body of the 503 sent to requests that arrive while the server stops. */
const SHUTTING_DOWN = JSON.stringify({ error: { code: 'shutting_down', message: 'The server is shutting down and accepts no new requests. Send the request again, and the restarted server or another replica will respond.' } });

/** Counts the requests in flight of one server and drains them on stop. */
export class RequestDrain {
  readonly #inFlight = new Set<ServerResponse>();
  #draining = false;
  #settled: (() => void) | undefined;

  /** Whether the server has begun to stop. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Wraps the app's request listener, so each request is counted until its response closes. */
  wrap(listener: RequestListener): RequestListener {
    return (req: IncomingMessage, res: ServerResponse) => {
      if (this.#draining) {
        res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close', 'Retry-After': '1' });
        res.end(SHUTTING_DOWN);
        return;
      }
      this.#inFlight.add(res);
      res.once('close', () => {
        this.#inFlight.delete(res);
        if (this.#pending() === 0) this.#settled?.();
      });
      listener(req, res);
    };
  }

  /**
   * Stops accepting connections, waits up to `timeoutMs` for the requests in
   * flight (event streams are not waited for: they never end by themselves),
   * then closes every connection. Resolves with the number of requests that
   * were still open when the wait ended, event streams included.
   */
  async drain(server: Server, timeoutMs: number): Promise<{ cut: number }> {
    this.#draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Responses not started yet close their connection instead of keeping it alive.
    for (const res of this.#inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    server.closeIdleConnections();
    if (this.#pending() > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => (this.#settled = resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    const cut = this.#inFlight.size;
    server.closeAllConnections();
    await closed;
    return { cut };
  }

  /** Requests in flight that a stop waits for: all but event streams. */
  #pending(): number {
    let count = 0;
    for (const res of this.#inFlight) if (!String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) count++;
    return count;
  }
}
