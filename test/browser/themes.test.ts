// Light and dark themes in Chromium: the dark theme follows
// `prefers-color-scheme`, recolours the page, keeps body text at WCAG AA
// contrast and keeps keyboard focus visible, recolours chart axes and
// redraws charts when the scheme changes, and leaves no light-only colour in
// a component. With OPSDECK_SCREENSHOTS set to
// a folder, it also writes the README screenshots of the two examples there.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

const SCREENSHOTS = process.env.OPSDECK_SCREENSHOTS;
const EXAMPLES = ['feature-flags', 'contractor-costs'];

let root: string;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-themes-'));
  for (const example of EXAMPLES) {
    const source = join(REPO_ROOT, 'examples', example);
    cpSync(source, join(root, example), { recursive: true, filter: (path) => !path.startsWith(join(source, 'data')) });
  }
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

type Scheme = 'light' | 'dark';

// The root tsconfig has no DOM library, so the callbacks run in the page by
// page.evaluate() name the few browser types they use here. Only types are
// named, because the callbacks are serialized and cannot read outer values.
interface PageStyle {
  color: string;
  backgroundColor: string;
  boxShadow: string;
  outlineStyle: string;
  getPropertyValue(name: string): string;
}
interface PageElement {
  tagName: string;
  classList: Iterable<string>;
  parentElement: PageElement | null;
  shadowRoot: { activeElement: PageElement | null } | null;
  getRootNode(): { host?: PageElement };
  getAttribute(name: string): string | null;
  matches(selector: string): boolean;
}
interface PageGlobals {
  getComputedStyle(element: PageElement): PageStyle;
  document: { activeElement: PageElement | null; body: PageElement };
}

async function openPage(scheme: Scheme, app: string, user: string, path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.emulateMedia({ colorScheme: scheme });
  await page.goto(`${server.url}/login`);
  await page.locator(`[data-user="${user}"]`).click();
  await page.waitForURL(new RegExp(`/apps/${app}/`));
  await page.goto(`${server.url}/apps/${app}/pages/${path}`);
  return page;
}

