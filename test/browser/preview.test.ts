import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { serve, type RunningServer } from '../../runtime/server.js';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { UI_DIR } from '../helpers/server.js';

// A fixed loopback port, so this suite's server never collides with the ephemeral ports other suites use.
const HOSTILE_VALUE = '<img src=x onerror=alert(1)>';
const PREVIEW_ROUTE = '**/api/apps/chinook-support/actions/flagCustomer/preview';

let temp: TempRoot;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  temp = copyChinookApp();
  const specFile = join(temp.appDir, 'app.yaml');
  const spec = readFileSync(specFile, 'utf8');
  const expectLine = '    expect: { rows: 1, message: This account is already flagged. }\n';
  if (!spec.includes(expectLine)) throw new Error(`the flagCustomer action in ${specFile} no longer has the line ${JSON.stringify(expectLine)}; update this test's spec edit.`);
  writeFileSync(specFile, spec.replace(expectLine, `${expectLine}    preview: { table: customer_flag, key: flag_id }\n`));
  server = await serve({ root: temp.root, log: pino({ level: 'silent' }), port: 0, host: '127.0.0.1', watch: false, uiDir: UI_DIR });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  temp?.remove();
});

async function signIn(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected browser dialog: ${dialog.message()}`);
  });
  await page.goto(`${server.url}/login`);
  await page.locator('[data-user="ana@chinook.example"]').click();
  await page.waitForURL(`${server.url}/apps/chinook-support/pages/customers`);
  await page.locator('[data-testid="row"]').first().waitFor();
  return page;
}

/** Searches the customers table and waits until exactly one row is left. */
async function search(page: Page, text: string): Promise<void> {
  await page.locator('[data-testid="search"]').first().fill(text);
  await expect.poll(async () => page.locator('od-data-table').first().locator('[data-testid="row"]').count(), { timeout: 5_000 }).toBe(1);
}

function firstRow(page: Page) {
  return page.locator('od-data-table').first().locator('[data-testid="row"]').first();
}

/** Opens "Flag account" on the first row with the mouse and enters a reason. */
async function openFlagDialog(page: Page, reason: string): Promise<void> {
  const row = firstRow(page);
  await row.locator('[data-testid="row-actions"]').click();
  await row.locator('[role="menuitem"][data-action="flagCustomer"]').click();
  await page.locator('textarea[name="reason"]').fill(reason);
}

/** Returns the ids of the customers with an active flag, read through the API with the page's session. */
async function flaggedCustomerIds(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const token = (await fetch('/api/session')).headers.get('x-csrf-token') ?? '';
    const response = await fetch('/api/apps/chinook-support/queries/flaggedAccounts', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      body: '{}',
    });
    const body = (await response.json()) as { rows: Array<{ CustomerId: number }> };
    return body.rows.map((row) => row.CustomerId);
  });
}

async function focusedTestId(page: Page): Promise<string | null> {
  const focused = page.locator('button[data-testid]:focus');
  return (await focused.count()) === 1 ? focused.getAttribute('data-testid') : null;
}

describe('action preview in Chromium', () => {
  it('previews the flag, then flags on Confirm', async () => {
    const page = await signIn();
    let previewRequests = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/actions/flagCustomer/preview')) previewRequests += 1;
    });
    await search(page, 'Hansen');
    const reason = 'Disputed two card payments this week';
    await openFlagDialog(page, reason);
    await page.locator('[data-testid="submit"]').click();

    const preview = page.locator('[data-testid="preview"]');
    await expect.poll(() => preview.locator('[data-testid="preview-count"]').textContent()).toBe('This will change 1 row');
    // The spec's confirm text still shows above the preview.
    expect(await page.locator('[data-testid="confirm-step"] .confirm-text').textContent()).toContain('Flag the account of Bjørn Hansen?');
    const sampleRows = preview.locator('[data-testid="preview-row"]');
    expect(await sampleRows.count()).toBe(1);
    expect(await sampleRows.first().getAttribute('data-kind')).toBe('inserted');
    expect(await sampleRows.first().locator('.kind').textContent()).toBe('Inserted');
    expect(await sampleRows.first().locator('[data-column="reason"] ins').textContent()).toBe(reason);
    expect(await sampleRows.first().locator('[data-column="customer_id"] ins').textContent()).toBe('4');
    expect(await sampleRows.first().locator('[data-column="flagged_by"] ins').textContent()).toBe('ana@chinook.example');
    // An inserted row has nothing before, and its null columns did not change.
    expect(await sampleRows.first().locator('del').count()).toBe(0);
    expect(await sampleRows.first().locator('[data-column="cleared_at"]').count()).toBe(0);
    expect(await preview.locator('[data-testid="not-previewed"]').count()).toBe(0);
    expect(await focusedTestId(page)).toBe('confirm');
    await page.screenshot({ path: join(process.env.OPSDECK_SCREENSHOT_DIR ?? temp.root, 'preview-step.png') });

    // The preview was rolled back, so the account is not flagged yet.
    expect(await flaggedCustomerIds(page)).not.toContain(4);

    // Cancel goes back to the fields with the reason kept. Submitting again requests a new preview.
    await page.locator('[data-testid="cancel"]').click();
    expect(await page.locator('textarea[name="reason"]').inputValue()).toBe(reason);
    expect(await preview.count()).toBe(0);
    await page.locator('[data-testid="submit"]').click();
    await expect.poll(() => preview.locator('[data-testid="preview-count"]').textContent()).toBe('This will change 1 row');
    expect(previewRequests).toBe(2);

    await page.locator('[data-testid="confirm"]').click();
    await expect.poll(() => page.locator('[data-testid="toast"]').first().textContent()).toContain('flagged');
    await expect.poll(() => firstRow(page).textContent()).toContain('flagged');
    expect(await flaggedCustomerIds(page)).toContain(4);
    await page.close();
  });

  it('shows a 409 preview without Confirm', async () => {
    const page = await signIn();
    await search(page, 'Gonçalves');
    // Flag the account behind the table's back, so the row still offers "Flag account" and the preview returns 409.
    const status = await page.evaluate(async () => {
      const token = (await fetch('/api/session')).headers.get('x-csrf-token') ?? '';
      const response = await fetch('/api/apps/chinook-support/actions/flagCustomer', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token },
        body: JSON.stringify({ params: { id: 1, reason: 'Flagged in another tab first' } }),
      });
      return response.status;
    });
    expect(status).toBe(200);

    await openFlagDialog(page, 'Second agent tries the same flag');
    await page.locator('[data-testid="submit"]').click();
    const error = page.locator('[data-testid="confirm-step"] [data-testid="form-error"]');
    await expect.poll(() => error.textContent()).toContain('This account is already flagged.');
    expect(await page.locator('[data-testid="confirm"]').count()).toBe(0);
    expect(await page.locator('[data-testid="preview"]').count()).toBe(0);
    expect(await focusedTestId(page)).toBe('cancel');

    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="action-dialog"]').getAttribute('open')).toBeNull();
    await page.close();
  });

  it('previews and confirms with the keyboard only', async () => {
    const page = await signIn();
    await search(page, 'Leonie');
    const row = firstRow(page);
    const menuButton = row.locator('[data-testid="row-actions"]');
    await menuButton.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => menuButton.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('[data-action="flagCustomer"]:focus').count()).toBe(1);
    await page.keyboard.press('Enter');

    const reason = page.locator('textarea[name="reason"]');
    await expect.poll(() => reason.evaluate((element) => element.matches(':focus'))).toBe(true);
    await page.keyboard.type('Asked us to freeze the account');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focusedTestId(page)).toBe('submit');
    await page.keyboard.press('Enter');

    await expect.poll(() => page.locator('[data-testid="preview-count"]').textContent()).toBe('This will change 1 row');
    await expect.poll(() => focusedTestId(page)).toBe('confirm');
    // Shift+Tab reaches Cancel and Tab comes back, so both buttons are in the tab order.
    await page.keyboard.press('Shift+Tab');
    expect(await focusedTestId(page)).toBe('cancel');
    await page.keyboard.press('Tab');
    expect(await focusedTestId(page)).toBe('confirm');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid="toast"]').first().textContent()).toContain('flagged');
    await expect.poll(() => row.textContent()).toContain('flagged');
    await page.close();
  });

  it('shows updated and deleted sample rows as text', async () => {
    const page = await signIn();
    await search(page, 'Tremblay');
    await page.route(PREVIEW_ROUTE, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          changes: 12,
          sample: [
            { key: 5, before: { flag_id: 5, reason: 'old reason', flagged_by: 'ana' }, after: { flag_id: 5, reason: HOSTILE_VALUE, flagged_by: 'ana' } },
            { key: 6, before: { flag_id: 6, reason: 'gone', cleared_at: null }, after: null },
          ],
          steps: [{ id: 'insert', changes: 12 }],
          notPreviewed: ['announce', 'page'],
          note: 'HTTP steps are not run by a preview.',
        }),
      }),
    );
    await openFlagDialog(page, 'A reason long enough');
    await page.locator('[data-testid="submit"]').click();

    const preview = page.locator('[data-testid="preview"]');
    await expect.poll(() => preview.locator('[data-testid="preview-count"]').textContent()).toBe('This will change 12 rows');
    expect(await preview.locator('[data-testid="preview-shown"]').textContent()).toBe('Showing 2 of the 12 changed rows.');
    const updated = preview.locator('[data-testid="preview-row"][data-kind="updated"]');
    expect(await updated.locator('[data-column="reason"] del').textContent()).toBe('old reason');
    expect(await updated.locator('[data-column="reason"] ins').textContent()).toBe(HOSTILE_VALUE);
    // Unchanged columns are left out.
    expect(await updated.locator('[data-column="flagged_by"]').count()).toBe(0);
    expect(await updated.locator('[data-column="flag_id"]').count()).toBe(0);

    const deleted = preview.locator('[data-testid="preview-row"][data-kind="deleted"]');
    expect(await deleted.locator('.kind').textContent()).toBe('Deleted');
    expect(await deleted.locator('[data-column="reason"] del').textContent()).toBe('gone');
    expect(await deleted.locator('ins').count()).toBe(0);

    expect(await preview.locator('[data-testid="not-previewed"] li').allTextContents()).toEqual(['announce', 'page']);
    expect(await preview.locator('[data-testid="preview-note"]').textContent()).toBe('HTTP steps are not run by a preview.');
    expect(await preview.locator('[data-testid="preview-steps"]').textContent()).toContain('insert (12 rows)');
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await page.screenshot({ path: join(process.env.OPSDECK_SCREENSHOT_DIR ?? temp.root, 'preview-sample.png') });
    await page.close();
  });

  it('shows Previewing, then a server error at the top', async () => {
    const page = await signIn();
    await search(page, 'Tremblay');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(PREVIEW_ROUTE, async (route) => {
      await gate;
      await route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'app_unavailable', message: 'The database of chinook-support cannot be reached.' } }),
      });
    });
    await openFlagDialog(page, 'A reason long enough');
    const submit = page.locator('[data-testid="submit"]');
    await submit.click();
    await expect.poll(() => submit.textContent()).toContain('Previewing…');
    expect(await submit.isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="action-dialog"] form').getAttribute('aria-busy')).toBe('true');

    release();
    const error = page.locator('[data-testid="action-dialog"] [data-testid="form-error"]');
    await expect.poll(() => error.textContent()).toContain('cannot be reached');
    expect(await page.locator('[data-testid="confirm-step"]').count()).toBe(0);
    expect(await submit.isDisabled()).toBe(false);
    const formBox = await page.locator('[data-testid="action-dialog"] od-action-form').boundingBox();
    const errorBox = await error.boundingBox();
    expect(formBox).not.toBeNull();
    expect(errorBox).not.toBeNull();
    expect(Math.abs(errorBox!.y - formBox!.y)).toBeLessThan(4);
    await page.close();
  });

  it('rejects a malformed preview response', async () => {
    const page = await signIn();
    await search(page, 'Tremblay');
    await page.route(PREVIEW_ROUTE, (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ changes: 'many', sample: [] }) }),
    );
    await openFlagDialog(page, 'A reason long enough');
    await page.locator('[data-testid="submit"]').click();
    const error = page.locator('[data-testid="action-dialog"] [data-testid="form-error"]');
    await expect.poll(() => error.textContent()).toContain('invalid "changes"');
    expect(await page.locator('[data-testid="confirm"]').count()).toBe(0);
    await page.close();
  });
});
