// Bulk actions ask first, in Chromium: a dialog names the action, the number
// of rows and the action's `confirm:` text filled for each row, before any
// request is sent. Enter on the focused Run button runs; Escape and Cancel
// run nothing and give focus back to the bulk action's button.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'u3', 'items');
const CLOSE_ITEM = '  closeItem:\n    title: Close item\n';

let root: string;
let server: TestServer;
let browser: Browser;
/** Action requests the browser sent, by path. */
const actionRequests: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-bulk-'));
  cpSync(FIXTURE, join(root, 'items'), { recursive: true });
  const spec = readFileSync(join(FIXTURE, 'app.yaml'), 'utf8');
  if (!spec.includes(CLOSE_ITEM)) throw new Error('the items fixture changed: closeItem not found');
  writeFileSync(join(root, 'items', 'app.yaml'), spec.replace(CLOSE_ITEM, `${CLOSE_ITEM}    confirm: "Close {{ row.name }} (item {{ params.id }})?"\n`));
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function signIn(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected browser dialog: ${dialog.message()}`);
  });
  page.on('request', (sent) => {
    if (sent.method() === 'POST' && sent.url().includes('/actions/')) actionRequests.push(new URL(sent.url()).pathname);
  });
  await page.goto(`${server.url}/login`);
  await page.locator('[data-user="sam@example.com"]').click();
  await page.waitForURL(`${server.url}/apps/items/pages/items`);
  await page.locator('[data-testid="row"]').first().waitFor();
  return page;
}

const row = (page: Page, id: number) => page.locator(`tr[data-key="k:${id}"]`);
const nameOf = async (page: Page, id: number) => (await row(page, id).locator('td[data-field="name"]').textContent())!.trim();

/** Keys of the first `count` rows shown with status open. */
async function openIds(page: Page, count: number): Promise<number[]> {
  const keys = await page.locator('[data-testid="row"]').evaluateAll((rows) =>
    rows.filter((tr) => tr.querySelector('td[data-field="status"]')?.textContent?.trim() === 'open').map((tr) => Number(tr.getAttribute('data-key')!.replace(/^k:/, ''))),
  );
  expect(keys.length).toBeGreaterThanOrEqual(count);
  return keys.slice(0, count);
}

async function statusOf(id: number): Promise<string> {
  const cookie = await devLogin(server.url, 'sam@example.com');
  const response = await request(`${server.url}/api/apps/items/queries/items`, { method: 'POST', json: { filter: { id } }, cookie });
  return response.body.rows[0].status;
}

/** Tells whether the focused element, looked up through shadow roots, matches `selector`. */
async function focusedMatches(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((wanted) => {
    // The root tsconfig has no DOM types, so the browser globals are typed loosely here.
    const browser = globalThis as any;
    let element = browser.document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    return (element?.matches(wanted) as boolean | undefined) ?? false;
  }, selector);
}

async function openConfirm(page: Page): Promise<void> {
  await page.locator('[data-bulk-action="closeItem"]').focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="bulk-dialog"]').waitFor();
}

describe('bulk action confirmation', () => {
  it('names the action, the row count and the confirm text; Escape runs nothing', async () => {
    const page = await signIn();
    const ids = await openIds(page, 2);
    for (const id of ids) await row(page, id).locator('td.check input').check();
    const before = actionRequests.length;
    await openConfirm(page);

    const dialog = page.locator('[data-testid="bulk-dialog"]');
    expect(await dialog.getAttribute('open')).not.toBeNull();
    expect(await dialog.getAttribute('role')).toBe('alertdialog');
    await expect(dialog.locator('h2').textContent()).resolves.toBe('Close item on 2 rows?');
    const lines = (await dialog.locator('[data-testid="bulk-confirm-text"] li').allTextContents()).map((line) => line.trim());
    expect(lines).toEqual([`Close ${await nameOf(page, ids[0])} (item ${ids[0]})?`, `Close ${await nameOf(page, ids[1])} (item ${ids[1]})?`]);
    expect(await focusedMatches(page, '[data-testid="bulk-confirm"]')).toBe(true);

    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="bulk-dialog"]').count()).toBe(0);
    await expect.poll(() => focusedMatches(page, '[data-bulk-action="closeItem"]')).toBe(true);
    expect(actionRequests.length).toBe(before);
    expect(await statusOf(ids[0])).toBe('open');
    expect(await statusOf(ids[1])).toBe('open');
    await expect(page.locator('[data-testid="selected-count"]').textContent()).resolves.toBe('2 selected');

    // Enter on the focused Run button runs the action on each row.
    await openConfirm(page);
    await page.keyboard.press('Enter');
    const toast = page.locator('[data-testid="toast"]').last();
    await toast.waitFor();
    await expect(toast.textContent()).resolves.toContain('Close item: 2 of 2 done.');
    expect(actionRequests.length).toBe(before + 2);
    expect(await statusOf(ids[0])).toBe('closed');
    expect(await statusOf(ids[1])).toBe('closed');
    await page.close();
  });

  it('runs nothing on Cancel', async () => {
    const page = await signIn();
    const [id] = await openIds(page, 1);
    await row(page, id).locator('td.check input').check();
    const before = actionRequests.length;
    await openConfirm(page);
    await expect(page.locator('[data-testid="bulk-dialog"] h2').textContent()).resolves.toBe('Close item on 1 row?');
    // Cancel sits just before Run.
    await page.keyboard.press('Shift+Tab');
    expect(await focusedMatches(page, '[data-testid="bulk-cancel"]')).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid="bulk-dialog"]').count()).toBe(0);
    expect(actionRequests.length).toBe(before);
    expect(await statusOf(id)).toBe('open');
    await page.close();
  });

  it('lists at most five confirm texts and counts the rest', async () => {
    const page = await signIn();
    await page.locator('[data-testid="select-all"]').check();
    const count = await page.locator('[data-testid="row"]').count();
    expect(count).toBeGreaterThan(5);
    const before = actionRequests.length;
    await openConfirm(page);
    const dialog = page.locator('[data-testid="bulk-dialog"]');
    await expect(dialog.locator('h2').textContent()).resolves.toBe(`Close item on ${count} rows?`);
    const lines = (await dialog.locator('[data-testid="bulk-confirm-text"] li').allTextContents()).map((line) => line.trim());
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe(`… and ${count - 5} more`);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(actionRequests.length).toBe(before);
    await page.close();
  });
});
