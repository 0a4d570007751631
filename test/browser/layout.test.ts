// Layout components in Chromium: markdown, grid, tabs, modal, drawer and detail,
// on the layout fixture app (test/fixtures/u2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { devLogin, request } from '../helpers/server.js';
import { layoutUrl, signIn, startLayoutEnv, type LayoutEnv } from '../fixtures/u2/browser.js';

let env: LayoutEnv;

beforeAll(async () => {
  env = await startLayoutEnv();
});

afterAll(async () => {
  await env?.close();
});

/** Saves a screenshot in the test's temporary folder and, with OPSDECK_SCREENSHOTS set, in that folder too. */
async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(env.temp.root, name);
  await page.screenshot({ path, fullPage: true });
  if (process.env.OPSDECK_SCREENSHOTS) copyFileSync(path, join(process.env.OPSDECK_SCREENSHOTS, name));
}

function customerRows(page: Page) {
  return page.locator('od-data-table[data-table="customers"] [data-testid="row"]');
}

/** Tells whether focus is inside the overlay with `id`: on the host, in its shadow root, or on one of its children. */
async function focusInOverlay(page: Page, id: string): Promise<boolean> {
  const selector = `od-overlay[data-overlay="${id}"]`;
  return page.evaluate((overlay) => {
    // The root tsconfig has no DOM types, so the browser globals are typed loosely here.
    const browser = globalThis as any;
    let element = browser.document.activeElement;
    while (element) {
      if (element.matches(overlay) || element.closest(overlay) !== null || element.getRootNode().host?.matches(overlay)) return true;
      element = element.shadowRoot?.activeElement ?? null;
    }
    return false;
  }, selector);
}

describe('client view of nested components', () => {
  it('leaves out containers whose children are all hidden', async () => {
    const cookie = await devLogin(env.server.url, 'cora@partner.example');
    const response = await request(`${env.server.url}/api/apps/chinook-support/spec`, { cookie });
    expect(response.status).toBe(200);
    const page = response.body.pages.find((candidate: { id: string }) => candidate.id === 'layout');
    const text = JSON.stringify(page);
    // The contractor may not run `notes` or `flagHistory`: the notes modal, the Notes tab and the row action opening the modal are gone.
    expect(text).not.toContain('notesModal');
    expect(text).not.toContain('"title":"Notes"');
    // The history modal keeps its help text, so it stays, with the button that opens it.
    expect(text).toContain('"id":"history"');
    expect(text).toContain('"open":"history"');
    expect(text).not.toContain('select ');
    const detail = page.components[1].columns[1].components[0];
    expect(detail.type).toBe('detail');
    expect(detail.fields.map((field: { field: string }) => field.field)).not.toContain('Phone');
    expect(detail.fields.find((field: { field: string }) => field.field === 'Email').masked).toBe(true);
    expect(Object.keys(response.body.queries)).toContain('customer');
  });

  it('keeps everything for a viewer', async () => {
    const cookie = await devLogin(env.server.url, 'victor@chinook.example');
    const response = await request(`${env.server.url}/api/apps/chinook-support/spec`, { cookie });
    const text = JSON.stringify(response.body.pages);
    expect(text).toContain('notesModal');
    expect(text).toContain('"title":"Notes"');
  });
});

