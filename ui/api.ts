// Fetch wrapper for the Opsdeck HTTP API: JSON in, JSON out, errors as ApiError.

/** One field error from a 400 response. */
export interface FieldError {
  field: string;
  message: string;
}

/** An error response of the API, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly details: FieldError[];

  constructor(status: number, code: string, message: string, field?: string, details: FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.details = details;
  }
}

type UnauthenticatedHandler = () => void;

let unauthenticatedHandler: UnauthenticatedHandler | undefined;

/** Sets the function called on every 401 response. The app root uses it to send the user to sign in. */
export function onUnauthenticated(handler: UnauthenticatedHandler | undefined): void {
  unauthenticatedHandler = handler;
}

/** Options of one request. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Skip the global 401 handler, for requests that probe whether the user is signed in. */
  quiet401?: boolean;
}

/** Sends a GET request and returns the parsed JSON body. Throws ApiError on any failure. */
export function apiGet<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return request<T>('GET', path, undefined, options);
}

/**
 * Sends a POST request with a JSON body and the CSRF token, and returns the
 * parsed JSON response. A 403 `csrf_failed` (such as after the server's keys
 * changed) fetches a new token and sends the request once more. Throws
 * ApiError on any failure.
 */
export async function apiPost<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
  try {
    return await request<T>('POST', path, body, options);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 403 && error.code === 'csrf_failed')) throw error;
    csrfToken = undefined;
    return request<T>('POST', path, body, options);
  }
}

/** Request header that carries the CSRF token, and the response header of GET /api/session that issues it. */
const CSRF_HEADER = 'X-CSRF-Token';

/** The page's CSRF token, fetched once and shared by every POST until the server rejects it. */
let csrfToken: Promise<string> | undefined;

/** Returns the CSRF token, from GET /api/session when the page has none yet (it is sent even when signed out). */
function currentCsrfToken(): Promise<string> {
  if (csrfToken === undefined) {
    // Without the caller's abort signal: other requests may share this fetch.
    const fetching = fetchCsrfToken();
    csrfToken = fetching;
    // A failed fetch is not kept, so the next POST tries again.
    fetching.catch(() => {
      if (csrfToken === fetching) csrfToken = undefined;
    });
  }
  return csrfToken;
}

async function fetchCsrfToken(): Promise<string> {
  const response = await send('/api/session', { method: 'GET', headers: { accept: 'application/json' }, credentials: 'same-origin' });
  await response.text();
  const token = response.headers.get(CSRF_HEADER);
  if (!token) throw new ApiError(response.status, 'csrf_unavailable', 'The server sent no CSRF token. Reload the page and try again.');
  return token;
}

/** Calls fetch and turns a network failure into ApiError; an abort is raised as is. */
async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }
}

async function request<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<T> {
  const init: RequestInit = {
    method,
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
    signal: options.signal,
  };
  if (method === 'POST') {
    const token = await currentCsrfToken();
    init.headers = { accept: 'application/json', 'content-type': 'application/json', [CSRF_HEADER]: token };
    init.body = JSON.stringify(body ?? {});
  }

  const response = await send(path, init);
  const issued = response.headers.get(CSRF_HEADER);
  if (issued) csrfToken = Promise.resolve(issued);

  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = undefined;
  }

  if (response.ok) {
    if (parsed === undefined) {
      throw new ApiError(response.status, 'invalid_response', `The server returned a response that is not JSON for ${method} ${path}.`);
    }
    return parsed as T;
  }

  const error = toApiError(response.status, parsed);
  if (response.status === 401 && !options.quiet401) unauthenticatedHandler?.();
  throw error;
}

/** Builds an ApiError from an error response, whatever its body contains. */
export function toApiError(status: number, body: unknown): ApiError {
  const payload = isObject(body) && isObject(body.error) ? body.error : undefined;
  if (!payload) {
    return new ApiError(status, 'http_error', `The server responded with status ${status}.`);
  }
  const code = typeof payload.code === 'string' ? payload.code : 'http_error';
  const message = typeof payload.message === 'string' ? payload.message : `The server responded with status ${status}.`;
  const field = typeof payload.field === 'string' ? payload.field : undefined;
  const details: FieldError[] = [];
  if (Array.isArray(payload.details)) {
    for (const item of payload.details) {
      if (isObject(item) && typeof item.field === 'string' && typeof item.message === 'string') {
        details.push({ field: item.field, message: item.message });
      }
    }
  }
  return new ApiError(status, code, message, field, details);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Encodes one path segment of an API URL. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
