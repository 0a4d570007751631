// The run feed controller in Chromium, on the app of test/fixtures/big-select:
// a job card opens the app's run event stream when it is attached, closes it
// when it is removed, and opens it again when it is attached again. The page
// records every EventSource it creates, so the test reads their states.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'big-select');

let root: string;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-run-feed-'));
  cpSync(FIXTURE, join(root, 'big'), { recursive: true });
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Replaces EventSource before the app loads with a subclass that lists each instance in `recordedSources`. */
const RECORD_EVENT_SOURCES = `
  const Original = window.EventSource;
  window.recordedSources = [];
  window.EventSource = class extends Original {
    constructor(url, init) {
      super(url, init);
      window.recordedSources.push(this);
    }
  };
`;

/** Returns the states of the recorded event streams to the app's run events: 0 connecting, 1 open, 2 closed. */
function streamStates(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const sources = (globalThis as any).recordedSources as Array<{ url: string; readyState: number }>;
    return sources.filter((source) => source.url.endsWith('/api/apps/big/jobs/events')).map((source) => source.readyState);
  });
}

describe('run feed controller', () => {
  it('follows the card in and out of the page', async () => {
    const page = await browser.newPage();
    await page.addInitScript(RECORD_EVENT_SOURCES);
    await page.goto(`${server.url}/login`);
    await page.locator('[data-user="clara@big.example"]').click();
    await page.waitForURL(/\/apps\/big\/pages\//);
    await page.goto(`${server.url}/apps/big/pages/touch`);
    await page.locator('od-job-card section[data-job="touch"]').waitFor();
    await expect.poll(() => streamStates(page)).toEqual([1]);

    // Removing the card ends the only subscription, so the stream closes.
    const handle = await page.locator('od-job-card').elementHandle();
    await handle!.evaluate((card: any) => {
      const page = globalThis as any;
      page.removedCard = { card, parent: card.parentNode, next: card.nextSibling };
      page.document.createElement('template').content.append(card);
    });
    await expect.poll(() => streamStates(page)).toEqual([2]);

    // Attaching it again subscribes again, with a new stream.
    await page.evaluate(() => {
      const { card, parent, next } = (globalThis as any).removedCard;
      parent.insertBefore(card, next);
    });
    await expect.poll(() => streamStates(page)).toEqual([2, 1]);
    await page.close();
  });
});
