// Form fields in Chromium on the forms fixture app (test/fixtures/f2): each
// field type, options from a query under row rules, multi-select, visibleWhen,
// defaults from a selected row, keyboard use and nulls. What the server stored
// is read back through the `entries` and `notes` queries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TempRoot } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { copyFormsApp } from '../fixtures/f2/copy.js';

let temp: TempRoot;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  temp = copyFormsApp();
  server = await startServer(temp.root);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  temp?.remove();
});

/** Signs in as `user` in a browser set to Berlin time, so local and UTC times differ, and opens `pageId`. */
async function signIn(user: string, pageId: string): Promise<Page> {
  const context = await browser.newContext({ timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected browser dialog: ${dialog.message()}`);
  });
  await page.goto(`${server.url}/login`);
  await page.locator(`[data-user="${user}"]`).click();
  await page.waitForURL(/\/apps\/forms\/pages\//);
  await page.goto(`${server.url}/apps/forms/pages/${pageId}`);
  await page.locator('[data-testid="row"]').first().waitFor();
  return page;
}

async function rowsOf(query: string, user = 'clara@forms.example'): Promise<Array<Record<string, unknown>>> {
  const cookie = await devLogin(server.url, user);
  const response = await request(`${server.url}/api/apps/forms/queries/${query}`, { method: 'POST', cookie, json: { params: {} } });
  expect(response.status).toBe(200);
  return response.body.rows;
}

async function lastEntry(): Promise<Record<string, unknown>> {
  const rows = await rowsOf('entries');
  return rows[rows.length - 1];
}

async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(temp.root, name);
  await page.screenshot({ path, fullPage: true });
  if (process.env.OPSDECK_SCREENSHOTS) copyFileSync(path, join(process.env.OPSDECK_SCREENSHOTS, name));
}

function form(page: Page) {
  return page.locator('section[data-form="addEntry"] od-action-form');
}

async function submitAndWait(page: Page, before: number): Promise<void> {
  await form(page).locator('[data-testid="submit"]').click();
  await expect.poll(async () => (await rowsOf('entries')).length, { timeout: 5000 }).toBe(before + 1);
}

describe('form fields in Chromium', () => {
  it('submits every field type as typed JSON', async () => {
    const page = await signIn('clara@forms.example', 'entries');
    const fields = form(page);
    await fields.locator('[name="customerId"] option', { hasText: 'Ben South' }).waitFor({ state: 'attached' });
    const before = (await rowsOf('entries')).length;

    await fields.locator('[name="title"]').fill('All fields');
    await fields.locator('textarea[name="body"]').fill('line one\nline two');
    await fields.locator('[name="quantity"]').fill('3');
    await fields.locator('[name="ratio"]').fill('0.25');
    await fields.locator('[name="price"]').fill('12.50');
    await fields.locator('[name="due"]').fill('2024-05-06');
    await fields.locator('[name="at"]').fill('2024-03-05T14:30:00');
    await fields.locator('[name="kind"]').selectOption('refund');
    await fields.locator('[name="refundReason"]').fill('Damaged');
    await fields.locator('[name="customerId"]').selectOption({ label: 'Ben South' });
    await fields.locator('[data-choices="tags"] input[value="red"]').check();
    await fields.locator('[data-choices="tags"] input[value="blue"]').check();
    await fields.locator('[data-choices="customerIds"] input[value="1"]').check();
    await fields.locator('[data-choices="customerIds"] input[value="3"]').check();
    await fields.locator('[name="urgent"]').check();
    await fields.locator('[name="email"]').fill('someone@example.com');
    await fields.locator('[name="site"]').fill('https://example.com/x');
    expect(await fields.locator('[data-field="price"] label').textContent()).toContain('EUR');
    await screenshot(page, 'forms-all-fields.png');
    await submitAndWait(page, before);

    const entry = await lastEntry();
    expect(entry.title).toBe('All fields');
    expect(entry.body).toBe('line one\nline two');
    expect(entry.quantity).toBe(3);
    expect(entry.ratio).toBe(0.25);
    expect(entry.price).toBe(12.5);
    expect(entry.due).toBe('2024-05-06');
    // 14:30 in Berlin in March (UTC+1) is 13:30 UTC.
    expect(entry.at).toBe('2024-03-05T13:30:00.000Z');
    expect(entry.kind).toBe('refund');
    expect(entry.refund_reason).toBe('Damaged');
    expect(entry.customer_id).toBe(2);
    expect(JSON.parse(String(entry.tags))).toEqual(['red', 'blue']);
    expect(entry.customer_count).toBe(2);
    expect(entry.urgent).toBe(1);
    expect(entry.email).toBe('someone@example.com');
    expect(entry.site).toBe('https://example.com/x');
    await page.context().close();
  });

  it('rejects a javascript URL before sending', async () => {
    const page = await signIn('clara@forms.example', 'entries');
    const fields = form(page);
    const before = (await rowsOf('entries')).length;
    await fields.locator('[name="title"]').fill('Bad link');
    await fields.locator('[name="site"]').fill('javascript:alert(1)');
    await fields.locator('[data-testid="submit"]').click();
    await expect.poll(() => fields.locator('[data-error-for="site"]').textContent()).toContain('full URL');
    expect((await rowsOf('entries')).length).toBe(before);
    await page.context().close();
  });

  it('lists only option rows the row rules allow', async () => {
    const page = await signIn('pat@forms.example', 'entries');
    const select = form(page).locator('[name="customerId"]');
    await select.locator('option', { hasText: 'Ada North' }).waitFor({ state: 'attached' });
    const labels = await select.locator('option').allTextContents();
    expect(labels.map((label) => label.trim())).toEqual(['—', 'Ada North', 'Cy North']);
    const choices = await form(page).locator('[data-choices="customerIds"] label').allTextContents();
    expect(choices.map((label) => label.trim())).toEqual(['Ada North', 'Cy North']);
    await page.context().close();
  });

  it('shows and sends a dependent field only when its condition holds', async () => {
    const page = await signIn('clara@forms.example', 'entries');
    const fields = form(page);
    const reason = fields.locator('[name="refundReason"]');
    expect(await reason.count()).toBe(0);
    await fields.locator('[name="kind"]').selectOption('refund');
    await reason.waitFor();
    await reason.fill('Typed while visible');
    await fields.locator('[name="kind"]').selectOption('credit');
    await expect.poll(() => reason.count()).toBe(0);

    const before = (await rowsOf('entries')).length;
    await fields.locator('[name="title"]').fill('Credit entry');
    await submitAndWait(page, before);
    const entry = await lastEntry();
    expect(entry.kind).toBe('credit');
    // Hidden, so not sent, and not required although `required` lists it.
    expect(entry.refund_reason).toBeNull();
    await page.context().close();
  });

  it('fills defaults from the selected row', async () => {
    const page = await signIn('clara@forms.example', 'entries');
    const fields = form(page);
    await page.locator('[data-testid="row"]', { hasText: 'Ada North' }).click();
    await expect.poll(() => fields.locator('[name="email"]').inputValue()).toBe('ada@north.example');
    expect(await fields.locator('[name="title"]').inputValue()).toBe('Entry for Ada North');

    // Typing in another field keeps the defaults: the page re-renders without resetting the form.
    await fields.locator('[name="quantity"]').fill('9');
    await page.locator('[data-testid="row"]', { hasText: 'Ben South' }).click();
    await expect.poll(() => fields.locator('[name="email"]').inputValue()).toBe('ben@south.example');
    await page.context().close();
  });
});

describe('row action forms in Chromium', () => {
  it('keeps untouched nulls null', async () => {
    const page = await signIn('clara@forms.example', 'notes');
    const row = page.locator('[data-testid="row"]').first();
    await row.locator('[data-action="editNote"]').click();
    const dialog = page.locator('[data-testid="action-dialog"]');
    await dialog.locator('[name="note"]').waitFor();
    expect(await dialog.locator('[name="note"]').inputValue()).toBe('');
    await dialog.locator('[data-testid="submit"]').click();
    await expect.poll(() => dialog.isVisible()).toBe(false);

    const [first] = await rowsOf('notes');
    expect(first).toEqual({ Id: 1, Note: null, Score: null, Flag: null });
    await page.context().close();
  });

  it('fills and submits with the keyboard only, and a cleared field sends null', async () => {
    const page = await signIn('clara@forms.example', 'notes');
    const row = page.locator('[data-testid="row"]').nth(1);
    await row.locator('[data-action="editNote"]').focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('[data-testid="action-dialog"]');
    const note = dialog.locator('[name="note"]');
    await expect.poll(() => note.evaluate((element) => element.matches(':focus'))).toBe(true);
    expect(await note.inputValue()).toBe('keep me');

    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('8');
    await page.keyboard.press('Tab');
    // Space unticks the flag checkbox, which started ticked.
    await page.keyboard.press('Space');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.isVisible()).toBe(false);

    const rows = await rowsOf('notes');
    expect(rows[1]).toEqual({ Id: 2, Note: null, Score: 8, Flag: 0 });
    await page.context().close();
  });
});
