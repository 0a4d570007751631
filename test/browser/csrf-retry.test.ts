import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { serve, type RunningServer } from '../../runtime/server.js';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { UI_DIR } from '../helpers/server.js';

let temp: TempRoot;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  temp = copyChinookApp();
  server = await serve({ root: temp.root, log: pino({ level: 'silent' }), port: 0, host: '127.0.0.1', watch: false, uiDir: UI_DIR });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  temp?.remove();
});

/** Records the status and error code of every POST the page sends. */
function recordPosts(page: Page): Array<{ path: string; status: number; code?: string; token: boolean }> {
  const posts: Array<{ path: string; status: number; code?: string; token: boolean }> = [];
  page.on('response', async (response) => {
    if (response.request().method() !== 'POST') return;
    const body = (await response.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
    const token = (await response.request().headerValue('x-csrf-token')) !== null;
    posts.push({ path: new URL(response.url()).pathname, status: response.status(), code: body?.error?.code, token });
  });
  return posts;
}

describe('UI CSRF token', () => {
  it('signs in and queries with the token', async () => {
    const page = await browser.newPage();
    const posts = recordPosts(page);
    await page.goto(`${server.url}/login`);
    await page.locator('[data-user="ana@chinook.example"]').click();
    await page.waitForURL(`${server.url}/apps/chinook-support/pages/customers`);
    await page.locator('[data-testid="row"]').first().waitFor();
    await expect.poll(() => posts.length).toBeGreaterThanOrEqual(2);
    expect(posts[0]).toMatchObject({ path: '/api/dev/login', status: 200, token: true });
    expect(posts.every((post) => post.token && post.status === 200)).toBe(true);
    await page.close();
  });

  it('fetches a new token once after csrf_failed', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.locator('[data-user="ana@chinook.example"]').click();
    await page.locator('[data-testid="row"]').first().waitFor();

    // Losing the cookie makes the page's cached token invalid, as a restarted browser session would.
    await page.context().clearCookies({ name: 'opsdeck_csrf' });
    const posts = recordPosts(page);
    await page.locator('[data-testid="search"]').first().fill('Gonçalves');
    await expect.poll(() => page.locator('[data-testid="row"]').count()).toBe(1);
    await expect.poll(() => posts.length).toBe(2);
    expect(posts[0]).toMatchObject({ status: 403, code: 'csrf_failed' });
    expect(posts[1]).toMatchObject({ path: posts[0].path, status: 200 });
    await page.close();
  });
});
