import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

let temp: TempRoot;
let server: TestServer;
let cookie: string;

beforeEach(async () => {
  temp = copyChinookApp();
  server = await startServer(temp.root, { watch: true });
  cookie = await devLogin(server.url, 'ana@chinook.example');
});

afterEach(async () => {
  await server.close();
  temp.remove();
});

/** Reads server-sent events until `count` named events arrived (the opening `hello` included). */
async function collectEvents(cookieHeader: string, count: number, whileOpen: () => Promise<void>): Promise<Array<{ event: string; data: any }>> {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/api/apps/chinook-support/events`, { headers: { cookie: cookieHeader }, signal: controller.signal });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = response.body!.getReader();
  const events: Array<{ event: string; data: any }> = [];
  let buffer = '';
  let started = false;
  const deadline = setTimeout(() => controller.abort(), 8_000);
  try {
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event) events.push({ event, data: JSON.parse(data ?? 'null') });
      }
      if (!started && events.length > 0) {
        started = true;
        void whileOpen();
      }
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  return events;
}

describe('app events', () => {
  it('tell open pages about a good reload and a rejected change', async () => {
    const file = join(temp.appDir, 'app.yaml');
    const good = readFileSync(file, 'utf8');
    const events = await collectEvents(cookie, 3, async () => {
      writeFileSync(file, good.replace('title: Customers\n    description', 'title: Customer list\n    description'));
      await new Promise((resolve) => setTimeout(resolve, 400));
      writeFileSync(file, good.replace('query: invoices\n', 'query: invoicez\n'));
    });
    expect(events.map((entry) => entry.event)).toEqual(['hello', 'reload', 'invalid']);
    expect(events[1].data.version).toMatch(/^[0-9a-f]{64}$/);
    const diagnostic = events[2].data.diagnostics[0];
    expect(diagnostic.code).toBe('unknown-query');
    expect(diagnostic.line).toBeGreaterThan(1);
    expect(diagnostic.message).toContain('invoicez');
  });

  it('require a user who may open the app', async () => {
    expect((await request(`${server.url}/api/apps/chinook-support/events`)).status).toBe(401);
    const outsider = await devLogin(server.url, 'nora@chinook.example');
    expect((await request(`${server.url}/api/apps/chinook-support/events`, { cookie: outsider })).status).toBe(404);
  });
});
