// `{{ }}` bindings in Chromium: several ticked rows, form values, the user's
// email, a stat that follows a filter, and a deep-linked row whose other
// columns fill a placeholder, on the page of test/fixtures/bindings.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { bindingsAppText } from '../fixtures/bindings/bindings-app.js';

let temp: TempRoot;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  temp = copyChinookApp();
  writeFileSync(join(temp.appDir, 'app.yaml'), bindingsAppText());
  server = await startServer(temp.root);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  temp?.remove();
});

/** Signs in with the dev login and opens the bindings page with `search`, once the customers table has rows. */
async function open(user: string, search = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}/login`);
  await page.locator(`[data-user="${user}"]`).click();
  await page.waitForURL(/\/apps\/chinook-support\/pages\//);
  await page.goto(`${server.url}/apps/chinook-support/pages/bindings${search}`);
  await page.locator('od-data-table[data-table="customers"] [data-testid="row"]').first().waitFor();
  return page;
}

/** Text of the markdown component at `index` in page order. */
async function markdownText(page: Page, index: number): Promise<string> {
  const text = await page.locator('od-markdown').nth(index).evaluate((element) => element.shadowRoot?.textContent ?? '');
  return text.replace(/\s+/g, ' ').trim();
}

/** Waits until the stat is ready and returns the number it shows. */
async function statValue(page: Page, label: string): Promise<string> {
  const stat = page.locator(`od-stat:has([aria-label="${label}"])`);
  await expect.poll(() => stat.getAttribute('data-state')).toBe('ready');
  return (await stat.locator('[data-testid="stat-value"]').textContent())!.trim();
}

function invoiceRows(page: Page) {
  return page.locator('od-data-table[data-table="invoices"] [data-testid="row"]');
}

describe('bindings in the browser', () => {
  it('shows the signed-in user email', async () => {
    const page = await open('victor@chinook.example');
    await expect.poll(() => markdownText(page, 0)).toBe('Signed in as victor@chinook.example.');
    await page.close();
  });

  it('shares every ticked row', async () => {
    const page = await open('victor@chinook.example');
    await invoiceRows(page).first().waitFor();
    expect(await markdownText(page, 2)).toBe('0 invoices selected:');
    expect(await statValue(page, 'Selected total')).toBe('$0.00');

    await invoiceRows(page).nth(0).locator('input[type="checkbox"]').check();
    await invoiceRows(page).nth(1).locator('input[type="checkbox"]').check();
    await expect.poll(() => markdownText(page, 2)).toBe('2 invoices selected: 1, 2');
    // Invoices 1 and 2 of the Chinook data total 1.98 and 3.96.
    await expect.poll(() => statValue(page, 'Selected total')).toBe('$5.94');

    await invoiceRows(page).nth(0).locator('input[type="checkbox"]').uncheck();
    await expect.poll(() => markdownText(page, 2)).toBe('1 invoices selected: 2');
    await expect.poll(() => statValue(page, 'Selected total')).toBe('$3.96');
    await page.close();
  });

  it('fills a form default from the ticked rows', async () => {
    const page = await open('ana@chinook.example');
    const body = page.locator('[data-form-id="note"] textarea[name="body"]');
    await expect.poll(() => body.inputValue()).toBe('About 0 invoices');
    await invoiceRows(page).nth(0).locator('input[type="checkbox"]').check();
    await expect.poll(() => body.inputValue()).toBe('About 1 invoices');
    await page.close();
  });

  it('updates a component as the user types in a form', async () => {
    const page = await open('ana@chinook.example');
    const body = page.locator('[data-form-id="note"] textarea[name="body"]');
    await expect.poll(() => markdownText(page, 3)).toBe('Draft: About 0 invoices');
    await body.fill('Called <b>twice</b>');
    await expect.poll(() => markdownText(page, 3)).toBe('Draft: Called <b>twice</b>');
    expect(await page.locator('od-markdown').nth(3).locator('b').count()).toBe(0);
    await page.close();
  });

  it('shares typed form values after a pause', async () => {
    const page = await open('ana@chinook.example');
    const body = page.locator('[data-form-id="note"] textarea[name="body"]');
    await expect.poll(() => markdownText(page, 3)).toBe('Draft: About 0 invoices');
    // Records every text the bound markdown shows while the user types.
    await page.locator('od-markdown').nth(3).evaluate((element) => {
      const browser = globalThis as unknown as {
        seenDrafts: string[];
        MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, boolean>): void };
      };
      const seen: string[] = [];
      browser.seenDrafts = seen;
      new browser.MutationObserver(() => seen.push((element.shadowRoot?.textContent ?? '').replace(/\s+/g, ' ').trim())).observe(element.shadowRoot, { subtree: true, childList: true, characterData: true });
    });
    await body.fill('');
    await body.pressSequentially('late', { delay: 40 });
    await expect.poll(() => markdownText(page, 3)).toBe('Draft: late');
    const seen = await page.evaluate(() => (globalThis as unknown as { seenDrafts: string[] }).seenDrafts);
    expect(seen.filter((text) => text.startsWith('Draft: l') && text !== 'Draft: late')).toEqual([]);
    await page.close();
  });

  it('queries a stat again when its filter changes', async () => {
    const page = await open('victor@chinook.example');
    expect(await statValue(page, 'Customers')).toBe('59');
    await page.locator('od-filter-bar select[data-filter="country"]').selectOption('Canada');
    await expect.poll(() => statValue(page, 'Customers')).toBe('8');
    await page.locator('od-filter-bar select[data-filter="country"]').selectOption('Brazil');
    await expect.poll(() => statValue(page, 'Customers')).toBe('5');
    await page.close();
  });

  it('fills a non-key column of a deep-linked row', async () => {
    const page = await open('victor@chinook.example', '?customers=3');
    const lastName = (await page.locator('od-data-table[data-table="customers"] [data-testid="row"]').nth(2).locator('[data-field="LastName"]').textContent())!.trim();
    expect(lastName).not.toBe('');
    await expect.poll(() => markdownText(page, 1)).toBe(`Customer: ${lastName} (3)`);
    expect(new URL(page.url()).search).toBe('?customers=3');
    await page.close();
  });

  it('keeps only the key of a deep-linked row on a later page', async () => {
    // Customer 42 sits on page 5 of the customers table (10 rows a page), so its other columns stay unknown.
    const page = await open('victor@chinook.example', '?customers=42');
    await expect.poll(() => markdownText(page, 1)).toBe('Customer: none (42)');
    await page.close();
  });
});
