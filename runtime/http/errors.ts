// Errors that are safe to send to the client. Anything else becomes a generic
// 500 whose details go to the log only.

export interface FieldError {
  field: string;
  message: string;
}

/** An error with a status, a stable code and a message meant for the client. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly details?: FieldError[];

  constructor(status: number, code: string, message: string, options: { field?: string; details?: FieldError[] } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }

  toJSON(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.field !== undefined) error.field = this.field;
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

/** Builds a 400 from field errors, with the first one as the headline. */
export function invalid(code: string, details: FieldError[]): HttpError {
  const first = details[0];
  const message = details.length === 1 ? `${first.field} ${first.message}` : `${first.field} ${first.message} (and ${details.length - 1} more)`;
  return new HttpError(400, code, message, { field: first.field, details });
}

export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} was not found.`);
export const forbidden = (): HttpError => new HttpError(403, 'forbidden', 'You are not allowed to do this.');
export const unauthenticated = (message = 'Sign in first.'): HttpError => new HttpError(401, 'unauthenticated', message);
