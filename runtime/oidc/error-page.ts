// The HTML page shown to a browser when a sign-in fails at /auth/login or
// /auth/callback. Other clients (fetch, curl) keep getting the JSON error.
import type { Context, Next } from 'koa';
import { HttpError } from '../http/errors.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

/** Renders an HttpError as a page when the request prefers HTML, such as a browser following a redirect. */
export async function errorPageForBrowsers(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    if (!(err instanceof HttpError) || ctx.accepts('json', 'html') !== 'html') throw err;
    ctx.status = err.status;
    ctx.type = 'html';
    ctx.body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in failed · Opsdeck</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 10vh auto; padding: 0 1rem; line-height: 1.5">
<h1 style="font-size: 1.4rem">Sign-in failed</h1>
<p data-code="${escapeHtml(err.code)}">${escapeHtml(err.message)}</p>
<p><a href="/auth/login">Sign in again</a> · <a href="/">Opsdeck home</a></p>
</body>
</html>
`;
  }
}
