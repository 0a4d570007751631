// Filter bar selects whose choices come from a query, in Chromium. The query
// runs as the signed-in user, so a row rule narrows the choices. The chosen
// value drives a table and is kept in the URL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { filtersAppText } from '../fixtures/f1/filters-app.js';

const CHOICES_QUERY = `  country_choices:
    title: Countries
    datasource: main
    sql: select distinct country as "Country", upper(country) as "Shown" from customer order by country
    allow: [viewer, contractor]
    restrict:
      contractor:
        rows: Country = user.country
`;

const PAGE = `  by_country:
    title: By country
    allow: [viewer, contractor]
    components:
      - filters:
          id: f
          fields:
            - { type: select, field: country, options: { query: country_choices, value: Country, label: Shown } }
      - table:
          id: customers
          query: filtered_customers
          rowKey: CustomerId
          pageSize: 100
          columns: [CustomerId, LastName, Country]
          params:
            country: "{{ f.country }}"
`;

/** The filters fixture with the choices query, the page above, and filtered_customers open to contractors under a row rule. */
function appText(): string {
  const base = filtersAppText();
  const allowed = '      business: { type: boolean }\n    allow: [viewer]\n';
  if (!base.includes(allowed)) throw new Error('the filters fixture changed: filtered_customers allow not found');
  return `${base
    .replace(allowed, '      business: { type: boolean }\n    allow: [viewer, contractor]\n    restrict:\n      contractor:\n        rows: Country = user.country\n')
    .replace('\nqueries:\n', `\nqueries:\n${CHOICES_QUERY}`)
    .trimEnd()}\n${PAGE}`;
}

let temp: TempRoot;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  temp = copyChinookApp();
  writeFileSync(join(temp.appDir, 'app.yaml'), appText());
  server = await startServer(temp.root);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  temp?.remove();
});

async function open(user: string, search = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}/login`);
  await page.locator(`[data-user="${user}"]`).click();
  await page.waitForURL(/\/apps\/chinook-support\/pages\//);
  await page.goto(`${server.url}/apps/chinook-support/pages/by_country${search}`);
  return page;
}

function rows(page: Page) {
  return page.locator('od-data-table[data-table="customers"] [data-testid="row"]');
}

async function shownCountries(page: Page): Promise<string[]> {
  const cells = await rows(page).locator('[data-field="Country"]').allTextContents();
  return [...new Set(cells.map((text) => text.trim()))].sort();
}

/** Values and labels of the select's choices, the empty "All" choice left out. */
async function choices(page: Page): Promise<Array<{ value: string; label: string }>> {
  return page.locator('od-filter-bar select[data-filter="country"] option').evaluateAll((options) =>
    options.map((option) => ({ value: option.getAttribute('value') ?? '', label: option.textContent?.trim() ?? '' })).filter((option) => option.value !== ''),
  );
}

describe('filter select with query options', () => {
  it('offers query values and filters the table', async () => {
    const page = await open('victor@chinook.example');
    await rows(page).first().waitFor();
    const countries = await shownCountries(page);
    expect(countries.length).toBeGreaterThan(5);
    await expect.poll(async () => (await choices(page)).map((choice) => choice.value).sort()).toEqual(countries);
    // Labels come from the `label` column.
    expect((await choices(page)).every((choice) => choice.label === choice.value.toUpperCase())).toBe(true);

    const chosen = countries[1];
    const select = page.locator('od-filter-bar select[data-filter="country"]');
    await select.focus();
    await select.selectOption(chosen);
    await expect.poll(() => shownCountries(page)).toEqual([chosen]);
    expect(new URL(page.url()).searchParams.get('f.country')).toBe(chosen);

    // A pasted link selects the same choice once the choices have loaded.
    const pasted = await open('victor@chinook.example', `?f.country=${encodeURIComponent(chosen)}`);
    await expect.poll(() => shownCountries(pasted)).toEqual([chosen]);
    await expect.poll(() => pasted.locator('od-filter-bar select[data-filter="country"]').inputValue()).toBe(chosen);
    await page.close();
    await pasted.close();
  });

  it('runs the options query under the user\'s row rule', async () => {
    const page = await open('cora@partner.example');
    await rows(page).first().waitFor();
    const countries = await shownCountries(page);
    expect(countries).toHaveLength(1);
    await expect.poll(async () => (await choices(page)).map((choice) => choice.value)).toEqual(countries);
    await page.close();
  });

  it('keeps an unknown linked value visible', async () => {
    const page = await open('victor@chinook.example', '?f.country=Atlantis');
    await expect.poll(async () => (await choices(page)).length).toBeGreaterThan(5);
    await expect.poll(() => page.locator('od-filter-bar select[data-filter="country"]').inputValue()).toBe('Atlantis');
    // The table gets the value as the bar shows it, and no customer lives in Atlantis.
    await page.locator('od-data-table[data-table="customers"] [data-testid="empty"]').waitFor();
    expect(await rows(page).count()).toBe(0);
    await page.close();
  });
});
