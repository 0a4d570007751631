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

/** Sends a POST request with a JSON body and returns the parsed JSON response. Throws ApiError on any failure. */
export function apiPost<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
  return request<T>('POST', path, body, options);
}

async function request<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<T> {
  const init: RequestInit = {
    method,
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
    signal: options.signal,
  };
  if (method === 'POST') {
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    init.body = JSON.stringify(body ?? {});
  }

  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }

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
