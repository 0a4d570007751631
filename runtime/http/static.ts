// Serves the bundled UI: files of dist/ui under /assets/, favicon.svg also at
// /favicon.ico, and index.html for the routes the browser app handles itself.
// Files are read once at start.
import type { Context, Next } from 'koa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const APP_ROUTES = /^\/(?:|login|apps(?:\/.*)?)$/;

/** Middleware serving the UI bundle from `uiDir`. */
export function serveUi(uiDir: string) {
  if (!existsSync(join(uiDir, 'index.html'))) {
    throw new Error(`The UI bundle is missing at ${uiDir}; run "npm run build" first.`);
  }
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(uiDir)) files.set(name, readFileSync(join(uiDir, name)));
  const index = files.get('index.html')!;
  const favicon = files.get('favicon.svg');

  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path.startsWith('/assets/')) {
      const name = ctx.path.slice('/assets/'.length);
      const file = files.get(name);
      if (!file) return next();
      ctx.type = TYPES[extname(name)] ?? 'application/octet-stream';
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = file;
      return;
    }
    // Browsers ask for /favicon.ico before reading the page's <link rel="icon">, so that path gets the SVG too.
    if (ctx.path === '/favicon.ico' && favicon) {
      ctx.type = TYPES['.svg'];
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = favicon;
      return;
    }
    if (APP_ROUTES.test(ctx.path)) {
      ctx.type = TYPES['.html'];
      ctx.set('Cache-Control', 'no-store');
      ctx.body = index;
      return;
    }
    return next();
  };
}
