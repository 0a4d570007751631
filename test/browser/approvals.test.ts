// Approvals in Chromium. An agent runs a refund that needs approval, gets a
// toast that it was sent for approval, and finds it waiting. A lead opens the
// Approvals page, reads the request with its preview, and approves it. The row
// then shows the refund, made as the agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';
import type { TempRoot } from '../helpers/apps.js';
import { AMY, LEA, writeRefundsApp } from '../runtime/approvals-app.js';

const SCREENSHOT = process.env.OPSDECK_APPROVALS_SCREENSHOT ?? '/tmp/approvals.png';

let temp: TempRoot;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  temp = writeRefundsApp();
  server = await startServer(temp.root);
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  temp?.remove();
});

async function signIn(user: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', (dialog) => {
    throw new Error(`unexpected browser dialog: ${dialog.message()}`);
  });
  await page.goto(`${server.url}/login`);
  await page.locator(`[data-user="${user}"]`).click();
  await page.waitForURL(`${server.url}/apps/refunds/pages/orders`);
  await page.locator('[data-testid="row"]').first().waitFor();
  return page;
}

function orderRow(page: Page, id: number) {
  return page.locator('[data-testid="row"]').filter({ has: page.locator(`td[data-field="id"]`, { hasText: new RegExp(`^\\s*${id}\\s*$`) }) });
}

describe('approvals in Chromium', () => {
  it('sends a refund for approval and runs it once a lead approves', async () => {
    const agent = await signIn(AMY);
    const row = orderRow(agent, 4);
    await row.locator('[data-action="refund"]').click();
    await agent.locator('[data-testid="action-dialog"] input[name="refund"]').fill('75');
    await agent.locator('[data-testid="action-dialog"] input[name="reference"]').fill('R-775');
    await agent.locator('[data-testid="submit"]').click();
    await agent.locator('[data-testid="confirm"]').click();
    const toast = agent.locator('[data-testid="toast"]').last();
    await expect.poll(() => toast.textContent()).toContain('Refund order was sent for approval by lead');
    expect(await row.locator('td[data-field="refunded"]').textContent()).toContain('0');

    // The agent sees the request waiting, without buttons.
    await agent.locator('[data-page="_approvals"]').click();
    const own = agent.locator('[data-approval]').first();
    await own.waitFor();
    expect(await own.getAttribute('data-status')).toBe('pending');
    expect(await own.locator('[data-testid="approval-waiting"]').textContent()).toContain('Waiting for approval by lead');
    expect(await own.locator('[data-testid="approve"]').count()).toBe(0);
    expect(await own.locator('dd[data-param="reference"]').textContent()).toBe('***');

    const lead = await signIn(LEA);
    await lead.locator('[data-page="_approvals"]').click();
    await expect.poll(() => lead.locator('[data-testid="page-title"]').textContent()).toBe('Approvals');
    const request = lead.locator('[data-approval]').first();
    await request.waitFor();
    expect(await request.locator('[data-testid="approval-requester"]').textContent()).toBe('Amy Agent');
    expect(await request.locator('dd[data-param="refund"]').textContent()).toBe('75');
    expect(await request.locator('dd[data-param="id"]').textContent()).toBe('4');
    expect(await request.locator('[data-testid="preview-count"]').textContent()).toBe('This will change 1 row');
    expect(await request.locator('[data-column="refunded"] ins').textContent()).toBe('75');
    expect(await request.locator('[data-column="reference"] ins').textContent()).toBe('***');
    await request.locator('[data-testid="approval-comment"]').fill('Receipt checked.');
    await lead.screenshot({ path: SCREENSHOT, fullPage: true });

    await request.locator('[data-testid="approve"]').click();
    await expect.poll(() => lead.locator('[data-testid="toast"]').last().textContent()).toContain('Refund order approved and run');
    await lead.locator('[data-testid="approvals-empty"]').waitFor();
    await lead.locator('[data-filter="all"]').click();
    const done = lead.locator('[data-approval]').first();
    await expect.poll(() => done.getAttribute('data-status')).toBe('executed');
    expect(await done.locator('[data-testid="approval-decision"]').textContent()).toContain('Receipt checked.');

    await lead.locator('[data-page="orders"]').click();
    const refunded = orderRow(lead, 4);
    await expect.poll(() => refunded.locator('td[data-field="refunded"]').textContent()).toContain('75');
    expect(await refunded.locator('td[data-field="refunded_by"]').textContent()).toContain(AMY);
  }, 60_000);
});
