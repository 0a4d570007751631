import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

let temp: TempRoot;
let server: TestServer;
let cookie: string;
let reloads: string[];

beforeEach(async () => {
  temp = copyChinookApp();
  server = await startServer(temp.root, { watch: true });
  cookie = await devLogin(server.url, 'ana@chinook.example');
  reloads = [];
  server.running.events.subscribe('chinook-support', (event) => reloads.push(event));
});

afterEach(async () => {
  await server.close();
  temp.remove();
});

const specFile = () => join(temp.appDir, 'app.yaml');
const pageTitle = async () => (await request(`${server.url}/api/apps/chinook-support/spec`, { cookie })).body.pages[0].title;

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met in time');
}

describe('hot reload', () => {
  it('serves a good change', async () => {
    writeFileSync(specFile(), readFileSync(specFile(), 'utf8').replace('title: Customers\n    description', 'title: Customer lookup\n    description'));
    await waitFor(async () => (await pageTitle()) === 'Customer lookup');
    expect(reloads).toEqual(['reload']);
  });

  it('keeps the last good version when a change is invalid', async () => {
    const good = readFileSync(specFile(), 'utf8');
    writeFileSync(specFile(), good.replace('title: Customers\n    description', 'title: Broken\n    allow: [nobody]\n    description'));
    await waitFor(() => reloads.includes('invalid'));
    expect(await pageTitle()).toBe('Customers');
    const rows = await request(`${server.url}/api/apps/chinook-support/queries/customers`, { method: 'POST', cookie, json: {} });
    expect(rows.body.total).toBe(59);
    expect(server.running.registry.get('chinook-support')!.rejected!.length).toBeGreaterThan(0);
  });

  it('clears the errors when a rejected change is undone', async () => {
    const good = readFileSync(specFile(), 'utf8');
    writeFileSync(specFile(), good.replace('query: invoices\n', 'query: invoicez\n'));
    await waitFor(() => reloads.includes('invalid'));
    writeFileSync(specFile(), good);
    await waitFor(() => reloads.length === 2);
    expect(reloads).toEqual(['invalid', 'reload']);
    expect(server.running.registry.get('chinook-support')!.rejected).toBeUndefined();
  });

  it('picks up a save by rename', async () => {
    const temporary = join(temp.appDir, '.app.yaml.tmp');
    writeFileSync(temporary, readFileSync(specFile(), 'utf8').replace('title: Customers\n    description', 'title: Renamed in\n    description'));
    renameSync(temporary, specFile());
    await waitFor(async () => (await pageTitle()) === 'Renamed in');
  });

  it('ignores a save with unchanged content and editor temp files', async () => {
    const text = readFileSync(specFile(), 'utf8');
    writeFileSync(specFile(), text);
    writeFileSync(join(temp.appDir, '.app.yaml.swp'), 'junk');
    writeFileSync(join(temp.appDir, 'app.yaml~'), 'junk');
    writeFileSync(join(temp.appDir, '4913'), '');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(reloads).toEqual([]);
    // A real change afterwards is still seen, so the watcher was alive during the pause.
    writeFileSync(specFile(), text.replace('title: Customers\n    description', 'title: After the pause\n    description'));
    await waitFor(async () => (await pageTitle()) === 'After the pause');
    expect(reloads).toEqual(['reload']);
  });

  it('applies a new migration on reload', async () => {
    writeFileSync(join(temp.appDir, 'migrations', '003_note_pinned.sql'), 'ALTER TABLE customer_note ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;\n');
    await waitFor(() => reloads.includes('reload'));
    const text = readFileSync(specFile(), 'utf8').replace('select note_id, created_at, author, body', 'select note_id, created_at, author, body, pinned');
    writeFileSync(specFile(), text);
    await waitFor(() => reloads.length === 2);
    const notes = await request(`${server.url}/api/apps/chinook-support/queries/notes`, { method: 'POST', cookie, json: { params: { customerId: 1 } } });
    expect(notes.body.columns).toContain('pinned');
  });
});
