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
