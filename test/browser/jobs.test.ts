// Jobs in Chromium, on the ledger app of test/fixtures/jobs-ui. A finance user
// starts a job from the page's job component, first with a bad month, and
// follows it to the end. The Jobs page then lists the run with who started it
// and its progress. A gated job waits on a local HTTP server the test controls,
// so Cancel and Resume are clicked while the run is surely running, with no timing. A viewer sees neither the Jobs page nor the job component.
// With OPSDECK_JOBS_SCREENSHOTS set to a folder, the Jobs page is saved there
// in light and dark.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'jobs-ui');
const SCREENSHOTS = process.env.OPSDECK_JOBS_SCREENSHOTS;
const FAY = 'fay@ledger.example';
const VIC = 'vic@ledger.example';

/** A server that keeps each request to /gate waiting until `open()` is called. Later requests pass at once. */
interface Gate {
  url: string;
  /** Resolves when the first request reached the gate. */
  reached: Promise<void>;
  requests: number;
  open(): void;
  close(): Promise<void>;
}

async function startGate(): Promise<Gate> {
  let opened = false;
  let markReached: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (markReached = resolve));
  const waiting: ServerResponse[] = [];
  const answer = (response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  };
  const gate = { requests: 0 } as Gate;
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    gate.requests++;
    markReached();
    if (opened) answer(response);
    else waiting.push(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gate.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gate.reached = reached;
  gate.open = () => {
    opened = true;
    for (const response of waiting.splice(0)) answer(response);
  };
  gate.close = () => {
    gate.open();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return gate;
}

let root: string;
let gate: Gate;
let server: TestServer;
let browser: Browser;

describe('jobs in Chromium', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'opsdeck-jobs-ui-'));
    cpSync(FIXTURE, root, { recursive: true });
    gate = await startGate();
    process.env.JOBS_UI_GATE = gate.url;
    server = await startServer(root);
    browser = await launchBrowser();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await gate?.close();
    delete process.env.JOBS_UI_GATE;
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function signIn(user: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme });
    page.on('dialog', (dialog) => {
      throw new Error(`unexpected browser dialog: ${dialog.message()}`);
    });
    await page.goto(`${server.url}/login`);
    await page.locator(`[data-user="${user}"]`).click();
    await page.waitForURL(`${server.url}/apps/ledger/pages/totals`);
    return page;
  }

  it('job component validates, starts, finishes', async () => {
    const page = await signIn(FAY);
    const card = page.locator('od-job-card[data-job-card="recompute"]');
    await card.locator('h2').waitFor();
    expect(await card.locator('h2').textContent()).toBe('Recompute a month');

    // A month that breaks the pattern is caught in the browser; no run starts.
    await card.locator('input[name="month"]').fill('2026-3');
    await card.locator('[data-testid="job-start"]').click();
    expect(await card.locator('[data-error-for="month"]').textContent()).toContain('Month must match');
    expect(await card.locator('input[name="month"]').getAttribute('aria-invalid')).toBe('true');
    expect(await card.locator('[data-testid="job-latest"]').count()).toBe(0);

    await card.locator('input[name="month"]').fill('2026-03');
    await card.locator('[data-testid="job-start"]').click();
    await expect.poll(() => page.locator('[data-testid="toast"]').last().textContent()).toContain('Recompute totals started.');
    const latest = card.locator('[data-testid="job-latest"] [data-run]');
    await expect.poll(() => latest.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
    expect(await latest.locator('[data-testid="job-status"]').textContent()).toBe('Succeeded');
    expect(await latest.locator('[data-testid="job-started-by"]').textContent()).toBe('Started by Fay Finance, by hand');
    const bar = latest.locator('[role="progressbar"]');
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    expect(await bar.getAttribute('aria-valuetext')).toContain('3 of 3 steps');
    expect(await latest.locator('[data-testid="job-progress-text"]').textContent()).toContain('3,000');
    expect(await latest.locator('[data-testid="job-cancel"]').count()).toBe(0);
    // The form is empty again, and the page's table read the new total: 2 × the sum of id % 97 over 3,000 ids.
    expect(await card.locator('input[name="month"]').inputValue()).toBe('');
    const expected = 2 * Array.from({ length: 3000 }, (_, index) => (index + 1) % 97).reduce((sum, value) => sum + value, 0);
    const totalCell = page.locator('[data-testid="row"] td[data-field="total"]').first();
    await expect.poll(() => totalCell.textContent()).toContain(expected.toLocaleString('en-US'));
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'job-card.png'), fullPage: true });

    // The Jobs page lists the run under Recent, with its parameters.
    await page.locator('[data-page="_jobs"]').click();
    await expect.poll(() => page.locator('[data-testid="page-title"]').textContent()).toBe('Jobs');
    const run = page.locator('[data-testid="runs-recent"] [data-run]').first();
    await run.waitFor();
    expect(await run.locator('h3').textContent()).toBe('Recompute totals');
    expect(await run.locator('dd[data-param="month"]').textContent()).toBe('2026-03');
    expect(await run.locator('[data-testid="job-duration"]').textContent()).toMatch(/^(under 1 s|\d+ s)$/);
    expect(await page.locator('[data-testid="runs-none-running"]').textContent()).toBe('No job is running.');
    await page.close();
  }, 60_000);

  it('cancel then resume a run', async () => {
    const page = await signIn(FAY);
    await page.locator('[data-page="_jobs"]').click();
    const start = page.locator('li[data-job="gated"] [data-testid="job-start"]');
    await start.click();
    await gate.reached;
    const run = page.locator('[data-testid="runs-running"] [data-run]').first();
    await expect.poll(() => run.getAttribute('data-status')).toBe('running');
    // The run waits in its first of two steps, so the bar is at 0 %.
    const bar = run.locator('[role="progressbar"]');
    expect(await bar.getAttribute('aria-valuenow')).toBe('0');
    expect(await bar.getAttribute('aria-valuetext')).toBe('step 1 of 2');
    expect(await run.locator('[data-testid="job-duration"]').textContent()).toMatch(/^(under 1 s|\d+ s)$/);
    expect(await run.locator('[data-testid="job-resume"]').count()).toBe(0);

    await run.locator('[data-testid="job-cancel"]').click();
    await expect.poll(() => run.getAttribute('data-status')).toBe('cancelling');
    expect(await run.locator('[data-testid="job-status"]').textContent()).toBe('Cancelling');
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'jobs-running.png'), fullPage: true });
    gate.open();

    const stopped = page.locator('[data-testid="runs-recent"] [data-run]').first();
    await expect.poll(() => stopped.getAttribute('data-status'), { timeout: 20_000 }).toBe('cancelled');
    const id = await stopped.getAttribute('data-run');
    expect(await stopped.locator('[data-testid="job-progress-text"]').textContent()).toContain('1 of 2 steps');
    await stopped.locator('[data-testid="job-resume"]').click();

    const resumed = page.locator(`[data-run="${id}"]`);
    await expect.poll(() => resumed.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
    expect(await resumed.locator('[data-testid="job-progress-text"]').textContent()).toContain('2 of 2 steps');
    // The completed wait step did not run again.
    expect(gate.requests).toBe(1);
    await page.close();
  }, 60_000);

  it('failed run shows its step', async () => {
    const page = await signIn(FAY);
    await page.locator('[data-page="_jobs"]').click();
    await page.locator('li[data-job="broken"] [data-testid="job-start"]').click();
    const failed = page.locator('[data-testid="runs-recent"] [data-run]').first();
    await expect.poll(() => failed.getAttribute('data-status'), { timeout: 20_000 }).toBe('failed');
    expect(await failed.locator('h3').textContent()).toBe('Broken total');
    expect(await failed.locator('[data-testid="job-status"]').textContent()).toBe('Failed');
    const error = await failed.locator('[data-testid="job-error"]').textContent();
    // The server keeps the database's message in its log, so the page names the step only.
    expect(error).toMatch(/^Step store failed: \S/);
    expect(await failed.locator('[data-testid="job-resume"]').count()).toBe(1);
    expect(await failed.locator('[data-testid="job-cancel"]').count()).toBe(0);
    expect(await failed.locator('[role="progressbar"]').getAttribute('aria-valuenow')).toBe('0');
    await page.close();
  }, 60_000);

  it('polls while the event stream fails', async () => {
    const page = await signIn(FAY);
    // The stream returns 503, so the browser gives up on it and the feed reads the list every 2 s.
    let streamRequests = 0;
    await page.route('**/api/apps/ledger/jobs/events', (route) => {
      streamRequests++;
      return route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"test"}}' });
    });
    await page.locator('[data-page="_jobs"]').click();
    await page.locator('li[data-job="broken"] [data-testid="job-start"]').click();
    const run = page.locator('[data-testid="runs-recent"] [data-run]').first();
    await expect.poll(() => run.getAttribute('data-status'), { timeout: 20_000 }).toBe('failed');
    expect(streamRequests).toBeGreaterThan(0);
    await page.close();
  }, 60_000);

  it('start form opens and closes', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await signIn(FAY, scheme);
      await page.locator('[data-page="_jobs"]').click();
      const open = page.locator('li[data-job="recompute"] [data-testid="job-open-form"]');
      await open.click();
      const form = page.locator('li[data-job="recompute"] [data-testid="job-form"]');
      await form.waitFor();
      // The first field has the focus, and Cancel closes the form and returns it to the button.
      expect(await open.count()).toBe(0);
      await page.keyboard.type('2026-04');
      expect(await form.locator('input[name="month"]').inputValue()).toBe('2026-04');
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `jobs-${scheme}.png`), fullPage: true });
      await form.locator('[data-testid="job-close-form"]').click();
      expect(await form.count()).toBe(0);
      await expect.poll(() => open.evaluate((button) => button.matches(':focus'))).toBe(true);

      // Escape closes the form too.
      await open.click();
      await form.waitFor();
      await page.keyboard.press('Escape');
      expect(await form.count()).toBe(0);
      await expect.poll(() => open.evaluate((button) => button.matches(':focus'))).toBe(true);
      await page.close();
    }
  }, 60_000);

  it('viewer sees no jobs', async () => {
    const page = await signIn(VIC);
    await page.locator('[data-testid="page-title"]').waitFor();
    expect(await page.locator('[data-page="_jobs"]').count()).toBe(0);
    expect(await page.locator('od-job-card [data-job]').count()).toBe(0);
    await page.goto(`${server.url}/apps/ledger/pages/_jobs`);
    await expect.poll(() => page.locator('[role="alert"] h1').textContent()).toBe('Page not found');
    await page.close();
  }, 60_000);
});
