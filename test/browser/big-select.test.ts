// Selects whose options query returns more rows than one 500-row page, in
// Chromium, on the app of test/fixtures/big-select (1,500 accounts). Such a
// select is a combobox that requests matching options from the server as the
// user types. The tests drive it by keyboard only, submit the picked values, restore
// a value past the first page from a default or a URL, and check that the
// server still rejects an account the user may not see.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'big-select');
const CLARA = 'clara@big.example';
const PAT = 'pat@big.example';

let root: string;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-big-select-'));
  cpSync(FIXTURE, join(root, 'big'), { recursive: true });
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Signs in as `user` and opens page `pageId` of the app, with `search` as the URL query. */
async function open(user: string, pageId: string, search = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected browser dialog: ${dialog.message()}`);
  });
  await page.goto(`${server.url}/login`);
  await page.locator(`[data-user="${user}"]`).click();
  await page.waitForURL(/\/apps\/big\/pages\//);
  await page.goto(`${server.url}/apps/big/pages/${pageId}${search}`);
  return page;
}

async function rowsOf(query: string, user = CLARA): Promise<Array<Record<string, unknown>>> {
  const cookie = await devLogin(server.url, user);
  const response = await request(`${server.url}/api/apps/big/queries/${query}`, { method: 'POST', cookie, json: { params: {}, page: { size: 500, offset: 0 } } });
  expect(response.status).toBe(200);
  return response.body.rows;
}

function formField(page: Page, name: string): Locator {
  return page.locator(`od-action-form [data-field="${name}"]`);
}

function combobox(scope: Locator): Locator {
  return scope.locator('input[role="combobox"]');
}

/** Labels of the options the open listbox of `scope` shows, the empty choice left out. */
async function optionLabels(scope: Locator): Promise<string[]> {
  const options = await scope.locator('[role="listbox"] [role="option"]').evaluateAll((nodes) =>
    nodes.filter((node) => node.getAttribute('data-value') !== '').map((node) => node.textContent?.trim() ?? ''),
  );
  return options;
}

/** Bodies of the POSTs to the accounts query that the page sent. */
function watchAccountRequests(page: Page): Array<Record<string, any>> {
  const bodies: Array<Record<string, any>> = [];
  page.on('request', (sent) => {
    if (sent.method() === 'POST' && sent.url().endsWith('/api/apps/big/queries/accounts')) bodies.push(JSON.parse(sent.postData() ?? '{}'));
  });
  return bodies;
}

describe('select with more options than one page', () => {
  it('narrows the options from the server', async () => {
    const page = await open(CLARA, 'picks');
    const bodies = watchAccountRequests(page);
    const field = formField(page, 'accountId');
    const input = combobox(field);
    await input.waitFor();
    expect(await field.locator('select').count()).toBe(0);

    await input.focus();
    await input.fill('123');
    const expected = ['Account 0123', 'Account 1123', ...Array.from({ length: 10 }, (_, index) => `Account 123${index}`)];
    await expect.poll(() => optionLabels(field), { timeout: 5_000 }).toEqual(expected);
    expect(await input.getAttribute('aria-expanded')).toBe('true');
    // The server filtered on the label column; of these, the first page holds only "Account 0123".
    expect(bodies.some((body) => body.filter?.Name?.op === 'contains' && body.filter.Name.value === '123')).toBe(true);
    await page.close();
  });

  it('picks by keyboard and submits the value', async () => {
    const before = (await rowsOf('picks')).length;
    const page = await open(CLARA, 'picks');
    const field = formField(page, 'accountId');
    const input = combobox(field);
    await input.waitFor();
    await input.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('1234');
    await expect.poll(() => optionLabels(field), { timeout: 5_000 }).toEqual(['Account 1234']);
    await page.keyboard.press('ArrowDown');
    const active = await input.getAttribute('aria-activedescendant');
    expect(active).toBeTruthy();
    expect(await field.locator(`[id="${active}"]`).textContent()).toContain('Account 1234');
    await page.keyboard.press('Enter');
    expect(await input.getAttribute('aria-expanded')).toBe('false');
    expect(await input.inputValue()).toBe('Account 1234');

    // The multi-select takes two accounts, one of them removed again and replaced.
    const many = formField(page, 'accountIds');
    const manyInput = combobox(many);
    await page.keyboard.press('Tab');
    expect(await manyInput.evaluate((node) => node.matches(':focus'))).toBe(true);
    for (const search of ['1499', '0777', '0002']) {
      await page.keyboard.type(search);
      await expect.poll(() => optionLabels(many), { timeout: 5_000 }).toEqual([`Account ${search}`]);
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await expect.poll(() => manyInput.inputValue()).toBe('');
    }
    // Backspace in the empty input removes the last account picked.
    await page.keyboard.press('Backspace');
    await expect.poll(() => many.locator('[data-testid="chosen"]').allTextContents()).toEqual(['Account 1499', 'Account 0777'].map((label) => expect.stringContaining(label)));
    // Escape closes the list and leaves the focus in the input.
    await page.keyboard.type('15');
    await expect.poll(() => manyInput.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    expect(await manyInput.getAttribute('aria-expanded')).toBe('false');
    expect(await manyInput.evaluate((node) => node.matches(':focus'))).toBe(true);

    await page.locator('od-action-form [data-testid="submit"]').click();
    await expect.poll(async () => (await rowsOf('picks')).length, { timeout: 5000 }).toBe(before + 1);
    const last = (await rowsOf('picks')).at(-1)!;
    expect(last.AccountId).toBe(1234);
    expect(JSON.parse(String(last.AccountIds))).toEqual([1499, 777]);
    await page.close();
  });

  it('shows the label of a default past the first page', async () => {
    const page = await open(CLARA, 'picks');
    const input = combobox(formField(page, 'accountId'));
    await expect.poll(() => input.inputValue()).toBe('Account 1400');
    await page.close();
  });

  it('shows the label of a linked filter value', async () => {
    const page = await open(CLARA, 'browse', '?f.account=1450');
    const input = page.locator('od-filter-bar input[role="combobox"][data-filter="account"]');
    await expect.poll(() => input.inputValue()).toBe('Account 1450');
    await expect.poll(() => page.locator('od-data-table [data-testid="row"]').count()).toBe(1);

    // Picking another account by keyboard changes the URL and the table.
    await input.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('0999');
    const bar = page.locator('od-filter-bar');
    await expect.poll(() => optionLabels(bar)).toEqual(['Account 0999']);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('f.account')).toBe('999');
    await expect.poll(() => page.locator('od-data-table [data-testid="row"] [data-field="Name"]').allTextContents()).toEqual([expect.stringContaining('Account 0999')]);
    await page.close();
  });

  it('works inside a row action dialog', async () => {
    const before = (await rowsOf('picks')).length;
    const page = await open(CLARA, 'browse', '?f.account=5');
    const row = page.locator('od-data-table [data-testid="row"]');
    await expect.poll(() => row.count()).toBe(1);
    await row.locator('[data-action="pick"]').click();
    const dialog = page.locator('dialog[data-testid="action-dialog"]');
    const field = dialog.locator('[data-field="accountId"]');
    const input = combobox(field);
    await expect.poll(() => input.inputValue()).toBe('Account 1400');

    await input.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('no such account');
    await expect.poll(() => field.locator('.note').textContent()).toBe('No matches.');
    // The first Escape closes the list only, and the dialog stays open.
    await page.keyboard.press('Escape');
    expect(await input.getAttribute('aria-expanded')).toBe('false');
    expect(await dialog.evaluate((node) => node.hasAttribute('open'))).toBe(true);

    await page.keyboard.press('Control+A');
    await page.keyboard.type('0005');
    await expect.poll(() => optionLabels(field)).toEqual(['Account 0005']);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    // With the list closed, Enter submits the form.
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.evaluate((node) => node.hasAttribute('open'))).toBe(false);
    await expect.poll(async () => (await rowsOf('picks')).length, { timeout: 5000 }).toBe(before + 1);
    expect((await rowsOf('picks')).at(-1)!.AccountId).toBe(5);
    await page.close();
  });

  it('starts a job with a picked account', async () => {
    const before = (await rowsOf('picks')).length;
    const page = await open(CLARA, 'touch');
    const field = page.locator('od-job-start [data-field="accountId"]');
    const input = combobox(field);
    await input.waitFor();
    await input.focus();
    await page.keyboard.type('1333');
    await expect.poll(() => optionLabels(field)).toEqual(['Account 1333']);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator('od-job-start [data-testid="job-start"]').click();
    await expect.poll(async () => (await rowsOf('picks')).length, { timeout: 10_000 }).toBe(before + 1);
    expect((await rowsOf('picks')).at(-1)!.AccountId).toBe(1333);
    await page.close();
  });

  it('offers only accounts the user may see', async () => {
    const page = await open(PAT, 'picks');
    const field = formField(page, 'accountId');
    const input = combobox(field);
    await input.waitFor();
    await input.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('140');
    // Pat's row rule allows only the even (east) accounts.
    await expect.poll(() => optionLabels(field), { timeout: 5_000 }).toEqual(['Account 0140', 'Account 1140', 'Account 1400', 'Account 1402', 'Account 1404', 'Account 1406', 'Account 1408']);
    await page.close();
  });

  it('rejects an account the user may not see', async () => {
    const cookie = await devLogin(server.url, PAT);
    const hidden = await request(`${server.url}/api/apps/big/actions/pick`, { method: 'POST', cookie, json: { params: { accountId: 1401 } } });
    expect(hidden.status).toBe(400);
    expect(hidden.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['params.accountId']);
    const hiddenInList = await request(`${server.url}/api/apps/big/actions/pick`, { method: 'POST', cookie, json: { params: { accountId: 1402, accountIds: [1402, 1403] } } });
    expect(hiddenInList.status).toBe(400);
    expect(hiddenInList.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['params.accountIds']);
    const visible = await request(`${server.url}/api/apps/big/actions/pick`, { method: 'POST', cookie, json: { params: { accountId: 1402, accountIds: [1498] } } });
    expect(visible.status).toBe(200);
  });
});
