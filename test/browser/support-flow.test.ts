import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
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
    `INSERT INTO Customer (CustomerId, FirstName, LastName, Email) VALUES (900, '${HOSTILE_NAME}', 'Tester', 'hostile@example.com');\n`,
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
  await page.waitForURL(`${server.url}/`);
  await page.goto(`${server.url}/apps/chinook-support/`);
  await page.locator('[data-testid="row"]').first().waitFor();
  return page;
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

    await row.locator('[data-action="flagCustomer"]').click();
    const reason = page.locator('textarea[name="reason"]');
    await reason.fill('too short');
    await page.locator('[data-testid="submit"]').click();
    await expect.poll(() => page.locator('[data-error-for="reason"]').textContent()).toContain('at least 10 characters');

    await reason.fill('Disputed two card payments this week');
    await page.locator('[data-testid="submit"]').click();
    await page.locator('[data-testid="confirm"]').click();
    await expect.poll(() => page.locator('[data-testid="toast"]').first().textContent()).toContain('flagged');
    await expect.poll(() => row.textContent()).toContain('flagged');
    await page.screenshot({ path: join(temp.root, 'agent.png') });
    await page.close();
  });

  it('shows a viewer no flag button', async () => {
    const page = await signIn('victor@chinook.example');
    await search(page, 'Hansen');
    expect(await page.locator('[data-action="flagCustomer"]').count()).toBe(0);
    expect(await page.locator('[data-action]').count()).toBe(0);
    await page.close();
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
