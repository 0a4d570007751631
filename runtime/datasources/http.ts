// A `kind: http` data source: an HTTP API that action steps call with
// Node's built-in fetch. The base URL and headers are resolved from the
// environment once, kept inside this object, and never logged, returned or
// put in an error message. Each attempt has a time limit and a size cap on
// the response; idempotent methods are retried with exponential backoff.
import type { HttpDatasourceSpec } from '../../core/spec.js';
import type { Logger } from '../log.js';

/** Defaults of the settings of an HTTP data source. */
export const HTTP_DEFAULTS = { timeoutMs: 10_000, retries: 2, maxResponseBytes: 1024 * 1024 } as const;

/** Methods that may be sent again after a failure: repeating them has the effect of sending them once. */
export const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Wait before the first retry; each further retry waits twice as long. */
const BACKOFF_MS = 100;

export interface HttpSettings {
  name: string;
  /** Base URL with environment values resolved. */
  baseUrl: string;
  /** Headers with environment values resolved. */
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  maxResponseBytes: number;
  log: Logger;
}

/** One request, ready to send. */
export interface HttpCall {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** JSON value sent as the body; undefined sends none. */
  body?: unknown;
}

/** A response with status 2xx; `body` is the parsed JSON, the text when it is not JSON, or null when empty. */
export interface HttpResponse {
  status: number;
  body: unknown;
  attempts: number;
}

export type HttpFailureKind = 'timeout' | 'network' | 'status' | 'too_large';

/** Raised when a request failed; the message names the data source and the cause, never the URL or headers. */
export class HttpRequestFailed extends Error {
  constructor(readonly kind: HttpFailureKind, message: string, readonly attempts: number, readonly status?: number) {
    super(message);
  }
}

/** An HTTP API reached under one base URL. */
export class HttpDatasource {
  readonly kind = 'http' as const;
  readonly name: string;
  /** The base URL every request must stay under. */
  readonly base: URL;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #maxBytes: number;
  readonly #log: Logger;

  constructor(settings: HttpSettings) {
    this.name = settings.name;
    let base: URL;
    try {
      base = new URL(settings.baseUrl);
    } catch {
      // The URL may hold a token, so neither it nor the parser's message (which quotes it) is repeated.
      throw new Error(`the \`baseUrl\` of data source \`${settings.name}\` is not a valid URL; write http://host:port/path or https://…`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`the \`baseUrl\` of data source \`${settings.name}\` uses the scheme ${base.protocol}; use http: or https:`);
    base.hash = '';
    this.base = base;
    this.#headers = settings.headers;
    this.#timeoutMs = settings.timeoutMs;
    this.#retries = settings.retries;
    this.#maxBytes = settings.maxResponseBytes;
    this.#log = settings.log;
  }

  /** Builds a data source from its spec, with `${env:…}` already resolved by the caller. */
  static fromSpec(name: string, spec: HttpDatasourceSpec, baseUrl: string, headers: Record<string, string>, log: Logger): HttpDatasource {
    return new HttpDatasource({
      name,
      baseUrl,
      headers,
      timeoutMs: spec.timeoutMs ?? HTTP_DEFAULTS.timeoutMs,
      retries: spec.retries ?? HTTP_DEFAULTS.retries,
      maxResponseBytes: spec.maxResponseBytes ?? HTTP_DEFAULTS.maxResponseBytes,
      log,
    });
  }

  /**
   * Sends a request and returns its 2xx response. Network failures, timeouts
   * and 5xx answers are retried for idempotent methods only; 4xx answers, too
   * large bodies and redirects are never retried (redirects are not followed,
   * since they could lead away from the base URL).
   */
  async send(call: HttpCall): Promise<HttpResponse> {
    const attemptsAllowed = IDEMPOTENT_METHODS.has(call.method) ? this.#retries + 1 : 1;
    let attempt = 0;
    for (;;) {
      attempt++;
      try {
        return await this.#attempt(call, attempt);
      } catch (err) {
        const failure = err as HttpRequestFailed;
        const retryable = failure.kind === 'network' || failure.kind === 'timeout' || (failure.kind === 'status' && (failure.status ?? 0) >= 500);
        if (!retryable || attempt >= attemptsAllowed) throw failure;
        this.#log.warn({ datasource: this.name, method: call.method, attempt, reason: failure.kind, status: failure.status }, 'HTTP request failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS * 2 ** (attempt - 1)));
      }
    }
  }

  async #attempt(call: HttpCall, attempt: number): Promise<HttpResponse> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    // Headers compare without case, and the data source's own headers (credentials) are set last, so a step can never replace or extend them.
    const headers = new Headers({ accept: 'application/json' });
    for (const [name, value] of Object.entries(call.headers)) headers.set(name, value);
    for (const [name, value] of Object.entries(this.#headers)) headers.set(name, value);
    let body: string | undefined;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers.set('content-type', 'application/json');
    }
    const subject = `the HTTP API of data source \`${this.name}\``;
    try {
      let response: Response;
      try {
        response = await fetch(call.url, { method: call.method, headers, body, redirect: 'manual', signal: controller.signal });
      } catch (err) {
        if (controller.signal.aborted) throw new HttpRequestFailed('timeout', `${subject} did not respond within ${this.#timeoutMs} ms (timeoutMs)`, attempt);
        throw new HttpRequestFailed('network', `${subject} could not be reached: ${networkReason(err)}`, attempt);
      }
      const text = await this.#readBody(response, controller, subject, attempt);
      if (response.status < 200 || response.status >= 300) {
        const what = response.status >= 300 && response.status < 400 ? 'a redirect, which is not followed' : 'an error';
        throw new HttpRequestFailed('status', `${subject} answered ${response.status} (${what})`, attempt, response.status);
      }
      return { status: response.status, body: parseBody(text), attempts: attempt };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads the body up to the size cap; a larger one cancels the stream, which closes the connection. */
  async #readBody(response: Response, controller: AbortController, subject: string, attempt: number): Promise<string> {
    const tooLarge = (): HttpRequestFailed => new HttpRequestFailed('too_large', `${subject} sent a response larger than ${this.#maxBytes} bytes (maxResponseBytes)`, attempt, response.status);
    const declared = Number(response.headers.get('content-length') ?? '');
    if (Number.isFinite(declared) && declared > this.#maxBytes) {
      controller.abort();
      throw tooLarge();
    }
    if (response.body === null) return '';
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > this.#maxBytes) {
          controller.abort();
          throw tooLarge();
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof HttpRequestFailed) throw err;
      if (controller.signal.aborted) throw new HttpRequestFailed('timeout', `${subject} did not finish its response within ${this.#timeoutMs} ms (timeoutMs)`, attempt);
      throw new HttpRequestFailed('network', `${subject} broke off its response: ${networkReason(err)}`, attempt);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Returns a short reason for a network failure, built from the error code only, because fetch's messages may quote the URL. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code === undefined ? 'the connection failed' : `the connection failed (${code})`;
}
