// Filter bars in Chromium. Their values drive a table and a chart through
// `{{ }}` bindings and are kept in the URL, so a pasted link and the back
// button restore them. The inputs work from the keyboard.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { filtersAppText } from '../fixtures/f1/filters-app.js';

let temp: TempRoot;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  temp = copyChinookApp();
  writeFileSync(join(temp.appDir, 'app.yaml'), filtersAppText());
  server = await startServer(temp.root);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  temp?.remove();
});

function pageUrl(search = ''): string {
  return `${server.url}/apps/chinook-support/pages/filters${search}`;
}

/** Signs in and opens the filters page, then waits for the first customer row unless `waitForRows` is false. */
async function open(search = '', waitForRows = true): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}/login`);
  await page.locator('[data-user="victor@chinook.example"]').click();
  await page.waitForURL(/\/apps\/chinook-support\/pages\//);
  await page.goto(pageUrl(search));
  if (waitForRows) await page.locator('od-data-table[data-table="customers"] [data-testid="row"]').first().waitFor();
  return page;
}

function rows(page: Page) {
  return page.locator('od-data-table[data-table="customers"] [data-testid="row"]');
}

/** Distinct countries of the customer rows shown. */
async function shownCountries(page: Page): Promise<string[]> {
  const cells = await rows(page).locator('[data-field="Country"]').allTextContents();
  return [...new Set(cells.map((text) => text.trim()))].sort();
}

/** Labels the chart was last drawn with. */
async function chartLabels(page: Page): Promise<string[]> {
  return page.locator('od-chart').evaluate((element) => {
    const instance = (element as unknown as { chartInstance?: { data: { labels?: string[] } } }).chartInstance;
    return instance?.data.labels ?? [];
  });
}

function search(page: Page): URLSearchParams {
  return new URL(page.url()).searchParams;
}

describe('filters', () => {
  it('drive a table and a chart', async () => {
    const page = await open();
    await expect.poll(() => chartLabels(page)).toContain('Canada');
    expect((await shownCountries(page)).length).toBeGreaterThan(5);

    await page.locator('od-filter-bar select[data-filter="country"]').selectOption('Canada');
    await expect.poll(() => shownCountries(page)).toEqual(['Canada']);
    await expect.poll(() => chartLabels(page)).toEqual(['Canada']);
    expect(search(page).get('f.country')).toBe('Canada');

    await page.locator('od-filter-bar input[data-filter="business"]').check();
    await expect.poll(() => search(page).get('f.business')).toBe('true');
    await expect.poll(async () => (await rows(page).locator('[data-field="Company"]').allTextContents()).every((text) => text.trim() !== '' && text.trim() !== '—')).toBe(true);
    await page.close();
  });

  it('narrows the chart by a date range', async () => {
    const page = await open('?f.country=Brazil');
    await expect.poll(() => chartLabels(page)).toEqual(['Brazil']);
    await page.locator('od-filter-bar input[data-filter="since"]').fill('2030-01-01');
    await expect.poll(() => search(page).get('f.since')).toBe('2030-01-01');
    await expect.poll(() => page.locator('od-chart').getAttribute('data-state')).toBe('empty');
    await page.close();
  });

  it('restores values from a pasted link', async () => {
    const page = await open('?f.country=France&f.q=Ber');
    await expect.poll(() => shownCountries(page)).toEqual(['France']);
    const lastNames = await rows(page).locator('[data-field="LastName"]').allTextContents();
    expect(lastNames.length).toBeGreaterThan(0);
    for (const name of lastNames) expect(name.toLowerCase()).toContain('ber');
    expect(await page.locator('od-filter-bar select[data-filter="country"]').inputValue()).toBe('France');
    expect(await page.locator('od-filter-bar input[data-filter="q"]').inputValue()).toBe('Ber');
    await page.close();
  });

  it('ignores a select value that is not an option', async () => {
    const page = await open('?f.country=Narnia');
    await expect.poll(() => new URL(page.url()).search).toBe('?f.country=Narnia');
    expect((await shownCountries(page)).length).toBeGreaterThan(5);
    expect(await page.locator('od-filter-bar select[data-filter="country"]').inputValue()).toBe('');
    await page.close();
  });

  it('steps back with the back button', async () => {
    const page = await open();
    const select = page.locator('od-filter-bar select[data-filter="country"]');
    await select.selectOption('Canada');
    await expect.poll(() => shownCountries(page)).toEqual(['Canada']);
    await select.selectOption('France');
    await expect.poll(() => shownCountries(page)).toEqual(['France']);

    await page.goBack();
    await expect.poll(() => search(page).get('f.country')).toBe('Canada');
    await expect.poll(() => shownCountries(page)).toEqual(['Canada']);
    expect(await select.inputValue()).toBe('Canada');

    await page.goBack();
    await expect.poll(() => search(page).get('f.country')).toBeNull();
    await expect.poll(async () => (await shownCountries(page)).length).toBeGreaterThan(5);
    expect(await select.inputValue()).toBe('');
    await page.close();
  });

  it('works from the keyboard', async () => {
    const page = await open();
    await page.locator('od-filter-bar input[data-filter="q"]').focus();
    await page.keyboard.type('Gon');
    await expect.poll(() => search(page).get('f.q')).toBe('Gon');
    await expect.poll(async () => (await rows(page).locator('[data-field="LastName"]').allTextContents()).map((text) => text.trim())).toEqual(['Gonçalves']);

    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => search(page).get('f.country')).not.toBeNull();

    await page.locator('od-filter-bar input[data-filter="business"]').focus();
    await page.keyboard.press('Space');
    await expect.poll(() => search(page).get('f.business')).toBe('true');
    await page.close();
  });

  it('still lets the server validate parameters', async () => {
    const page = await open(`?f.q=${'x'.repeat(80)}`, false);
    // The q parameter allows 60 characters, so the server rejects the query and the table shows its error.
    await expect.poll(() => page.locator('od-data-table[data-table="customers"]').getAttribute('data-state'), { timeout: 10_000 }).toBe('error');
    await page.close();
  });
});
