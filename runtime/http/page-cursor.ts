// Cursors for keyset paging. `page.after` of a query request names the last
// row of the previous page by its values in the ORDER BY columns. The next
// page starts after that row, even when rows were inserted or deleted meanwhile.
// A cursor is base64url JSON. It contains only values of columns the caller may
// sort on, so it reveals nothing the rows did not. The server checks its shape
// and that it was made for the same order, then binds its values as parameters.
import { invalid } from './errors.js';

/** One ORDER BY key; `dir` also decides where NULLs go (first ascending, last descending). */
export interface OrderKey {
  field: string;
  dir: 'asc' | 'desc';
}

/** A value of a cursor: the value of a row in one ORDER BY column. */
export type CursorValue = string | number | boolean | null;

/** Maximum length of a cursor, in characters. Rows whose sort values are longer get no cursor, and the client pages by offset. */
const MAX_CURSOR_LENGTH = 8192;
const CURSOR_VERSION = 1;

/** Encodes the position after `row`. Returns undefined when a value of `order` is not a scalar (a blob, a JSON object), or when the cursor would be too long. */
export function encodeCursor(order: OrderKey[], row: Record<string, unknown>): string | undefined {
  const values: CursorValue[] = [];
  for (const key of order) {
    const value = Object.hasOwn(row, key.field) ? row[key.field] : null;
    if (!isCursorValue(value)) return undefined;
    values.push(value);
  }
  const payload = { v: CURSOR_VERSION, o: order.map((key) => [key.field, key.dir]), k: values };
  const cursor = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return cursor.length <= MAX_CURSOR_LENGTH ? cursor : undefined;
}

/**
 * Decodes `page.after` and checks it against the request's order. Raises a
 * 400 `invalid_page` naming `page.after` when the cursor is malformed or was
 * made for another sort or key.
 */
export function decodeCursor(raw: unknown, order: OrderKey[]): CursorValue[] {
  const reject = (message: string) => invalid('invalid_page', [{ field: 'page.after', message }]);
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(raw)) {
    throw reject('must be the `page.next` text of an earlier response; omit it to start at the first page.');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw reject('is not a cursor this server made; use the `page.next` text of an earlier response, or omit it to start at the first page.');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw reject('is not a cursor this server made; use the `page.next` text of an earlier response, or omit it to start at the first page.');
  }
  const { v: version, o: cursorOrder, k: values } = payload as Record<string, unknown>;
  if (version !== CURSOR_VERSION || !Array.isArray(cursorOrder) || !Array.isArray(values) || values.length !== cursorOrder.length || !values.every(isCursorValue)) {
    throw reject('is not a cursor this server made; use the `page.next` text of an earlier response, or omit it to start at the first page.');
  }
  const sameOrder =
    cursorOrder.length === order.length &&
    cursorOrder.every((entry, index) => Array.isArray(entry) && entry[0] === order[index].field && entry[1] === order[index].dir);
  if (!sameOrder) {
    throw reject('was made for another sort or key; start again from the first page by omitting `page.after`.');
  }
  return values;
}

function isCursorValue(value: unknown): value is CursorValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