describe('layout components in Chromium', () => {
  it('renders markdown as text only', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    const markdown = page.locator('od-markdown').first();
    const text = () => markdown.evaluate((element) => element.shadowRoot!.textContent ?? '');
    await expect.poll(text).toContain('How to use this page');
    // Page and card titles use h1 and h2, so `##` becomes h3.
    expect(await markdown.locator('h3').textContent()).toBe('How to use this page');
    expect(await markdown.locator('strong').first().textContent()).toBe('customer');
    expect(await text()).toContain('<script>window.markdownInjected = true</script>');
    expect(await text()).toContain('<b>not bold</b>');
    expect(await markdown.evaluate((element) => element.shadowRoot!.querySelectorAll('script, b').length)).toBe(0);
    expect(await page.evaluate(() => (globalThis as { markdownInjected?: boolean }).markdownInjected)).toBeUndefined();
    const links = markdown.locator('a');
    expect(await links.count()).toBe(1);
    expect(await links.first().getAttribute('href')).toBe('https://example.com/guide');
    expect(await text()).toContain('unsafe link');
    await page.close();
  });

  it('shows detail empty, then the selected record', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    const detail = page.locator('od-detail').first();
    await expect.poll(() => detail.getAttribute('data-state')).toBe('waiting');
    expect(await detail.locator('[data-testid="detail-empty"]').textContent()).toContain('Select a row in Customers');

    const row = customerRows(page).nth(1);
    const lastName = (await row.locator('[data-field="LastName"]').textContent())!.trim();
    await row.click();
    await expect.poll(() => detail.getAttribute('data-state')).toBe('ready');
    expect((await detail.locator('[data-field="LastName"] dd').textContent())!.trim()).toBe(lastName);
    // Format comes from the column: the email is a mailto link, the status a badge.
    expect(await detail.locator('[data-field="Email"] a').getAttribute('href')).toMatch(/^mailto:/);
    expect(await detail.locator('[data-field="Status"] .badge').count()).toBe(1);
    await screenshot(page, 'layout-1280.png');
    await page.close();
  });

  it('puts grid columns side by side at 1280 px', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    const table = await page.locator('od-data-table[data-table="customers"]').boundingBox();
    const detail = await page.locator('od-detail').first().boundingBox();
    expect(table).not.toBeNull();
    expect(detail).not.toBeNull();
    expect(detail!.x).toBeGreaterThan(table!.x + table!.width - 1);
    expect(Math.abs(detail!.y - table!.y)).toBeLessThan(2);
    // Span 8 of 12 against 4 of 12: the table is about twice as wide.
    expect(table!.width / detail!.width).toBeGreaterThan(1.7);
    await page.close();
  });

  it('stacks grid columns at 800 px', async () => {
    const page = await signIn(env, 'victor@chinook.example', { width: 800 });
    const table = await page.locator('od-data-table[data-table="customers"]').boundingBox();
    const detail = await page.locator('od-detail').first().boundingBox();
    expect(detail!.y).toBeGreaterThanOrEqual(table!.y + table!.height - 1);
    expect(Math.abs(detail!.width - table!.width)).toBeLessThan(2);
    await screenshot(page, 'layout-800.png');
    await page.close();
  });

  it('moves between tabs with arrow keys', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    await customerRows(page).first().click();
    const tabs = page.locator('od-tabs[data-tabs="view"]');
    const invoicesTab = tabs.locator('[role="tab"][data-tab="invoices"]');
    const notesTab = tabs.locator('[role="tab"][data-tab="notes"]');
    expect(await invoicesTab.getAttribute('aria-selected')).toBe('true');
    expect(await notesTab.getAttribute('tabindex')).toBe('-1');
    await tabs.locator('od-data-table').first().waitFor();

    await invoicesTab.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => notesTab.getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => notesTab.evaluate((element) => element.matches(':focus'))).toBe(true);
    expect(await invoicesTab.getAttribute('aria-selected')).toBe('false');
    await expect.poll(() => tabs.locator('section[data-section] > h2').textContent()).toBe('Notes');
    expect(new URL(page.url()).searchParams.get('view')).toBe('notes');

    // ArrowRight on the last tab wraps to the first; Home and End jump.
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => invoicesTab.getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('End');
    await expect.poll(() => notesTab.getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => invoicesTab.getAttribute('aria-selected')).toBe('true');
    expect(new URL(page.url()).searchParams.get('view')).toBeNull();
    await page.close();
  });

  it('opens a modal from a button and closes it with Escape', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    const button = page.locator('button[data-open="history"]');
    const overlay = page.locator('od-overlay[data-overlay="history"]');
    const dialog = overlay.locator('dialog');
    expect(await dialog.getAttribute('open')).toBeNull();
    await button.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.getAttribute('open')).not.toBeNull();
    expect(await dialog.getAttribute('aria-labelledby')).toBe('overlay-title');
    expect(await overlay.locator('h2#overlay-title').textContent()).toBe('Flag history');
    await overlay.locator('od-data-table').waitFor();
    expect(await focusInOverlay(page, 'history')).toBe(true);

    // Tab never leaves the dialog.
    for (let step = 0; step < 8; step += 1) {
      await page.keyboard.press('Tab');
      expect(await focusInOverlay(page, 'history')).toBe(true);
    }
    await screenshot(page, 'modal.png');

    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.getAttribute('open')).toBeNull();
    await expect.poll(() => button.evaluate((element) => element.matches(':focus'))).toBe(true);
    // Its contents are gone while it is closed, so its table stops querying.
    expect(await overlay.locator('od-data-table').count()).toBe(0);
    await page.close();
  });

  it('opens a modal from a row action for that row', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    const row = customerRows(page).nth(2);
    const opener = row.locator('button[data-action="open:notesModal"]');
    expect((await opener.textContent())!.trim()).toBe('Notes');
    await opener.click();
    const overlay = page.locator('od-overlay[data-overlay="notesModal"]');
    await expect.poll(() => overlay.locator('dialog').getAttribute('open')).not.toBeNull();
    // The row is selected first, so the modal's table follows it.
    await expect.poll(() => row.getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => overlay.locator('od-data-table').getAttribute('data-state')).toMatch(/ready|empty/);

    await page.keyboard.press('Escape');
    await expect.poll(() => overlay.locator('dialog').getAttribute('open')).toBeNull();
    await expect.poll(() => opener.evaluate((element) => element.matches(':focus'))).toBe(true);
    await page.close();
  });

  it('opens a drawer at the right edge and closes it with its button', async () => {
    const page = await signIn(env, 'victor@chinook.example');
    const row = customerRows(page).first();
    const firstName = (await row.locator('[data-field="FirstName"]').textContent())!.trim();
    await row.locator('button[data-action="open:customerDrawer"]').click();
    const overlay = page.locator('od-overlay[data-overlay="customerDrawer"]');
    const dialog = overlay.locator('dialog');
    await expect.poll(() => dialog.getAttribute('open')).not.toBeNull();
    await expect.poll(() => overlay.locator('od-detail').getAttribute('data-state')).toBe('ready');
    expect((await overlay.locator('od-detail [data-field="FirstName"] dd').textContent())!.trim()).toBe(firstName);
    const box = await dialog.boundingBox();
    expect(Math.round(box!.x + box!.width)).toBe(1280);
    expect(box!.height).toBeGreaterThan(790);
    await screenshot(page, 'drawer.png');

    await overlay.locator('[data-testid="overlay-close"]').click();
    await expect.poll(() => dialog.getAttribute('open')).toBeNull();
    await page.close();
  });

  it('serves the layout page to a contractor without the hidden parts', async () => {
    const page = await signIn(env, 'cora@partner.example');
    expect(await page.locator('od-tabs [role="tab"]').count()).toBe(1);
    expect(await page.locator('od-overlay[data-overlay="notesModal"]').count()).toBe(0);
    expect(await customerRows(page).first().locator('button[data-action="open:notesModal"]').count()).toBe(0);
    expect(page.url()).toBe(layoutUrl(env));
    await page.close();
  });
});
