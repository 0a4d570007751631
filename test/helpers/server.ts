// Starts Opsdeck in-process on 127.0.0.1 with an ephemeral port, and offers
// small request helpers that keep a cookie jar per user.
import { pino } from 'pino';
import { join } from 'node:path';
import { serve, type RunningServer } from '../../runtime/server.js';
import { REPO_ROOT } from './apps.js';

export const UI_DIR = join(REPO_ROOT, 'dist', 'ui');

export interface TestServer {
  running: RunningServer;
  url: string;
  close(): Promise<void>;
}

export async function startServer(root: string, options: { watch?: boolean; identity?: 'dev' | 'proxy' } = {}): Promise<TestServer> {
  const log = pino({ level: process.env.OPSDECK_TEST_LOG ?? 'silent' });
  const running = await serve({ root, log, port: 0, host: '127.0.0.1', watch: options.watch ?? false, identity: options.identity, uiDir: UI_DIR });
  await running.watching;
  return { running, url: running.url, close: () => running.close() };
}

export interface JsonResponse {
  status: number;
  body: any;
  headers: Headers;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Sends a request and parses a JSON response. A request that changes state gets
 * a CSRF token first (see addCsrfToken), unless it sets `csrf: false` or its
 * own X-CSRF-Token header.
 */
export async function request(url: string, init: RequestInit & { json?: unknown; cookie?: string; csrf?: boolean } = {}): Promise<JsonResponse> {
  const { json, cookie, csrf, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('content-type', 'application/json');
  if (cookie) headers.set('cookie', cookie);
  const method = (rest.method ?? 'GET').toUpperCase();
  if (csrf !== false && !SAFE_METHODS.has(method) && !headers.has('x-csrf-token')) await addCsrfToken(url, headers);
  const response = await fetch(url, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body, redirect: 'manual' });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body, headers: response.headers };
}

/**
 * Gets a CSRF token from GET /api/session of the server at `url`, sending only
 * the cookies in `headers`, and adds the token and any new `opsdeck_csrf`
 * cookie to `headers`. A server that returns no token leaves `headers` as is.
 */
export async function addCsrfToken(url: string, headers: Headers): Promise<void> {
  const cookie = headers.get('cookie');
  const response = await fetch(new URL('/api/session', url), { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  await response.arrayBuffer();
  const token = response.headers.get('x-csrf-token');
  if (!token) return;
  headers.set('x-csrf-token', token);
  const issued = response.headers.getSetCookie().map((line) => line.split(';')[0]);
  if (issued.length > 0) headers.set('cookie', mergeCookies(cookie ?? '', issued));
}

/** Returns a Cookie header with the `issued` cookies (`name=value`) replacing those of the same name in `cookie`; an empty value deletes. */
function mergeCookies(cookie: string, issued: string[]): string {
  const jar = new Map<string, string>();
  for (const pair of [...cookie.split(';'), ...issued].map((text) => text.trim())) {
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const name = pair.slice(0, equals);
    jar.delete(name);
    if (equals < pair.length - 1) jar.set(name, pair);
  }
  return [...jar.values()].join('; ');
}

/** Signs in a development user and returns the session and CSRF cookies as one Cookie header. */
export async function devLogin(url: string, user: string): Promise<string> {
  const headers = new Headers({ 'content-type': 'application/json' });
  await addCsrfToken(url, headers);
  const response = await fetch(`${url}/api/dev/login`, { method: 'POST', headers, body: JSON.stringify({ user }) });
  if (response.status !== 200) throw new Error(`dev login of ${user} answered ${response.status}: ${await response.text()}`);
  const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]);
  return mergeCookies(headers.get('cookie') ?? '', cookies);
}
