// Client-side routes and History API navigation.

/** A screen of the UI, parsed from the location's path. */
export type Route =
  | { name: 'apps' }
  | { name: 'login'; next?: string }
  | { name: 'app'; appId: string; pageId?: string }
  | { name: 'not-found'; path: string };

/** Event fired on window after `navigate` changed the location. */
export const ROUTE_EVENT = 'od-route';

/** Parses a path and query string into a route. */
export function parseRoute(pathname: string, search = ''): Route {
  if (pathname === '/' || pathname === '') return { name: 'apps' };
  if (pathname === '/login' || pathname === '/login/') {
    const next = new URLSearchParams(search).get('next') ?? undefined;
    return { name: 'login', next: next && isLocalPath(next) ? next : undefined };
  }
  const match = /^\/apps\/([^/]+)(?:\/(?:pages\/([^/]+)\/?)?)?$/.exec(pathname);
  if (match) {
    const appId = safeDecode(match[1]);
    const pageId = match[2] === undefined ? undefined : safeDecode(match[2]);
    if (appId !== undefined && (match[2] === undefined || pageId !== undefined)) return { name: 'app', appId, pageId };
  }
  return { name: 'not-found', path: pathname };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Tells whether a `next` target stays on this site: a path, never `//host` or a full URL. */
export function isLocalPath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\');
}

/** Path of an app, or of one of its pages. */
export function appPath(appId: string, pageId?: string): string {
  const base = `/apps/${encodeURIComponent(appId)}/`;
  return pageId === undefined ? base : `${base}pages/${encodeURIComponent(pageId)}`;
}

/** Changes the location without reloading the page and fires ROUTE_EVENT so the app root renders the new route. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else if (path !== location.pathname + location.search) history.pushState(null, '', path);
  window.dispatchEvent(new Event(ROUTE_EVENT));
}

/**
 * State of a page kept in its query string: the open tab of each `tabs`, the
 * selected row key of each table with an `id`, by that id, and the open modal
 * or drawer as `<id>: 'open'`, such as `{ customers: '42', tab: 'invoices', customerDrawer: 'open' }`.
 */
export type PageState = Record<string, string>;

/** Reads the page state from a query string, keeping only `keys` (the ids the page declares) and the first value of each. */
export function parsePageState(search: string, keys: Iterable<string>): PageState {
  const params = new URLSearchParams(search);
  const state: PageState = {};
  for (const key of keys) {
    const value = params.get(key);
    if (value !== null && value !== '') state[key] = value;
  }
  return state;
}

/** Builds the query string of a page state, `?` included, with keys in `order`; empty when nothing is set. */
export function buildPageSearch(state: PageState, order: Iterable<string> = Object.keys(state)): string {
  const params = new URLSearchParams();
  for (const key of order) {
    const value = state[key];
    if (value !== undefined && value !== '') params.set(key, value);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * Converts a row key read from a URL back to the value a query parameter
 * expects: integer and decimal text becomes a number, other text stays text.
 * NOTE: the URL does not carry the key's type, so a text key made of digits
 * becomes a number too. A leading zero (`"007"`) keeps the text, because the number would lose it.
 */
export function rowKeyFromUrl(text: string): string | number {
  if (!/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) return text;
  const number = Number(text);
  return Number.isSafeInteger(number) || !Number.isInteger(number) ? number : text;
}

/** Writes a page state to the location: a new history entry for a user's step, or in place of the current one for a restore. */
export function writePageState(search: string, options: { replace?: boolean } = {}): void {
  const url = location.pathname + search + location.hash;
  if (url === location.pathname + location.search + location.hash) return;
  if (options.replace) history.replaceState(history.state, '', url);
  else history.pushState(history.state, '', url);
}
