// Watching for changed specs where file events do not arrive (poll mode) and
// where a deployment swaps a symbolic link to a new folder at once, as
// Kubernetes does with ConfigMap volumes: the change is served after one reload.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_DIR } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

const APP = 'chinook-support';
let base: string | undefined;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  if (base !== undefined) rmSync(base, { recursive: true, force: true });
  base = undefined;
});

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not met in time');
}

/** Copies the example app (without its working database) to `dir`, with the first page titled `title`. */
function writeApp(dir: string, title: string): void {
  cpSync(EXAMPLE_DIR, dir, { recursive: true, filter: (source) => !source.startsWith(join(EXAMPLE_DIR, 'data')) });
  const file = join(dir, 'app.yaml');
  const text = readFileSync(file, 'utf8');
  if (!text.includes('title: Customers\n    description')) throw new Error('the example app.yaml no longer has the Customers page');
  writeFileSync(file, text.replace('title: Customers\n    description', `title: ${title}\n    description`));
}

/** Settings that keep the audit log and state outside the swapped folders. */
function settings(extra = ''): string {
  return `identity:\n  mode: dev\naudit:\n  file: ${join(base!, 'state', 'audit.jsonl')}\n${extra}`;
}

async function pageTitle(cookie: string): Promise<string> {
  return (await request(`${server!.url}/api/apps/${APP}/spec`, { cookie })).body.pages[0].title;
}

/** Replaces the link at `link` with one to `target` in one rename(2), as kubelet does. */
function swapLink(link: string, target: string): void {
  symlinkSync(target, `${link}.next`);
  renameSync(`${link}.next`, link);
}

/** Collects the results of reloads and the app's reload events. */
function recordReloads(): string[] {
  const seen: string[] = [];
  server!.running.events.subscribe(APP, (event) => seen.push(event));
  return seen;
}

/** Waits until a scrape shows no reload pending: two checks a poll interval apart with the same counts. */
async function settled(): Promise<void> {
  const counts = async () => (await (await fetch(`${server!.url}/metrics`)).text()).split('\n').filter((line) => line.startsWith('opsdeck_spec_reloads_total')).join('\n');
  let last = await counts();
  for (let i = 0; i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = await counts();
    if (now === last) return;
    last = now;
  }
}

describe('poll mode', () => {
  it('serves a changed spec found by polling', async () => {
    base = mkdtempSync(join(tmpdir(), 'opsdeck-poll-'));
    writeApp(join(base, APP), 'Customers');
    writeFileSync(join(base, 'opsdeck.yaml'), settings('watch:\n  mode: poll\n  intervalMs: 200\n'));
    server = await startServer(base, { watch: true });
    expect(server.running.settings.watch).toEqual({ mode: 'poll', intervalMs: 200 });
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const seen = recordReloads();
    const file = join(base, APP, 'app.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('title: Customers\n    description', 'title: Polled customers\n    description'));
    await waitFor(async () => (await pageTitle(cookie)) === 'Polled customers');
    expect(seen).toEqual(['reload']);
  });
});

describe('symbolic link swaps', () => {
  it('reloads once on served-folder link swap', async () => {
    base = mkdtempSync(join(tmpdir(), 'opsdeck-swap-'));
    mkdirSync(join(base, 'state'));
    for (const [version, title] of [['..2026_12_05_v1', 'Customers'], ['..2026_12_05_v2', 'Customers v2']]) {
      writeApp(join(base, version, APP), title);
      writeFileSync(join(base, version, 'opsdeck.yaml'), settings());
    }
    const current = join(base, 'current');
    symlinkSync('..2026_12_05_v1', current);
    server = await startServer(current, { watch: true });
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    expect(await pageTitle(cookie)).toBe('Customers');
    const seen = recordReloads();

    swapLink(current, '..2026_12_05_v2');
    await waitFor(async () => (await pageTitle(cookie)) === 'Customers v2');
    await settled();
    expect(seen).toEqual(['reload']);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('opsdeck_spec_reloads_total{result="reloaded"} 1\n');

    // The watch follows the new target: a later edit there is served too.
    const file = join(base, '..2026_12_05_v2', APP, 'app.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('title: Customers v2\n', 'title: Customers v2 edited\n'));
    await waitFor(async () => (await pageTitle(cookie)) === 'Customers v2 edited');
  });

  it('reloads once on app-folder link swap', async () => {
    base = mkdtempSync(join(tmpdir(), 'opsdeck-swap-app-'));
    const root = join(base, 'root');
    mkdirSync(join(base, 'state'));
    mkdirSync(root);
    writeFileSync(join(root, 'opsdeck.yaml'), settings());
    writeApp(join(root, '..2026_12_05_v1'), 'Customers');
    symlinkSync('..2026_12_05_v1', join(root, APP));
    server = await startServer(root, { watch: true });
    expect(server.running.registry.list().map((app) => app.dir)).toEqual([join(root, APP)]);
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const seen = recordReloads();

    writeApp(join(root, '..2026_12_05_v2'), 'Customers v2');
    swapLink(join(root, APP), '..2026_12_05_v2');
    await waitFor(async () => (await pageTitle(cookie)) === 'Customers v2');
    await settled();
    expect(seen).toEqual(['reload']);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('opsdeck_spec_reloads_total{result="reloaded"} 1\n');
    expect(metrics).not.toContain('result="rejected"');
    expect(server.running.registry.list().map((app) => app.dir)).toEqual([join(root, APP)]);
  });
});
