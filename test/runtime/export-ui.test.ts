// The Export links of a table in real Chromium: shown only to users who may
// export, and a click downloads the CSV under the user's row and column rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { readCsvStrict } from '../fixtures/b1/csv-reader.js';
import { LEDGER_FIXTURE } from '../fixtures/b1/export-suite.js';

let root: string;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-export-ui-'));
  cpSync(LEDGER_FIXTURE, join(root, 'ledger'), { recursive: true });
  rmSync(join(root, 'ledger', 'data'), { recursive: true, force: true });
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function signIn(user: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  await page.goto(`${server.url}/login`);
  await page.locator(`[data-user="${user}"]`).click();
  await page.waitForURL(`${server.url}/apps/ledger/pages/ledger`);
  await page.locator('[data-testid="row"]').first().waitFor();
  return page;
}

describe('table export links', () => {
  it('download the rows the user may see', async () => {
    const page = await signIn('ana@example.com');
    const csvLink = page.locator('[data-testid="export-csv"]').first();
    await expect(csvLink.isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(tmpdir(), 'opsdeck-export-links.png') });

    const [download] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
    expect(download.suggestedFilename()).toMatch(/^ledger-entries-\d{4}-\d\d-\d\d\.csv$/);
    const records = readCsvStrict(readFileSync((await download.path())!, 'utf8'));
    expect(records[0]).toEqual(['id', 'label', 'memo', 'region', 'email', 'amount']);
    expect(records).toHaveLength(7);
    await page.close();
  });

  it('follow the search box', async () => {
    const page = await signIn('ana@example.com');
    await page.locator('[data-testid="search"]').first().fill('said');
    await expect.poll(async () => page.locator('[data-testid="export-jsonl"]').first().getAttribute('href')).toContain(encodeURIComponent('"q":"said"'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="export-jsonl"]').first().click()]);
    const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.id)).toEqual([2]);
    await page.close();
  });

  it('are absent for users without the export grant', async () => {
    const page = await signIn('victor@example.com');
    expect(await page.locator('[data-testid="export-csv"]').count()).toBe(0);
    await page.close();
  });
});