/** Parses the `rgb(r, g, b)` or `rgba(r, g, b, a)` form that getComputedStyle returns. */
function parseRgb(value: string): [number, number, number] {
  const match = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(value);
  if (!match) throw new Error(`not an rgb() colour: ${value}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** Converts `#rrggbb` or `#rgb`, as custom properties hold colours, to the `rgb(r, g, b)` form; other text is returned as it is. */
function hexToRgb(value: string): string {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim());
  if (!match) return value;
  const hex = match[1].length === 3 ? [...match[1]].map((digit) => digit + digit).join('') : match[1];
  return `rgb(${parseInt(hex.slice(0, 2), 16)}, ${parseInt(hex.slice(2, 4), 16)}, ${parseInt(hex.slice(4, 6), 16)})`;
}

/** WCAG 2.x relative luminance of an sRGB colour. */
function luminance([r, g, b]: [number, number, number]): number {
  const linear = (channel: number): number => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

function contrast(first: string, second: string): number {
  const [light, dark] = [luminance(parseRgb(first)), luminance(parseRgb(second))].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}

async function colours(locator: Locator): Promise<{ color: string; background: string }> {
  return locator.evaluate((element) => {
    const style = (globalThis as unknown as PageGlobals).getComputedStyle(element as unknown as PageElement);
    return { color: style.color, background: style.backgroundColor };
  });
}

/** The first non-transparent background at or above the element, crossing shadow roots. */
async function effectiveBackground(locator: Locator): Promise<string> {
  return locator.evaluate((element) => {
    let node: PageElement | null = element as unknown as PageElement;
    while (node) {
      const background = (globalThis as unknown as PageGlobals).getComputedStyle(node).backgroundColor;
      if (background !== 'transparent' && !background.startsWith('rgba(0, 0, 0, 0)')) return background;
      node = node.parentElement ?? node.getRootNode().host ?? null;
    }
    return 'rgb(255, 255, 255)';
  });
}

/** Opens the Flags page of feature-flags and waits for its table and stats. */
async function flagsPage(scheme: Scheme): Promise<Page> {
  const page = await openPage(scheme, 'feature-flags', 'dana@flags.example', 'flags');
  await flagsPage.prepare(page);
  return page;
}

flagsPage.prepare = async (page: Page): Promise<void> => {
  await page.locator('od-data-table tbody tr').first().waitFor();
  await expect.poll(() => page.locator('[data-testid="stat-value"]').count()).toBe(3);
  await page.waitForLoadState('networkidle');
};

describe('themes', () => {
  it('contrast helper follows WCAG', () => {
    expect(contrast('rgb(0, 0, 0)', 'rgb(255, 255, 255)')).toBeCloseTo(21, 5);
    expect(contrast('rgb(119, 119, 119)', 'rgb(255, 255, 255)')).toBeLessThan(4.5);
    expect(() => parseRgb('red')).toThrow(/not an rgb/);
  });

  it('dark scheme recolours the page', async () => {
    const light = await flagsPage('light');
    const dark = await flagsPage('dark');
    for (const selector of ['body', 'od-data-table tbody td', 'od-top-bar header', 'od-stat']) {
      const lightColours = await colours(light.locator(selector).first());
      const darkColours = await colours(dark.locator(selector).first());
      const lightBackground = await effectiveBackground(light.locator(selector).first());
      const darkBackground = await effectiveBackground(dark.locator(selector).first());
      expect(darkColours.color, `${selector} text`).not.toBe(lightColours.color);
      expect(darkBackground, `${selector} background`).not.toBe(lightBackground);
      expect(luminance(parseRgb(darkBackground)), `${selector} dark background`).toBeLessThan(luminance(parseRgb(lightBackground)));
    }
    await light.close();
    await dark.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`${scheme} body text meets WCAG AA`, async () => {
      const page = await flagsPage(scheme);
      for (const selector of ['body', 'od-data-table tbody td', '[data-testid="page-title"]', 'od-data-table th', 'od-stat']) {
        const cell = page.locator(selector).first();
        const { color } = await colours(cell);
        const ratio = contrast(color, await effectiveBackground(cell));
        expect(ratio, `${selector} contrast in ${scheme}`).toBeGreaterThanOrEqual(4.5);
      }
      await page.close();
    });

    it(`${scheme} keyboard focus is visible`, async () => {
      const page = await flagsPage(scheme);
      // Every one of the first Tab stops shows a ring: a box shadow or an outline.
      const stops: Array<{ element: string; role: string | null; focusVisible: boolean; shadow: string; outline: string }> = [];
      for (let index = 0; index < 10; index += 1) {
        await page.keyboard.press('Tab');
        stops.push(
          await page.evaluate(() => {
            const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
            let active: PageElement | null = document.activeElement;
            while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
            if (!active || active === document.body) return { element: 'body', role: null, focusVisible: false, shadow: 'none', outline: 'none' };
            const style = getComputedStyle(active);
            const host = active.getRootNode().host?.tagName.toLowerCase() ?? 'document';
            const element = `${host} ${active.tagName.toLowerCase()}.${[...active.classList].join('.')}`;
            return { element, role: active.getAttribute('role'), focusVisible: active.matches(':focus-visible'), shadow: style.boxShadow, outline: style.outlineStyle };
          }),
        );
      }
      const focused = stops.filter((stop) => stop.element !== 'body');
      expect(focused.length).toBeGreaterThan(3);
      for (const stop of focused) {
        expect(stop.focusVisible, `${stop.element} matches :focus-visible in ${scheme}`).toBe(true);
        expect(stop.shadow !== 'none' || stop.outline !== 'none', `${stop.element} shows a focus ring in ${scheme}: ${JSON.stringify(stops)}`).toBe(true);
      }
      await page.close();
    });
  }

  /** Pages of the README screenshots, opened as a user who sees every part of them. */
  const SHOTS = [
    {
      example: 'feature-flags',
      user: 'dana@flags.example',
      path: 'flags',
      prepare: async (page: Page) => {
        await flagsPage.prepare(page);
        await page.locator('od-data-table tbody tr').first().click();
        await page.locator('od-detail dd').first().waitFor();
      },
    },
    {
      example: 'contractor-costs',
      user: 'fiona@costs.example',
      path: 'overview',
      prepare: async (page: Page) => {
        await expect.poll(() => page.locator('od-chart').first().getAttribute('data-painted'), { timeout: 10_000 }).not.toBeNull();
        await page.locator('od-data-table tbody tr').first().waitFor();
      },
    },
  ];

  for (const shot of SHOTS) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`${shot.example} screenshot in ${scheme}`, async () => {
        const page = await openPage(scheme, shot.example, shot.user, shot.path);
        await shot.prepare(page);
        await page.waitForLoadState('networkidle');
        const png = await page.screenshot({ type: 'png' });
        // The PNG header stores width and height as big-endian integers at bytes 16 and 20.
        expect(png.readUInt32BE(16)).toBe(1280);
        expect(png.readUInt32BE(20)).toBe(800);
        if (SCREENSHOTS) writeFileSync(join(SCREENSHOTS, `${shot.example}-${scheme}.png`), png);
        await page.close();
      });
    }
  }

  it('dark scheme recolours chart series', async () => {
    const read = async (scheme: Scheme): Promise<string> => {
      const page = await openPage(scheme, 'contractor-costs', 'fiona@costs.example', 'overview');
      const chart = page.locator('od-chart').first();
      await expect.poll(() => chart.getAttribute('data-painted'), { timeout: 10_000 }).not.toBeNull();
      const colour = await chart.evaluate((element) =>
        (globalThis as unknown as PageGlobals).getComputedStyle(element as unknown as PageElement).getPropertyValue('--od-chart-1').trim(),
      );
      await page.close();
      return colour;
    };
    const light = await read('light');
    const dark = await read('dark');
    expect(light).toMatch(/^#[0-9a-f]{6}$/i);
    expect(dark).toMatch(/^#[0-9a-f]{6}$/i);
    expect(dark).not.toBe(light);
  });

  /** Colours the first chart of the contractor-costs overview gave Chart.js, and the surface it is drawn on. */
  const chartColours = async (page: Page): Promise<{ grid: string; tick: string; surface: string; painted: string | null }> => {
    const chart = page.locator('od-chart').first();
    await expect.poll(() => chart.getAttribute('data-painted'), { timeout: 10_000 }).not.toBeNull();
    return chart.evaluate((element) => {
      const instance = (element as unknown as { chartInstance: { options: { scales: { x: { grid: { color: string }; ticks: { color: string } } } } } }).chartInstance;
      const style = (globalThis as unknown as PageGlobals).getComputedStyle(element as unknown as PageElement);
      return {
        grid: String(instance.options.scales.x.grid.color),
        tick: String(instance.options.scales.x.ticks.color),
        surface: style.getPropertyValue('--od-surface').trim(),
        painted: (element as unknown as PageElement).getAttribute('data-painted'),
      };
    });
  };

  it('dark scheme recolours chart axes', async () => {
    const lightPage = await openPage('light', 'contractor-costs', 'fiona@costs.example', 'overview');
    const darkPage = await openPage('dark', 'contractor-costs', 'fiona@costs.example', 'overview');
    const light = await chartColours(lightPage);
    const dark = await chartColours(darkPage);
    expect(dark.grid).not.toBe(light.grid);
    expect(dark.tick).not.toBe(light.tick);
    for (const [scheme, colours] of [['light', light], ['dark', dark]] as const) {
      expect(contrast(hexToRgb(colours.tick), hexToRgb(colours.surface)), `tick contrast in ${scheme}`).toBeGreaterThanOrEqual(4.5);
    }
    await lightPage.close();
    await darkPage.close();
  });

  it('chart redraws when the scheme changes', async () => {
    const page = await openPage('light', 'contractor-costs', 'fiona@costs.example', 'overview');
    const light = await chartColours(page);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(async () => (await chartColours(page)).painted).not.toBe(light.painted);
    const dark = await chartColours(page);
    expect(dark.grid).not.toBe(light.grid);
    expect(luminance(parseRgb(hexToRgb(dark.surface)))).toBeLessThan(luminance(parseRgb(hexToRgb(light.surface))));
    await page.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`${scheme} legend, badges and logo meet WCAG AA`, async () => {
      const page = await openPage(scheme, 'contractor-costs', 'fiona@costs.example', 'overview');
      await chartColours(page);
      await page.locator('od-data-table tbody tr').first().waitFor();
      for (const selector of ['od-chart [data-testid="chart-legend"] button', 'od-chart [data-testid="chart-values-toggle"]', 'od-data-table .badge', 'od-top-bar .logo']) {
        const element = page.locator(selector).first();
        const { color } = await colours(element);
        const background = await effectiveBackground(element);
        expect(contrast(color, background), `${selector} contrast in ${scheme}`).toBeGreaterThanOrEqual(4.5);
        if (scheme === 'dark' && !selector.includes('logo')) expect(luminance(parseRgb(background)), `${selector} background is dark`).toBeLessThan(0.1);
      }
      await page.close();
    });
  }

  it('components keep no fixed colours', () => {
    // Colours belong in the tokens of ui/styles.css and ui/components/shared-styles.ts, which have light and dark values.
    const folder = join(REPO_ROOT, 'ui', 'components');
    const found: string[] = [];
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts') && name !== 'shared-styles.ts')) {
      readFileSync(join(folder, file), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (/#[0-9a-f]{3,8}\b(?![-\w])|\brgba?\(|\bhsla?\(/i.test(line) && !/^\s*(\/\/|\*)/.test(line)) found.push(`${file}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
