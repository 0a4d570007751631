// Single sign-on in Chromium: the sign-in screen's button, the provider's
// login and consent forms (oidc-provider's development interactions), and the
// way back into Opsdeck, signed in.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../runtime/server.js';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { freePort, startProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { UI_DIR } from '../helpers/server.js';

const SECRET_VARIABLE = 'OPSDECK_TEST_OIDC_BROWSER_SECRET';
const CLIENT_SECRET = 'oidc-browser-test-secret-8125';

let temp: TempRoot;
let provider: TestProvider;
let running: RunningServer;
let browser: Browser;
let url: string;

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  provider = await startProvider([{ clientId: 'opsdeck', clientSecret: CLIENT_SECRET, redirectUris: [`${url}/auth/callback`], postLogoutRedirectUris: [`${url}/`] }]);
  process.env[SECRET_VARIABLE] = CLIENT_SECRET;
  temp = copyChinookApp();
  writeFileSync(
    join(temp.root, 'opsdeck.yaml'),
    [
      'identity:',
      '  mode: oidc',
      '  oidc:',
      `    issuer: ${provider.issuer}`,
      '    clientId: opsdeck',
      `    clientSecret: \${env:${SECRET_VARIABLE}}`,
      `    redirectUrl: ${url}/auth/callback`,
      '    attributeClaims: [region]',
      '',
    ].join('\n'),
  );
  running = await serve({ root: temp.root, log: pino({ level: 'silent' }), port, host: '127.0.0.1', watch: false, uiDir: UI_DIR });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await running?.close();
  await provider?.close();
  temp?.remove();
});

describe('oidc sign-in in the browser', () => {
  it('signs in through the provider', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // NOTE: in oidc mode the app root (`/`) still shows the proxy mode's "not signed in" card,
    // because ui/components/app-root.ts sends a 401 to /login only in dev mode. So the test opens /login.
    await page.goto(`${url}/login`);
    const button = page.locator('[data-testid="sso-sign-in"]');
    await expect(button.textContent()).resolves.toContain('Sign in with single sign-on');
    expect(await page.locator('[data-testid="dev-signin-banner"]').count()).toBe(0);
    expect(await button.getAttribute('href')).toBe('/auth/login?returnTo=%2F');
    await page.screenshot({ path: '/tmp/oidc-sign-in-screen.png' });

    await button.click();
    await page.waitForURL(`${provider.issuer}/interaction/**`);
    await page.locator('input[name="login"]').fill('ana@example.com');
    await page.locator('input[name="password"]').fill('any-password');
    await page.locator('button[type="submit"]').click();
    // The development interactions ask for consent once per client.
    await page.waitForURL(`${provider.issuer}/interaction/**`);
    await page.locator('button[type="submit"]').click();

    await page.waitForURL((current) => current.origin === url && !current.pathname.startsWith('/auth/'));
    const session = (await page.evaluate(async () => (await fetch('/api/session')).json())) as { user: { id: string; groups: string[] }; mode: string };
    expect(session.user.id).toBe('ana@example.com');
    expect(session.user.groups).toEqual(['support', 'support-leads']);
    expect(session.mode).toBe('oidc');

    // Ana may open only chinook-support, so the app list opens its first page.
    await page.goto(`${url}/`);
    await page.waitForURL(`${url}/apps/chinook-support/pages/customers`);
    await page.locator('[data-testid="row"]').first().waitFor();
    await expect(page.locator('[data-testid="user"]').textContent()).resolves.toContain('Ana Agent');
    await page.screenshot({ path: '/tmp/oidc-signed-in.png', fullPage: true });
    await page.close();
  }, 60_000);
});
