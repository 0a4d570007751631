// `opsdeck serve` stops gracefully on SIGTERM: an action in flight finishes
// and is audited as succeeded, a request arriving after the signal is refused
// rather than half done, and the process exits 0. The slow action calls a
// recording HTTP server on 127.0.0.1 that responds after a second.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { kill, spawnServer, type ServerProcess } from '../helpers/process.js';
import { startRecorder, type HttpRecorder } from '../helpers/http-recorder.js';
import { devLogin, request } from '../helpers/server.js';

const APP = 'chinook-support';
const SLOW_ACTION = `  slowSync:
    title: Slow sync
    steps:
      - { id: push, datasource: api, request: { method: POST, path: /slow } }
    allow: [agent]

`;

let temp: TempRoot;
let api: HttpRecorder;
let server: ServerProcess | undefined;

beforeEach(async () => {
  api = await startRecorder();
  api.answer('/slow', { status: 200, body: { ok: true }, delayMs: 1000 });
  temp = copyChinookApp();
  const file = join(temp.appDir, 'app.yaml');
  let text = readFileSync(file, 'utf8');
  if (!text.includes('datasources:\n  main:') || !text.includes('\nactions:\n')) throw new Error('the example app.yaml no longer has the expected layout');
  text = text.replace('datasources:\n  main:', 'datasources:\n  api: { kind: http, baseUrl: "${env:SHUTDOWN_TEST_API}", timeoutMs: 5000 }\n  main:');
  text = text.replace('\nactions:\n', `\nactions:\n${SLOW_ACTION}`);
  writeFileSync(file, text);
});

afterEach(async () => {
  if (server !== undefined) await kill(server.child);
  server = undefined;
  await api.close();
  temp.remove();
});

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in time`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function auditRecords(): Array<Record<string, unknown>> {
  return readFileSync(join(temp.root, '.opsdeck', 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('graceful shutdown of opsdeck serve', () => {
  it('finishes in-flight action on SIGTERM', async () => {
    server = await spawnServer(temp.root, [], { SHUTDOWN_TEST_API: api.url, OPSDECK_LOG_LEVEL: 'info' });
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const inFlight = request(`${server.url}/api/apps/${APP}/actions/slowSync`, { method: 'POST', cookie, json: {} });
    await waitFor(() => api.requests.some((r) => r.url === '/slow'), 'the slow call');
    const exited = exitOf(server.child);
    server.child.kill('SIGTERM');
    await waitFor(() => server!.output().includes('shutting down'), 'the shutdown log line');

    // A request after the signal is rejected: the connection is refused or closed, or the server responds 503.
    let late: { status: number; code?: string } | { error: string };
    try {
      const response = await request(`${server.url}/api/apps/${APP}/actions/addNote`, { method: 'POST', cookie, json: { params: { id: 1, body: 'too late' } }, csrf: false, headers: { 'x-csrf-token': 'none' } });
      late = { status: response.status, code: response.body?.error?.code };
    } catch (err) {
      late = { error: String(err) };
    }
    if ('status' in late) expect(late).toEqual({ status: 503, code: 'shutting_down' });

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, steps: [{ id: 'push', status: 'done' }] });
    expect(await exited).toBe(0);
    expect(api.requests.filter((r) => r.url === '/slow').map((r) => r.abandoned)).toEqual([false]);

    const records = auditRecords().filter((record) => record.app === APP);
    const started = records.filter((record) => record.object === 'action:slowSync' && record.outcome === 'started');
    expect(started).toHaveLength(1);
    expect(records.filter((record) => record.object === 'action:slowSync' && record.outcome !== 'started')).toEqual([expect.objectContaining({ outcome: 'succeeded', attempt: started[0].id })]);
    expect(records.filter((record) => record.object === 'action:addNote')).toEqual([]);
    expect(server.output()).toContain('"msg":"stopped"');
  });

  it('exits 0 on SIGINT when idle', async () => {
    server = await spawnServer(temp.root, [], { SHUTDOWN_TEST_API: api.url });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const exited = exitOf(server.child);
    server.child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('rejects unknown watch mode at start', async () => {
    writeFileSync(join(temp.root, 'opsdeck.yaml'), 'identity:\n  mode: dev\nwatch:\n  mode: sometimes\n');
    const error = await spawnServer(temp.root, [], { SHUTDOWN_TEST_API: api.url }).then(
      () => 'started',
      (err: Error) => err.message,
    );
    expect(error).toContain('exited with 1');
    expect(error).toContain(`${join(temp.root, 'opsdeck.yaml')}:4:9`);
    expect(error).toContain('"sometimes" is not an allowed value for watch.mode');
    expect(error).toContain('`events`, `poll`');
  });
});
