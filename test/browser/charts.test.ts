// Charts and stats in Chromium: each chart type draws on a canvas with the
// data given to Chart.js checked (nulls stay null, so they are gaps), the
// empty state, a series hidden by a column rule, and stats with comparisons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import type { TempRoot } from '../helpers/apps.js';
import { launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { copyMetricsApp } from '../fixtures/u1/copy.js';

/** Where screenshots go when OPSDECK_SCREENSHOTS names a folder. */
const SCREENSHOTS = process.env.OPSDECK_SCREENSHOTS;

let temp: TempRoot;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  temp = copyMetricsApp();
  server = await startServer(temp.root);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  temp?.remove();
});

async function openPage(user: string, pageId: string, width = 1280): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(`${server.url}/login`);
  await page.locator(`[data-user="${user}"]`).click();
  await page.waitForURL(/\/apps\/metrics\//);
  await page.goto(`${server.url}/apps/metrics/pages/${pageId}`);
  return page;
}

/** What Chart.js was given, read from the chart element. */
interface DrawnChart {
  type: string;
  labels: unknown[];
  datasets: Array<{ label: string; data: unknown[]; spanGaps?: boolean; fill?: unknown }>;
  legend: boolean;
  stacked: boolean;
  canvasWidth: number;
}

async function drawn(chart: Locator): Promise<DrawnChart> {
  await expect.poll(() => chart.getAttribute('data-painted'), { timeout: 10_000 }).not.toBeNull();
  return chart.evaluate((element) => {
    const instance = (element as unknown as { chartInstance: { config: { type: string; options: any }; data: any; canvas: { width: number } } }).chartInstance;
    return {
      type: instance.config.type,
      labels: instance.data.labels ?? [],
      datasets: instance.data.datasets.map((dataset: any) => ({ label: dataset.label, data: dataset.data, spanGaps: dataset.spanGaps, fill: dataset.fill })),
      legend: instance.config.options.plugins.legend.display,
      stacked: Boolean(instance.config.options.scales?.y?.stacked),
      canvasWidth: instance.canvas.width,
    };
  });
}

const chartTitled = (page: Page, title: string): Locator => page.locator('od-chart').filter({ has: page.locator(`h2:text-is("${title}")`) });

describe('charts in Chromium', () => {
  it('draws a line chart with nulls as gaps', async () => {
    const page = await openPage('ana@example.com', 'charts');
    const chart = chartTitled(page, 'Revenue and cost');
    const data = await drawn(chart);
    expect(data.type).toBe('line');
    expect(data.labels).toHaveLength(4);
    expect(data.datasets.map((d) => d.label)).toEqual(['Revenue', 'Cost']);
    expect(data.datasets[0].data).toEqual([120, 150, null, 170]);
    expect(data.datasets[0].spanGaps).toBe(false);
    expect(data.datasets[1].data).toEqual([80, 90, 95, 100]);
    expect(data.legend).toBe(true);
    expect(data.canvasWidth).toBeGreaterThan(300);
    await expect.poll(() => chart.locator('canvas[role="img"]').getAttribute('aria-label')).toContain('Revenue, Cost');
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/charts-page.png`, fullPage: true });
    await page.close();
  });

  it('pivots a stacked bar chart on a series column', async () => {
    const page = await openPage('ana@example.com', 'charts');
    const data = await drawn(chartTitled(page, 'Revenue by region'));
    expect(data.type).toBe('bar');
    expect(data.stacked).toBe(true);
    expect(data.datasets.map((d) => d.label)).toEqual(['north', 'south']);
    expect(data.datasets[0].data).toEqual([120, 150, null, 170]);
    // The south has no March row at all: a gap, not a zero.
    expect(data.datasets[1].data).toEqual([90, 110, null, 130]);
    await page.close();
  });

  it('fills an area chart', async () => {
    const page = await openPage('ana@example.com', 'charts');
    const data = await drawn(chartTitled(page, 'Margin'));
    expect(data.type).toBe('line');
    expect(data.datasets[0].fill).toBe('origin');
    expect(data.datasets[0].data).toEqual([0.33, 0.4, null, 0.41]);
    await page.close();
  });

  it('draws a pie with a legend', async () => {
    const page = await openPage('ana@example.com', 'charts');
    const data = await drawn(chartTitled(page, 'Share by region'));
    expect(data.type).toBe('pie');
    expect(data.labels).toEqual(['north', 'south']);
    expect(data.datasets[0].data).toEqual([440, 330]);
    expect(data.legend).toBe(true);
    await page.close();
  });

  it('draws a scatter of numeric points', async () => {
    const page = await openPage('ana@example.com', 'charts');
    const data = await drawn(chartTitled(page, 'Amount against weight'));
    expect(data.type).toBe('scatter');
    expect(data.datasets[0].data).toHaveLength(100);
    expect(data.datasets[0].data[0]).toEqual({ x: 14, y: 47 });
    await page.close();
  });

  it('shows the empty state', async () => {
    const page = await openPage('ana@example.com', 'charts');
    const chart = chartTitled(page, 'Nothing yet');
    await expect.poll(() => chart.getAttribute('data-state')).toBe('empty');
    expect(await chart.locator('[data-testid="chart-empty"]').textContent()).toBe('No sales recorded.');
    expect(await chart.locator('canvas').count()).toBe(0);
    await page.close();
  });

  it('says a hidden series is not shown', async () => {
    const page = await openPage('carl@example.com', 'charts');
    const chart = chartTitled(page, 'Revenue and cost');
    const data = await drawn(chart);
    expect(data.datasets.map((d) => d.label)).toEqual(['Revenue']);
    expect(await chart.locator('[data-testid="chart-hidden-series"]').textContent()).toContain('1 series is not shown');
    expect(await page.locator('od-stat').count()).toBe(0);
    await page.close();
  });

  it('stays usable at 800 pixels', async () => {
    const page = await openPage('ana@example.com', 'charts', 800);
    const data = await drawn(chartTitled(page, 'Revenue by region'));
    expect(data.canvasWidth).toBeGreaterThan(200);
    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/charts-800.png`, fullPage: true });
    await page.close();
  });
});

describe('stats in Chromium', () => {
  it('compares with the previous month', async () => {
    const page = await openPage('ana@example.com', 'stats');
    const revenue = page.locator('od-stat[data-stat="revenue"]');
    await expect.poll(() => revenue.getAttribute('data-state')).toBe('ready');
    expect(await revenue.locator('[data-testid="stat-value"]').textContent()).toBe(new Intl.NumberFormat(undefined, { style: 'currency', currency: 'EUR' }).format(300));
    const change = revenue.locator('[data-testid="stat-change"]');
    expect(await change.getAttribute('data-direction')).toBe('up');
    expect(await change.getAttribute('data-tone')).toBe('good');
    expect(await change.textContent()).toContain('25%');
    expect(await change.textContent()).toContain('vs last month');
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/stats.png`, fullPage: true });
    await page.close();
  });

  it('colours a fall as good when goodWhen is down', async () => {
    const page = await openPage('ana@example.com', 'stats');
    const refunds = page.locator('od-stat[data-stat="refunds"]');
    await expect.poll(() => refunds.getAttribute('data-state')).toBe('ready');
    expect(await refunds.locator('[data-testid="stat-value"]').textContent()).toBe('4');
    const change = refunds.locator('[data-testid="stat-change"]');
    expect(await change.getAttribute('data-direction')).toBe('down');
    expect(await change.getAttribute('data-tone')).toBe('good');
    expect(await change.textContent()).toContain('33.3%');
    await page.close();
  });
});
