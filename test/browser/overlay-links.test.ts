// The open modal or drawer in the page URL, in Chromium: opening one adds
// `<id>=open` as a history entry, closing removes it, the back button closes
// it, and a pasted link opens it. Unknown ids, other values and overlays the
// user may not see are dropped from the URL.
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

function search(page: Page): URLSearchParams {
  return new URL(page.url()).searchParams;
}

function dialogOf(page: Page, id: string) {
  return page.locator(`od-overlay[data-overlay="${id}"] dialog`);
}

async function isOpen(page: Page, id: string): Promise<boolean> {
  return (await dialogOf(page, id).getAttribute('open')) !== null;
}

describe('open modal or drawer in the URL', () => {
  it('records a modal opened by a button, and back closes it', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    expect(search(page).get('history')).toBeNull();
    await page.locator('button[data-open="history"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => isOpen(page, 'history')).toBe(true);
    expect(search(page).get('history')).toBe('open');

    await page.goBack({ waitUntil: 'commit' });
    await expect.poll(() => isOpen(page, 'history')).toBe(false);
    await expect.poll(() => page.url()).toBe(layoutUrl(env));

    await page.goForward({ waitUntil: 'commit' });
    await expect.poll(() => isOpen(page, 'history')).toBe(true);
    await page.close();
  });

  it('removes the id when the modal closes with Escape', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    await page.locator('button[data-open="history"]').click();
    await expect.poll(() => search(page).get('history')).toBe('open');
    await expect.poll(() => isOpen(page, 'history')).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => isOpen(page, 'history')).toBe(false);
    // The dialog's close event, which updates the URL, comes a moment after the dialog closed.
    await expect.poll(() => search(page).get('history')).toBeNull();
    // The closed state replaced the open one, so back leaves the page state as it was before opening.
    await page.goBack({ waitUntil: 'commit' });
    await expect.poll(() => page.url()).toBe(layoutUrl(env));
    expect(await isOpen(page, 'history')).toBe(false);
    await page.close();
  });

  it('records a drawer opened by a row action with its row', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    const row = page.locator('od-data-table[data-table="customers"] [data-testid="row"]').nth(1);
    const id = (await row.getAttribute('data-key'))!.replace(/^k:/, '');
    await row.locator('button[data-action="open:customerDrawer"]').click();
    await expect.poll(() => isOpen(page, 'customerDrawer')).toBe(true);
    expect(search(page).get('customerDrawer')).toBe('open');
    expect(search(page).get('customers')).toBe(id);

    await page.goBack({ waitUntil: 'commit' });
    await expect.poll(() => isOpen(page, 'customerDrawer')).toBe(false);
    await expect.poll(() => search(page).get('customerDrawer')).toBeNull();
    // The row stays selected: selecting it was a step of its own.
    expect(search(page).get('customers')).toBe(id);

    // Closing with the close button removes the id as well.
    await page.goForward({ waitUntil: 'commit' });
    await expect.poll(() => isOpen(page, 'customerDrawer')).toBe(true);
    await page.locator('od-overlay[data-overlay="customerDrawer"] [data-testid="overlay-close"]').click();
    await expect.poll(() => search(page).get('customerDrawer')).toBeNull();
    await page.close();
  });

  it('opens the drawer of a pasted link, for the linked row', async () => {
    const first = await signIn(env, 'victor@chinook.example');
    const row = first.locator('od-data-table[data-table="customers"] [data-testid="row"]').nth(2);
    const id = (await row.getAttribute('data-key'))!.replace(/^k:/, '');
    const firstName = (await row.locator('[data-field="FirstName"]').textContent())!.trim();
    await first.close();

    const page = await signIn(env, 'victor@chinook.example', { url: layoutUrl(env, `?customers=${id}&customerDrawer=open`) });
    await expect.poll(() => isOpen(page, 'customerDrawer')).toBe(true);
    const overlay = page.locator('od-overlay[data-overlay="customerDrawer"]');
    await expect.poll(() => overlay.locator('od-detail').getAttribute('data-state')).toBe('ready');
    expect((await overlay.locator('od-detail [data-field="FirstName"] dd').textContent())!.trim()).toBe(firstName);
    await page.close();
  });

  it('ignores other values, unknown ids and a second overlay', async () => {
    const page = await signIn(env, 'victor@chinook.example', { url: layoutUrl(env, '?history=yes&nosuch=open') });
    await expect.poll(() => page.url()).toBe(layoutUrl(env));
    expect(await isOpen(page, 'history')).toBe(false);

    const both = await signIn(env, 'victor@chinook.example', { url: layoutUrl(env, '?customerDrawer=open&history=open') });
    // Only one opens: the first the page declares.
    await expect.poll(() => isOpen(both, 'history')).toBe(true);
    expect(await isOpen(both, 'customerDrawer')).toBe(false);
    expect(search(both).get('customerDrawer')).toBeNull();
    await page.close();
    await both.close();
  });

  it('drops a modal the user may not see', async () => {
    const page = await signIn(env, 'cora@partner.example', { url: layoutUrl(env, '?notesModal=open') });
    await expect.poll(() => page.url()).toBe(layoutUrl(env));
    expect(await page.locator('od-overlay[data-overlay="notesModal"]').count()).toBe(0);
    await page.close();
  });
});
