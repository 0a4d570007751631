import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

const HOSTILE_NAME = '<img src=x onerror=alert(1)>';

let temp: TempRoot;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  temp = copyChinookApp();
  writeFileSync(
    join(temp.appDir, 'migrations', '900_hostile_customer.sql'),
    `INSERT INTO customer (customer_id, first_name, last_name, email) VALUES (900, '${HOSTILE_NAME}', 'Tester', 'hostile@example.com');\n`,
  );
  server = await startServer(temp.root);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  temp?.remove();
});

async function signIn(user: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected browser dialog: ${dialog.message()}`);
  });
  await page.goto(`${server.url}/login`);
  await page.locator(`[data-user="${user}"]`).click();
  // The user may open only chinook-support, so sign-in leads straight to its first page.
  await page.waitForURL(customersUrl());
  await page.locator('[data-testid="row"]').first().waitFor();
  return page;
}

function customersUrl(): string {
  return `${server.url}/apps/chinook-support/pages/customers`;
}

/** Returns the `data-action` of every item in a row's menu, in order. */
async function menuActions(row: Locator): Promise<Array<string | null>> {
  const items = row.locator('[role="menu"] [role="menuitem"]');
  const count = await items.count();
  const actions: Array<string | null> = [];
  for (let index = 0; index < count; index += 1) actions.push(await items.nth(index).getAttribute('data-action'));
  return actions;
}

/** Returns the `data-action` of the focused element, or null. Playwright's CSS engine looks through shadow roots. */
async function focusedAction(page: Page): Promise<string | null> {
  const focused = page.locator('[data-action]:focus');
  return (await focused.count()) === 1 ? focused.getAttribute('data-action') : null;
}

/** Returns the `data-testid` of the focused button, or null. */
async function focusedTestId(page: Page): Promise<string | null> {
  const focused = page.locator('button[data-testid]:focus');
  return (await focused.count()) === 1 ? focused.getAttribute('data-testid') : null;
}

async function search(page: Page, text: string): Promise<void> {
  await page.locator('[data-testid="search"]').first().fill(text);
  await expect.poll(async () => page.locator('od-data-table').first().locator('[data-testid="row"]').count(), { timeout: 5_000 }).toBe(1);
}

describe('support desk in Chromium', () => {
  it('lets an agent flag an account through the form', async () => {
    const page = await signIn('ana@chinook.example');
    await search(page, 'Hansen');
    const row = page.locator('od-data-table').first().locator('[data-testid="row"]').first();
    await expect.poll(() => row.textContent()).toContain('ok');

    const menuButton = row.locator('[data-testid="row-actions"]');
    await menuButton.click();
    await expect.poll(() => menuButton.getAttribute('aria-expanded')).toBe('true');
    expect(await row.getAttribute('aria-selected')).toBe('false');
    expect(await menuActions(row)).toEqual(['updateContact', 'addNote', 'flagCustomer']);
    expect(await row.locator('[role="menuitem"][data-action="unflagCustomer"]').count()).toBe(0);
    const flagItem = row.locator('[role="menuitem"][data-action="flagCustomer"]');
    await flagItem.click();
    const dialog = page.locator('[data-testid="action-dialog"]');
    await expect.poll(() => dialog.getAttribute('open')).not.toBeNull();
    expect(await row.getAttribute('aria-selected')).toBe('false');
    expect(await dialog.locator('[name="id"]').count()).toBe(0);
    expect(await dialog.locator('[data-field="id"]').count()).toBe(0);
    expect(await dialog.locator('h2').textContent()).toContain('Hansen');
    const reason = page.locator('textarea[name="reason"]');
    await reason.fill('too short');
    await page.locator('[data-testid="submit"]').click();
    await expect.poll(() => page.locator('[data-error-for="reason"]').textContent()).toContain('at least 10 characters');

    await reason.fill('Disputed two card payments this week');
    await page.locator('[data-testid="submit"]').click();
    await page.locator('[data-testid="confirm"]').click();
    await expect.poll(() => page.locator('[data-testid="toast"]').first().textContent()).toContain('flagged');
    await expect.poll(() => row.textContent()).toContain('flagged');

    // A flagged account offers "Clear flag" in place of "Flag account".
    await menuButton.click();
    await expect.poll(() => menuButton.getAttribute('aria-expanded')).toBe('true');
    expect(await menuActions(row)).toEqual(['updateContact', 'addNote', 'unflagCustomer']);
    expect(await row.locator('[role="menuitem"][data-action="unflagCustomer"]').textContent()).toContain('Clear flag');
    expect(await row.locator('[role="menuitem"][data-action="flagCustomer"]').count()).toBe(0);
    await page.screenshot({ path: join(temp.root, 'agent.png') });
    await page.keyboard.press('Escape');
    await page.close();
  });

  it('adds a note with the keyboard only', async () => {
    const page = await signIn('ana@chinook.example');
    await search(page, 'Hansen');
    const row = page.locator('od-data-table').first().locator('[data-testid="row"]').first();
    const menuButton = row.locator('[data-testid="row-actions"]');

    await menuButton.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => menuButton.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => focusedAction(page)).toBe('updateContact');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => focusedAction(page)).toBe('addNote');
    await page.keyboard.press('Enter');

    const note = page.locator('textarea[name="body"]');
    await expect.poll(() => note.evaluate((element) => element.matches(':focus'))).toBe(true);
    expect(await page.locator('[data-testid="action-dialog"] [name="id"]').count()).toBe(0);
    await page.keyboard.type('Called about a double charge.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focusedTestId(page)).toBe('submit');
    await page.keyboard.press('Enter');

    await expect.poll(() => page.locator('[data-testid="toast"]').first().textContent()).toContain('Note added');
    expect(await row.getAttribute('aria-selected')).toBe('false');
    await page.close();
  });

  it('closes the row menu with Escape, Tab and an outside click', async () => {
    const page = await signIn('ana@chinook.example');
    await search(page, 'Hansen');
    const row = page.locator('od-data-table').first().locator('[data-testid="row"]').first();
    const menuButton = row.locator('[data-testid="row-actions"]');
    const menu = row.locator('[role="menu"]');

    await menuButton.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => menu.isVisible()).toBe(true);
    // Each row shows only one of "Flag account" and "Clear flag", so its menu has three of the table's four actions.
    // The first test flagged Hansen, so the last item is "Clear flag".
    expect(await menu.locator('[role="menuitem"]').count()).toBe(3);
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => focusedAction(page)).toBe('unflagCustomer');
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.isVisible()).toBe(false);
    expect(await menuButton.getAttribute('aria-expanded')).toBe('false');
    expect(await focusedTestId(page)).toBe('row-actions');

    await page.keyboard.press(' ');
    await expect.poll(() => menu.isVisible()).toBe(true);
    await page.keyboard.press('Tab');
    await expect.poll(() => menu.isVisible()).toBe(false);

    await menuButton.click();
    await expect.poll(() => menu.isVisible()).toBe(true);
    const box = await menu.boundingBox();
    const buttonBox = await menuButton.boundingBox();
    expect(box).not.toBeNull();
    expect(buttonBox).not.toBeNull();
    // The menu opens right below the button, with its right edge on the button's right edge.
    expect(Math.abs(box!.y - (buttonBox!.y + buttonBox!.height))).toBeLessThan(12);
    expect(Math.abs(box!.x + box!.width - (buttonBox!.x + buttonBox!.width))).toBeLessThan(2);
    await page.locator('[data-testid="page-title"]').click();
    await expect.poll(() => menu.isVisible()).toBe(false);
    expect(await row.getAttribute('aria-selected')).toBe('false');
    await page.close();
  });

  it('keeps the row actions column narrow', async () => {
    const page = await signIn('ana@chinook.example');
    const table = page.locator('od-data-table').first();
    const tableBox = await table.locator('table').boundingBox();
    const scrollBox = await table.locator('.scroll').boundingBox();
    const cellBox = await table.locator('td.actions').first().boundingBox();
    expect(tableBox).not.toBeNull();
    expect(scrollBox).not.toBeNull();
    expect(cellBox).not.toBeNull();
    // At 1280 px the whole table fits its card, so no column scrolls out of view.
    expect(tableBox!.width).toBeLessThanOrEqual(scrollBox!.width + 1);
    expect(cellBox!.width).toBeLessThan(120);

    await table.locator('[data-testid="row-actions"]').first().click();
    expect(await table.locator('.scroll').evaluate((element) => element.scrollLeft)).toBe(0);
    await page.close();
  });

  it('closes the row menu when the page scrolls', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 500 } });
    await page.goto(`${server.url}/login`);
    await page.locator('[data-user="ana@chinook.example"]').click();
    await page.waitForURL(customersUrl());
    const row = page.locator('od-data-table').first().locator('[data-testid="row"]').nth(2);
    const menu = row.locator('[role="menu"]');
    await row.locator('[data-testid="row-actions"]').click();
    await expect.poll(() => menu.isVisible()).toBe(true);
    await page.mouse.wheel(0, 200);
    await expect.poll(() => menu.isVisible()).toBe(false);
    await page.close();
  });

  it('shows an error for a hidden parameter at the top', async () => {
    const page = await signIn('ana@chinook.example');
    await search(page, 'Hansen');
    // The server accepts this row's id, so the test intercepts the request and returns the 400 that an invalid id gets.
    await page.route('**/api/apps/chinook-support/actions/addNote', (route) =>
      route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({
          error: {
            code: 'invalid_params',
            message: 'params.id must be >= 1',
            field: 'params.id',
            details: [{ field: 'params.id', message: 'must be >= 1' }],
          },
        }),
      }),
    );
    const row = page.locator('od-data-table').first().locator('[data-testid="row"]').first();
    await row.locator('[data-testid="row-actions"]').click();
    await row.locator('[data-action="addNote"]').click();
    await page.locator('textarea[name="body"]').fill('A note that the server rejects.');
    await page.locator('[data-testid="submit"]').click();
    await expect.poll(() => page.locator('[data-testid="form-error"]').textContent()).toContain('must be >= 1');
    expect(await page.locator('[data-error-for="id"]').count()).toBe(0);
    await page.close();
  });

  it('keeps row values in titled prefilled fields', async () => {
    const page = await signIn('ana@chinook.example');
    await search(page, 'Hansen');
    const row = page.locator('od-data-table').first().locator('[data-testid="row"]').first();
    await row.locator('[data-testid="row-actions"]').click();
    await row.locator('[data-action="updateContact"]').click();
    const dialog = page.locator('[data-testid="action-dialog"]');
    expect(await dialog.locator('input[name="email"]').inputValue()).toBe('bjorn.hansen@yahoo.no');
    expect(await dialog.locator('input[name="phone"]').inputValue()).toBe('+47 22 44 22 22');
    expect(await dialog.locator('[name="id"]').count()).toBe(0);
    await page.close();
  });

  it('shows a viewer no flag button', async () => {
    const page = await signIn('victor@chinook.example');
    await search(page, 'Hansen');
    expect(await page.locator('[data-action="flagCustomer"]').count()).toBe(0);
    expect(await page.locator('[data-action]').count()).toBe(0);
    expect(await page.locator('[data-testid="row-actions"]').count()).toBe(0);
    await page.close();
  });

  it('opens the only app without a history entry', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/login`);
    const lengthBefore = await page.evaluate<number>('history.length');
    await page.locator('[data-user="ana@chinook.example"]').click();
    await page.waitForURL(customersUrl());
    expect(await page.evaluate<number>('history.length')).toBe(lengthBefore);

    await page.goto(`${server.url}/`);
    await page.waitForURL(customersUrl());
    const lengthAfterHome = await page.evaluate<number>('history.length');
    expect(lengthAfterHome).toBe(lengthBefore + 1);
    expect(await page.locator('[data-app]').count()).toBe(0);
    await page.close();
  });

  it('keeps a user without apps on the list', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/login`);
    await page.locator('[data-user="nora@chinook.example"]').click();
    await page.locator('[data-testid="no-apps"]').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await page.close();
  });

  it('serves the favicon', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/login`);
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(href).toBe('/assets/favicon.svg');
    await page.close();

    const linked = await fetch(`${server.url}${href}`);
    expect(linked.status).toBe(200);
    expect(linked.headers.get('content-type')).toBe('image/svg+xml');
    const svg = await linked.text();
    expect(svg).toContain('<svg');

    const legacy = await fetch(`${server.url}/favicon.ico`);
    expect(legacy.status).toBe(200);
    expect(legacy.headers.get('content-type')).toBe('image/svg+xml');
    expect(await legacy.text()).toBe(svg);
  });

  it('renders a hostile customer name as text', async () => {
    const page = await signIn('ana@chinook.example');
    await search(page, 'onerror');
    const row = page.locator('od-data-table').first().locator('[data-testid="row"]').first();
    await expect.poll(() => row.textContent()).toContain(HOSTILE_NAME);
    expect(await row.locator('img').count()).toBe(0);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await page.close();
  });
});

