// Deep links in Chromium: the page URL contains the open tab and the selected
// row of each table with an id. A pasted link restores them, and the back
// button steps through them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { layoutUrl, signIn, startLayoutEnv, type LayoutEnv } from '../fixtures/u2/browser.js';

let env: LayoutEnv;

beforeAll(async () => {
  env = await startLayoutEnv();
});

afterAll(async () => {
  await env?.close();
});

function customerRows(page: Page) {
  return page.locator('od-data-table[data-table="customers"] [data-testid="row"]');
}

function search(page: Page): URLSearchParams {
  return new URL(page.url()).searchParams;
}

async function detailLastName(page: Page): Promise<string> {
  const detail = page.locator('od-detail').first();
  await expect.poll(() => detail.getAttribute('data-state')).toBe('ready');
  return (await detail.locator('[data-field="LastName"] dd').textContent())!.trim();
}

/** Last name in a customer row. */
async function lastNameOf(page: Page, index: number): Promise<string> {
  return (await customerRows(page).nth(index).locator('[data-field="LastName"]').textContent())!.trim();
}

describe('deep links', () => {
  it('writes the selection and the open tab into the URL', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    expect(page.url()).toBe(layoutUrl(env));
    await customerRows(page).nth(1).click();
    await expect.poll(() => search(page).get('customers')).toBe('2');
    await page.locator('od-tabs [role="tab"][data-tab="notes"]').click();
    await expect.poll(() => search(page).get('view')).toBe('notes');
    expect(new URL(page.url()).search).toBe('?customers=2&view=notes');
    await page.close();
  });

  it('restores a pasted link', async () => {
    const page = await signIn(env, 'victor@chinook.example', { url: layoutUrl(env, '?customers=3&view=notes') });
    const name = await lastNameOf(page, 2);
    await expect.poll(() => customerRows(page).nth(2).getAttribute('aria-selected')).toBe('true');
    expect(await detailLastName(page)).toBe(name);
    expect(await page.locator('od-tabs [role="tab"][data-tab="notes"]').getAttribute('aria-selected')).toBe('true');
    // The notes table inside the tab follows the restored customer rather than waiting for a click.
    await expect.poll(() => page.locator('od-tabs od-data-table').getAttribute('data-state')).toMatch(/ready|empty/);
    expect(new URL(page.url()).search).toBe('?customers=3&view=notes');
    await page.close();
  });

  it('restores a row that is not on the first page', async () => {
    // Customer 42 sits on page 5 of the customers table (10 rows a page).
    const page = await signIn(env, 'victor@chinook.example', { url: layoutUrl(env, '?customers=42&invoices=') });
    expect(await detailLastName(page)).toBe('Girard');
    await expect.poll(() => page.locator('od-tabs od-data-table').first().getAttribute('data-state')).toBe('ready');
    expect(await customerRows(page).locator('[aria-selected="true"]').count()).toBe(0);
    expect(search(page).get('customers')).toBe('42');
    await page.close();
  });

  it('drops unknown keys and tabs from the URL', async () => {
    const page = await signIn(env, 'victor@chinook.example', { url: layoutUrl(env, '?view=nope&evil=%3Cscript%3E&customers=') });
    await expect.poll(() => new URL(page.url()).search).toBe('');
    expect(await page.locator('od-tabs [role="tab"][data-tab="invoices"]').getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('od-detail').first().getAttribute('data-state')).toBe('waiting');
    await page.close();
  });

  it('steps back through selections and tabs', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    const first = await lastNameOf(page, 0);
    const second = await lastNameOf(page, 1);
    await customerRows(page).nth(0).click();
    await expect.poll(() => search(page).get('customers')).toBe('1');
    await customerRows(page).nth(1).click();
    await expect.poll(() => search(page).get('customers')).toBe('2');
    expect(await detailLastName(page)).toBe(second);
    await page.locator('od-tabs [role="tab"][data-tab="notes"]').click();
    await expect.poll(() => search(page).get('view')).toBe('notes');

    await page.goBack();
    await expect.poll(() => page.locator('od-tabs [role="tab"][data-tab="invoices"]').getAttribute('aria-selected')).toBe('true');
    expect(search(page).get('customers')).toBe('2');

    await page.goBack();
    await expect.poll(() => search(page).get('customers')).toBe('1');
    await expect.poll(() => detailLastName(page)).toBe(first);
    await expect.poll(() => customerRows(page).nth(0).getAttribute('aria-selected')).toBe('true');
    expect(await customerRows(page).nth(1).getAttribute('aria-selected')).toBe('false');

    await page.goBack();
    await expect.poll(() => page.locator('od-detail').first().getAttribute('data-state')).toBe('waiting');
    expect(page.url()).toBe(layoutUrl(env));

    await page.goForward();
    await expect.poll(() => detailLastName(page)).toBe(first);
    await page.close();
  });

  it('keeps the state when the back button returns from another page', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    const second = await lastNameOf(page, 1);
    await customerRows(page).nth(1).click();
    await expect.poll(() => search(page).get('customers')).toBe('2');
    await page.locator('a[href$="/pages/flags"]').first().click();
    await page.waitForURL(/\/pages\/flags$/);
    await page.locator('od-data-table').first().waitFor();

    await page.goBack();
    await page.waitForURL(/\/pages\/layout/);
    await expect.poll(() => new URL(page.url()).search).toBe('?customers=2');
    expect(await detailLastName(page)).toBe(second);
    await page.close();
  });
});
