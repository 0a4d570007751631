// The table in Chromium: cell formats and the empty marker, the columns menu
// and its stored layout, keyboard-only row focus and selection, and bulk
// actions that stop at the first failing row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'u3', 'items');
const SCREENSHOTS = process.env.OPSDECK_SCREENSHOTS;

let root: string;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-table-'));
  cpSync(FIXTURE, join(root, 'items'), { recursive: true });
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function signIn(width = 1280): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected browser dialog: ${dialog.message()}`);
  });
  await page.goto(`${server.url}/login`);
  await page.locator('[data-user="sam@example.com"]').click();
  await page.waitForURL(`${server.url}/apps/items/pages/items`);
  await page.locator('[data-testid="row"]').first().waitFor();
  return page;
}

const row = (page: Page, id: number) => page.locator(`tr[data-key="k:${id}"]`);
const cell = (page: Page, id: number, field: string) => row(page, id).locator(`td[data-field="${field}"]`);
const headers = async (page: Page) => page.locator('th[data-field]').evaluateAll((cells) => cells.map((th) => th.getAttribute('data-field')));

async function statusOf(id: number): Promise<string> {
  const cookie = await devLogin(server.url, 'sam@example.com');
  const response = await request(`${server.url}/api/apps/items/queries/items`, { method: 'POST', json: { filter: { id } }, cookie });
  return response.body.rows[0].status;
}

describe('table in Chromium', () => {
  it('formats cells and marks empty ones', async () => {
    const page = await signIn();
    // Item 7 has no score; item 5 no ratio.
    const empty = cell(page, 7, 'score').locator('[data-null]');
    await expect(empty.textContent()).resolves.toBe('—empty');
    await expect(empty.locator('.visually-hidden').textContent()).resolves.toBe('empty');
    await expect(cell(page, 4, 'score').textContent()).resolves.toBe('0');
    await expect(cell(page, 2, 'ratio').textContent()).resolves.toBe('5%');
    await expect(cell(page, 5, 'ratio').locator('[data-null]').count()).resolves.toBe(1);

    await expect(cell(page, 1, 'status').locator('.badge').getAttribute('class')).resolves.toContain('tone-success');
    await expect(cell(page, 4, 'status').locator('.badge').getAttribute('class')).resolves.toContain('tone-grey');

    await expect(cell(page, 1, 'homepage').locator('a').getAttribute('href')).resolves.toBe('https://example.com/items/1');
    await expect(cell(page, 3, 'homepage').locator('a').count()).resolves.toBe(0);
    await expect(cell(page, 3, 'homepage').textContent()).resolves.toBe('javascript:alert(1)');

    const created = cell(page, 1, 'created_at');
    await expect(created.textContent()).resolves.toMatch(/ago|yesterday|last/);
    await expect(created.getAttribute('title')).resolves.toMatch(/2026/);

    const json = cell(page, 1, 'meta').locator('details');
    await expect(json.locator('summary').textContent()).resolves.toBe('{"tags":["t1"],"size":1}');
    await json.locator('summary').click();
    await expect(json.locator('pre').textContent()).resolves.toContain('"size": 1');
    // Opening the JSON does not tick the row.
    await expect(row(page, 1).getAttribute('aria-selected')).resolves.toBe('false');
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'table-formats.png'), fullPage: true });
    await page.close();
  });

  it('columns menu hides, moves, remembers and resets', async () => {
    const page = await signIn();
    const initial = await headers(page);
    expect(initial).toEqual(['id', 'grp', 'score', 'name', 'status', 'ratio', 'created_at', 'homepage', 'meta']);

    await page.locator('[data-testid="columns-button"]').focus();
    await page.keyboard.press('Enter');
    const list = page.locator('[data-testid="columns-list"]');
    await list.waitFor();
    // The first checkbox has focus: Tab to the next row's checkbox is three stops (checkbox, up, down).
    await expect(page.locator('li[data-field="id"] input:focus').count()).resolves.toBe(1);
    await page.locator('li[data-field="grp"] input').focus();
    await page.keyboard.press('Space');
    await page.locator('li[data-field="name"] button[data-move="up"]').focus();
    // Three moves up: past grp (hidden) and id, to the top; focus stays on the moved column.
    for (let press = 0; press < 3; press++) await page.keyboard.press('Enter');
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'table-columns.png') });
    await page.keyboard.press('Escape');
    await expect(list.count()).resolves.toBe(0);
    await expect(page.locator('[data-testid="columns-button"]:focus').count()).resolves.toBe(1);

    const changed = ['name', 'id', 'score', 'status', 'ratio', 'created_at', 'homepage', 'meta'];
    expect(await headers(page)).toEqual(changed);
    // Browser code goes in as text: the test's TypeScript settings have no DOM types.
    const stored = await page.evaluate<string[]>(`Object.keys(localStorage).filter((key) => key.startsWith('opsdeck:columns:'))`);
    expect(stored).toEqual(['opsdeck:columns:items:items:items']);

    await page.reload();
    await page.locator('[data-testid="row"]').first().waitFor();
    expect(await headers(page)).toEqual(changed);

    await page.locator('[data-testid="columns-button"]').click();
    await page.locator('[data-testid="columns-reset"]').click();
    expect(await headers(page)).toEqual(initial);
    await expect(page.evaluate(`localStorage.getItem('opsdeck:columns:items:items:items')`)).resolves.toBeNull();
    await page.close();
  });

  it('ignores a broken stored layout', async () => {
    const page = await signIn();
    await page.evaluate(`localStorage.setItem('opsdeck:columns:items:items:items', '{"order": 5')`);
    await page.reload();
    await page.locator('[data-testid="row"]').first().waitFor();
    expect((await headers(page)).length).toBe(9);
    await page.close();
  });

  it('keyboard moves, ticks and opens the row menu', async () => {
    const page = await signIn();
    await row(page, 1).focus();
    await page.keyboard.press('ArrowDown');
    await expect(row(page, 2).evaluate((element) => element.matches(':focus'))).resolves.toBe(true);
    await expect(row(page, 2).getAttribute('tabindex')).resolves.toBe('0');
    await expect(row(page, 1).getAttribute('tabindex')).resolves.toBe('-1');
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await expect(page.locator('[data-testid="selected-count"]').textContent()).resolves.toBe('2 selected');
    await page.keyboard.press('Space');
    await expect(page.locator('[data-testid="selected-count"]').textContent()).resolves.toBe('1 selected');
    await page.keyboard.press('End');
    await expect(row(page, 10).evaluate((element) => element.matches(':focus'))).resolves.toBe(true);
    await page.keyboard.press('Enter');
    await expect(row(page, 10).getAttribute('aria-selected')).resolves.toBe('true');
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+F10');
    await expect(row(page, 1).locator('[role="menu"]').isVisible()).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await page.close();
  });

  it('select-all ticks the page', async () => {
    const page = await signIn();
    await page.locator('[data-testid="select-all"]').check();
    await expect(page.locator('[data-testid="selected-count"]').textContent()).resolves.toBe('10 selected');
    await page.locator('[data-testid="select-all"]').uncheck();
    await expect(page.locator('[data-testid="bulk-bar"]').count()).resolves.toBe(0);
    await page.close();
  });

  it('bulk action stops at the first failing row', async () => {
    const page = await signIn();
    // Item 4 is closed already, so closing it fails and item 5 must not run.
    for (const id of [1, 2, 4, 5]) await row(page, id).locator('td.check input').check();
    await page.locator('[data-bulk-action="closeItem"]').click();
    await expect(page.locator('[data-testid="bulk-dialog"] h2').textContent()).resolves.toContain('on 4 rows');
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'table-bulk.png') });
    await page.locator('[data-testid="bulk-confirm"]').click();
    const toast = page.locator('[data-testid="toast"]').last();
    await toast.waitFor();
    await expect(toast.textContent()).resolves.toMatch(/Close item: 2 of 4 done\. Failed on .*closed already.* 1 not run\./);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'table-bulk-failed.png') });

    expect(await statusOf(1)).toBe('closed');
    expect(await statusOf(2)).toBe('closed');
    expect(await statusOf(5)).toBe('open');
    // The rows that ran are unticked; the failed one and the one not run stay ticked.
    await expect(page.locator('[data-testid="selected-count"]').textContent()).resolves.toBe('2 selected');
    await expect(cell(page, 1, 'status').textContent()).resolves.toBe('closed');
    await page.close();
  });

  it('bulk action can be cancelled', async () => {
    const page = await signIn();
    await row(page, 7).locator('td.check input').check();
    await page.locator('[data-bulk-action="closeItem"]').click();
    await page.locator('[data-testid="bulk-cancel"]').click();
    await expect(page.locator('[data-testid="selected-count"]').textContent()).resolves.toBe('1 selected');
    expect(await statusOf(7)).toBe('open');
    await page.close();
  });

  it('next page follows the last row', async () => {
    const page = await signIn();
    await page.locator('[data-testid="next"]').click();
    await row(page, 11).waitFor();
    await expect(page.locator('[data-testid="range"]').textContent()).resolves.toBe('11–20 of 30');
    // A row of page 1 goes away: by offset, page 3 would start at row 22 and row 21 would be skipped.
    const cookie = await devLogin(server.url, 'sam@example.com');
    const removed = await request(`${server.url}/api/apps/items/actions/removeItem`, { method: 'POST', json: { params: { id: 6 } }, cookie });
    expect(removed.status).toBe(200);
    await page.locator('[data-testid="next"]').click();
    await row(page, 21).waitFor();
    const ids = await page.locator('tr[data-key]').evaluateAll((rows) => rows.map((tr) => tr.getAttribute('data-key')));
    expect(ids[0]).toBe('k:21');
    await page.locator('[data-testid="previous"]').click();
    await row(page, 11).waitFor();
    await page.close();
  });

  it('stays usable at 800 px', async () => {
    const page = await signIn(800);
    await expect(page.locator('[data-testid="columns-button"]').isVisible()).resolves.toBe(true);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'table-800.png') });
    await page.close();
  });
});