describe('app shell in Chromium', () => {
  it('shows the spec version and user in the footer', async () => {
    const page = await signIn('ana@chinook.example');
    const spec = await page.evaluate(async () => {
      const response = await fetch('/api/apps/chinook-support/spec');
      return (await response.json()) as { version: string; specVersion?: string };
    });
    const footer = page.locator('[data-testid="app-footer"]');
    expect(await footer.isVisible()).toBe(true);
    // A git commit (12 characters, maybe with -dirty) shows whole; a 64-character content hash shows its first 12.
    const shown = spec.specVersion ?? spec.version;
    const expected = shown.length <= 18 ? shown : shown.slice(0, 12);
    expect(expected.length).toBeGreaterThanOrEqual(12);
    expect(await footer.locator('[data-testid="spec-version"]').textContent()).toBe(expected);
    expect(await footer.textContent()).toContain(`Version ${expected}`);
    expect(await footer.locator('[data-testid="footer-user"]').textContent()).toBe('ana@chinook.example');

    // At 1280 px the navigation is a sidebar, with no menu button.
    expect(await page.locator('[data-testid="nav-toggle"]').isVisible()).toBe(false);
    expect(await page.locator('[data-page="flags"]').isVisible()).toBe(true);
    await page.close();
  });

  it('collapses the navigation at 800x600', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    await page.goto(`${server.url}/login`);
    await page.locator('[data-user="ana@chinook.example"]').click();
    await page.waitForURL(customersUrl());
    await page.locator('[data-testid="row"]').first().waitFor();

    const toggle = page.locator('[data-testid="nav-toggle"]');
    const flagsLink = page.locator('[data-page="flags"]');
    expect(await toggle.isVisible()).toBe(true);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await flagsLink.isVisible()).toBe(false);
    // The table starts near the left edge, because no sidebar takes the width.
    const tableBox = await page.locator('od-data-table').first().boundingBox();
    expect(tableBox).not.toBeNull();
    expect(tableBox!.x).toBeLessThan(40);
    expect(tableBox!.width).toBeGreaterThan(700);

    await toggle.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => flagsLink.isVisible()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.locator('[data-page="customers"]:focus').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await flagsLink.isVisible()).toBe(false);
    expect(await focusedTestId(page)).toBe('nav-toggle');

    await page.keyboard.press(' ');
    await expect.poll(() => flagsLink.isVisible()).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.locator('[data-page="flags"]:focus').count()).toBe(1);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/apps/chinook-support/pages/flags`);
    await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await flagsLink.isVisible()).toBe(false);

    await toggle.click();
    await expect.poll(() => flagsLink.isVisible()).toBe(true);
    await page.locator('[data-testid="page-title"]').click();
    await expect.poll(() => flagsLink.isVisible()).toBe(false);
    await page.screenshot({ path: join(temp.root, 'narrow.png') });
    await page.close();
  });

  it('keeps an unavailable only app on the list', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    let listRequests = 0;
    // The server marks an app unavailable only when its database is down; this test fakes that answer.
    await page.route('**/api/apps', (route) => {
      listRequests += 1;
      const status = listRequests === 1 ? 'unavailable' : 'ok';
      const reason = listRequests === 1 ? 'connect ECONNREFUSED 127.0.0.1:5432' : undefined;
      return route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ apps: [{ id: 'chinook-support', title: 'Chinook support', status, reason }] }),
      });
    });
    await page.goto(`${server.url}/login`);
    await page.locator('[data-user="ana@chinook.example"]').click();
    const card = page.locator('[data-app="chinook-support"]');
    await card.waitFor();
    expect(await card.getAttribute('data-status')).toBe('unavailable');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await card.locator('[data-testid="app-reason"]').textContent()).toContain('ECONNREFUSED');

    // Retry requests the list again; the app is back, so the user goes straight to it.
    await card.locator('[data-testid="apps-retry"]').click();
    await page.waitForURL(customersUrl());
    expect(listRequests).toBe(2);
    await page.close();
  });

  it('shows a query timeout with Retry', async () => {
    const page = await signIn('ana@chinook.example');
    const table = page.locator('od-data-table').first();
    await page.route('**/api/apps/chinook-support/queries/customers', (route) =>
      route.fulfill({
        status: 504,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'statement_timeout', message: 'The query ran longer than 5000 ms and was cancelled.' } }),
      }),
    );
    await page.locator('[data-testid="search"]').first().fill('Hansen');
    const error = table.locator('[data-testid="table-error"]');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('statement_timeout');
    expect(await error.textContent()).toContain('longer than 5000 ms');
    expect(await table.getAttribute('data-state')).toBe('error');

    await page.unroute('**/api/apps/chinook-support/queries/customers');
    await error.locator('[data-testid="retry"]').click();
    await expect.poll(() => table.locator('[data-testid="row"]').count()).toBe(1);
    await page.close();
  });

  it('shows an unavailable app in the action dialog', async () => {
    const page = await signIn('ana@chinook.example');
    await search(page, 'Hansen');
    await page.route('**/api/apps/chinook-support/actions/addNote', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'app_unavailable', message: 'The database of chinook-support cannot be reached.' } }),
      }),
    );
    const row = page.locator('od-data-table').first().locator('[data-testid="row"]').first();
    await row.locator('[data-testid="row-actions"]').click();
    await row.locator('[data-action="addNote"]').click();
    await page.locator('textarea[name="body"]').fill('A note while the database is down.');
    await page.locator('[data-testid="submit"]').click();
    const formError = page.locator('[data-testid="action-dialog"] [data-testid="form-error"]');
    await expect.poll(() => formError.textContent()).toContain('cannot be reached');
    const dialogTop = await page.locator('[data-testid="action-dialog"] od-action-form').boundingBox();
    const errorBox = await formError.boundingBox();
    expect(dialogTop).not.toBeNull();
    expect(errorBox).not.toBeNull();
    expect(Math.abs(errorBox!.y - dialogTop!.y)).toBeLessThan(4);
    await page.close();
  });
});

describe('spec errors in Chromium', () => {
  let watchedTemp: TempRoot;
  let watchedServer: TestServer;

  beforeAll(async () => {
    watchedTemp = copyChinookApp();
    watchedServer = await startServer(watchedTemp.root, { watch: true });
  });

  afterAll(async () => {
    await watchedServer?.close();
    watchedTemp?.remove();
  });

  it('shows the errors bar below the banner', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${watchedServer.url}/login`);
    await page.locator('[data-user="ana@chinook.example"]').click();
    await page.locator('[data-testid="row"]').first().waitFor();
    const searchBefore = await page.locator('[data-testid="search"]').first().boundingBox();

    const specFile = join(watchedTemp.appDir, 'app.yaml');
    const good = readFileSync(specFile, 'utf8');
    writeFileSync(specFile, good.replace('title: Customers\n    description', 'title: Broken\n    allow: [nobody]\n    description'));
    const panel = page.locator('[data-testid="spec-errors"]');
    await panel.waitFor({ timeout: 10_000 });
    await expect.poll(() => panel.locator('[data-testid="diagnostic"]').count()).toBeGreaterThan(0);
    expect(await panel.locator('[data-testid="diagnostic"]').first().textContent()).toContain('app.yaml:');

    const banner = await page.locator('[data-testid="dev-banner"]').boundingBox();
    const panelBox = await panel.boundingBox();
    const search = await page.locator('[data-testid="search"]').first().boundingBox();
    expect(banner).not.toBeNull();
    expect(panelBox).not.toBeNull();
    expect(search).not.toBeNull();
    expect(searchBefore).not.toBeNull();
    // The bar starts under the banner and pushes the page down, so the search box moves below it.
    expect(panelBox!.y).toBeGreaterThanOrEqual(banner!.y + banner!.height - 1);
    expect(search!.y).toBeGreaterThanOrEqual(panelBox!.y + panelBox!.height);
    expect(search!.y).toBeGreaterThan(searchBefore!.y);
    await page.screenshot({ path: join(watchedTemp.root, 'spec-errors.png') });

    await panel.locator('[data-testid="dismiss-errors"]').click();
    await expect.poll(() => panel.count()).toBe(0);
    const searchAfter = await page.locator('[data-testid="search"]').first().boundingBox();
    expect(searchAfter!.y).toBe(searchBefore!.y);
    await page.close();
  });
});
