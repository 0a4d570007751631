import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { serve, type RunningServer } from '../../runtime/server.js';
import { launchBrowser } from '../helpers/browser.js';
import { UI_DIR, devLogin, request } from '../helpers/server.js';
import { copyAuditedApp, type AuditedApp } from '../runtime/audit-app.js';

const AGENT = 'ana@chinook.example';
const VIEWER = 'victor@chinook.example';

let temp: AuditedApp;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  temp = copyAuditedApp();
  server = await serve({ root: temp.root, log: pino({ level: 'silent' }), port: 0, host: '127.0.0.1', watch: false, uiDir: UI_DIR });
  // Records to list: invoices of three customers by the viewer (with params) and a denied action.
  const viewer = await devLogin(server.url, VIEWER);
  const api = `${server.url}/api/apps/chinook-support`;
  for (const customerId of [11, 12, 13]) await request(`${api}/queries/invoices`, { method: 'POST', json: { params: { customerId } }, cookie: viewer });
  await request(`${api}/actions/addNote`, { method: 'POST', json: { params: { id: 11, body: '<img src=x onerror=alert(1)>' } }, cookie: viewer });
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
  await page.waitForURL(`${server.url}/apps/chinook-support/pages/customers`);
  return page;
}

describe('audit page', () => {
  it('lists records for a viewer with filters and paging', async () => {
    const page = await signIn(AGENT);
    await page.locator('[data-page="_audit"]').click();
    await page.waitForURL(`${server.url}/apps/chinook-support/pages/_audit`);
    const view = page.locator('[data-testid="audit-view"]');
    await expect.poll(() => view.getAttribute('data-state'), { timeout: 5_000 }).toBe('ready');
    expect(await page.locator('[data-testid="page-title"]').textContent()).toBe('Audit');

    const rows = page.locator('[data-testid="audit-row"]');
    expect(await rows.count()).toBeGreaterThan(4);
    // Newest first: the customers table the agent saw after signing in ran the latest query.
    expect(await rows.first().textContent()).toContain(AGENT);
    expect(await rows.first().textContent()).toContain('query:customers');
    expect(await rows.first().getAttribute('data-outcome')).toBe('succeeded');
    await page.screenshot({ path: '/tmp/audit-page.png', fullPage: true });

    await page.locator('input[name="object"]').fill('query:invoices');
    await page.locator('[data-testid="audit-apply"]').click();
    await expect.poll(() => rows.count(), { timeout: 5_000 }).toBe(3);
    expect(await rows.first().textContent()).toContain('customerId=13');
    expect(await page.locator('[data-testid="audit-range"]').textContent()).toBe('1–3 of 3');

    await page.locator('[data-testid="audit-clear"]').click();
    await page.locator('select[name="outcome"]').selectOption('denied');
    await page.locator('[data-testid="audit-apply"]').click();
    await expect.poll(() => rows.count(), { timeout: 5_000 }).toBe(1);
    expect(await rows.first().textContent()).toContain('action:addNote');
    expect(await rows.first().textContent()).toContain('no rule allows it');

    await page.locator('input[name="from"]').fill('2000-01-01T00:00');
    await page.locator('input[name="to"]').fill('2000-01-02T00:00');
    await page.locator('[data-testid="audit-apply"]').click();
    await expect.poll(() => view.getAttribute('data-state'), { timeout: 5_000 }).toBe('empty');
    await page.close();
  });

  it('pages through many records', async () => {
    const viewer = await devLogin(server.url, VIEWER);
    for (let customerId = 1; customerId <= 26; customerId += 1) {
      await request(`${server.url}/api/apps/chinook-support/queries/customers`, { method: 'POST', json: {}, cookie: viewer });
    }
    const page = await signIn(AGENT);
    await page.goto(`${server.url}/apps/chinook-support/pages/_audit`);
    const range = page.locator('[data-testid="audit-range"]');
    await expect.poll(() => range.textContent(), { timeout: 5_000 }).toMatch(/^1–25 of \d+$/);
    expect(await page.locator('[data-testid="audit-previous"]').isDisabled()).toBe(true);
    await page.locator('[data-testid="audit-next"]').click();
    await expect.poll(() => range.textContent(), { timeout: 5_000 }).toMatch(/^26–\d+ of \d+$/);
    await page.close();
  });

  it('offers no audit page to other users', async () => {
    const page = await signIn(VIEWER);
    await page.locator('[data-page="customers"]').waitFor();
    expect(await page.locator('[data-page="_audit"]').count()).toBe(0);
    await page.goto(`${server.url}/apps/chinook-support/pages/_audit`);
    await page.locator('text=Page not found').waitFor();
    expect(await page.locator('[data-testid="audit-view"]').count()).toBe(0);
    await page.close();
  });
});
