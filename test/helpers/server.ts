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

/** Sends a request and parses a JSON answer. */
export async function request(url: string, init: RequestInit & { json?: unknown; cookie?: string } = {}): Promise<JsonResponse> {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  if (init.cookie) headers.set('cookie', init.cookie);
  const response = await fetch(url, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body, redirect: 'manual' });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body, headers: response.headers };
}

/** Signs in a development user and returns the session cookie. */
export async function devLogin(url: string, user: string): Promise<string> {
  const response = await fetch(`${url}/api/dev/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
  if (response.status !== 200) throw new Error(`dev login of ${user} answered ${response.status}: ${await response.text()}`);
  const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]);
  return cookies.join('; ');
}
