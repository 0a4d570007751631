// Charts and stats in Chromium: each chart type draws on a canvas with the
// data given to Chart.js checked (nulls stay null, so they are gaps), the
// empty state, a series hidden by a column rule, the keyboard legend and the
// table of values, dates spaced by time, and stats with comparisons.
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

/** Adds a query of unevenly spaced days (1, 2, 3 and 31 January, the third without a value) and a page charting it. */
function addTimeline(spec: string): string {
  const query = [
    '  uneven:',
    '    datasource: main',
    "    sql: select day, amount from (select '2024-01-01' as day, 10 as amount union all select '2024-01-02', 12 union all select '2024-01-03', null union all select '2024-01-31', 15)",
    '    allow: [analyst, clerk]',
  ].join('\n');
  const page = [
    '  timeline:',
    '    title: Timeline',
    '    allow: [analyst, clerk]',
    '    components:',
    '      - chart: { title: Uneven days, query: uneven, type: line, x: day, xFormat: date, y: amount }',
    '      - chart: { title: Uneven bars, query: uneven, type: bar, x: day, xFormat: date, y: amount }',
  ].join('\n');
  return spec.replace('\nqueries:\n', `\nqueries:\n${query}\n`).replace('\npages:\n', `\npages:\n${page}\n`);
}

beforeAll(async () => {
  temp = copyMetricsApp(addTimeline);
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
    // Dates go to a time axis as epoch milliseconds.
    expect(data.labels).toEqual(['2024-01-01', '2024-02-01', '2024-03-01', '2024-04-01'].map((day) => Date.parse(`${day}T00:00:00Z`)));
    expect(data.datasets.map((d) => d.label)).toEqual(['Revenue', 'Cost']);
    expect(data.datasets[0].data).toEqual([120, 150, null, 170]);
    expect(data.datasets[0].spanGaps).toBe(false);
    expect(data.datasets[1].data).toEqual([80, 90, 95, 100]);
    // The legend is HTML buttons under the canvas, not the canvas legend of Chart.js.
    expect(data.legend).toBe(false);
    expect((await legendState(chart)).map((entry) => entry.name)).toEqual(['Revenue', 'Cost']);
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
    const chart = chartTitled(page, 'Share by region');
    const data = await drawn(chart);
    expect(data.type).toBe('pie');
    expect(data.labels).toEqual(['north', 'south']);
    expect(data.datasets[0].data).toEqual([440, 330]);
    expect((await legendState(chart)).map((entry) => entry.name)).toEqual(['north', 'south']);
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

/** Reads the name and `aria-pressed` of each legend button of a chart. */
async function legendState(chart: Locator): Promise<Array<{ name: string; pressed: string | null }>> {
  const buttons = chart.locator('[data-testid="chart-legend"] button');
  const count = await buttons.count();
  const state: Array<{ name: string; pressed: string | null }> = [];
  for (let index = 0; index < count; index += 1) {
    state.push({ name: (await buttons.nth(index).textContent())?.trim() ?? '', pressed: await buttons.nth(index).getAttribute('aria-pressed') });
  }
  return state;
}

/** Returns the text of the focused button, crossing shadow roots, or an empty string when no button has focus. */
async function focusedText(page: Page): Promise<string> {
  return page.evaluate(() => {
    type Node = { shadowRoot: { activeElement: Node | null } | null; textContent: string | null; tagName: string };
    let active = (globalThis as unknown as { document: { activeElement: Node | null } }).document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active && active.tagName === 'BUTTON' ? (active.textContent ?? '').trim() : '';
  });
}

/** Presses Tab until the focused button reads `name`, at most `limit` times. */
async function tabTo(page: Page, name: string, limit = 40): Promise<void> {
  for (let index = 0; index < limit; index += 1) {
    await page.keyboard.press('Tab');
    if ((await focusedText(page)) === name) return;
  }
  throw new Error(`Tab did not reach the button "${name}" in ${limit} presses`);
}

/** Reads the header and body cells of a chart's table of values. */
async function valuesTable(chart: Locator): Promise<{ head: string[]; rows: string[][] }> {
  const table = chart.locator('[data-testid="chart-values"] table');
  const head = (await table.locator('thead th').allTextContents()).map((text) => text.trim());
  const rows: string[][] = [];
  for (const row of await table.locator('tbody tr').all()) {
    rows.push((await row.locator('th, td').allTextContents()).map((text) => text.trim()));
  }
  return { head, rows };
}

const euro = (value: number): string => new Intl.NumberFormat(undefined, { style: 'currency', currency: 'EUR' }).format(value);
const medium = (day: string): string => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.parse(`${day}T00:00:00Z`));

describe('chart legend and values by keyboard', () => {
  it('Tab reaches the legend and Enter hides a series', async () => {
    const page = await openPage('ana@example.com', 'charts');
    const chart = chartTitled(page, 'Revenue and cost');
    await drawn(chart);
    expect(await legendState(chart)).toEqual([
      { name: 'Revenue', pressed: 'true' },
      { name: 'Cost', pressed: 'true' },
    ]);
    // The canvas legend of Chart.js is replaced by the buttons.
    expect((await drawn(chart)).legend).toBe(false);

    await tabTo(page, 'Revenue');
    await page.keyboard.press('Enter');
    await expect.poll(() => legendState(chart)).toEqual([
      { name: 'Revenue', pressed: 'false' },
      { name: 'Cost', pressed: 'true' },
    ]);
    expect(await chart.evaluate((element) => (element as unknown as { chartInstance: { isDatasetVisible(index: number): boolean } }).chartInstance.isDatasetVisible(0))).toBe(false);

    await page.keyboard.press('Space');
    await expect.poll(async () => (await legendState(chart))[0].pressed).toBe('true');
    expect(await chart.evaluate((element) => (element as unknown as { chartInstance: { isDatasetVisible(index: number): boolean } }).chartInstance.isDatasetVisible(0))).toBe(true);
    await page.close();
  });

  it('Show data reveals formatted values', async () => {
    const page = await openPage('ana@example.com', 'charts');
    const chart = chartTitled(page, 'Revenue and cost');
    await drawn(chart);
    const toggle = chart.locator('[data-testid="chart-values-toggle"]');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await chart.locator('[data-testid="chart-values"] table').count()).toBe(0);

    await tabTo(page, 'Show data');
    await page.keyboard.press('Enter');
    await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('true');
    const table = await valuesTable(chart);
    expect(table.head).toEqual(['Month', 'Revenue', 'Cost']);
    expect(table.rows[0]).toEqual([medium('2024-01-01'), euro(120), euro(80)]);
    // March has no revenue: the empty marker of data tables, never a zero.
    expect(table.rows[2][0]).toBe(medium('2024-03-01'));
    expect(await chart.locator('[data-testid="chart-values"] tbody tr').nth(2).locator('td').first().locator('[data-null]').count()).toBe(1);
    expect(table.rows[2][2]).toBe(euro(95));

    // Hiding a series in the legend takes its column out of the table too.
    await chart.locator('[data-testid="chart-legend"] button', { hasText: 'Cost' }).click();
    await expect.poll(async () => (await valuesTable(chart)).head).toEqual(['Month', 'Revenue']);
    if (SCREENSHOTS) await chart.screenshot({ path: `${SCREENSHOTS}/chart-values.png` });
    await page.close();
  });

  it('pie legend toggles a slice', async () => {
    const page = await openPage('ana@example.com', 'charts');
    const chart = chartTitled(page, 'Share by region');
    await drawn(chart);
    expect(await legendState(chart)).toEqual([
      { name: 'north', pressed: 'true' },
      { name: 'south', pressed: 'true' },
    ]);
    await chart.locator('[data-testid="chart-legend"] button', { hasText: 'north' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await legendState(chart))[0].pressed).toBe('false');
    expect(await chart.evaluate((element) => (element as unknown as { chartInstance: { getDataVisibility(index: number): boolean } }).chartInstance.getDataVisibility(0))).toBe(false);

    await chart.locator('[data-testid="chart-values-toggle"]').click();
    const table = await valuesTable(chart);
    expect(table.head).toEqual(['Region', 'Revenue']);
    expect(table.rows).toEqual([['south', '330']]);
    await page.close();
  });
});

/** Reads the pixel x positions of the points of a chart's first dataset, and its tick labels. */
async function pointPositions(chart: Locator): Promise<{ xs: number[]; skipped: boolean[]; ticks: string[] }> {
  await drawn(chart);
  return chart.evaluate((element) => {
    const instance = (element as unknown as { chartInstance: any }).chartInstance;
    const meta = instance.getDatasetMeta(0);
    return {
      xs: meta.data.map((point: { x: number }) => point.x),
      skipped: meta.data.map((point: { skip?: boolean }) => Boolean(point.skip)),
      ticks: instance.scales.x.ticks.map((tick: { label: string }) => String(tick.label)),
    };
  });
}

describe('time axis', () => {
  it('spaces uneven days by time', async () => {
    const page = await openPage('ana@example.com', 'timeline');
    const chart = chartTitled(page, 'Uneven days');
    const { xs, skipped, ticks } = await pointPositions(chart);
    expect(xs).toHaveLength(4);
    const day = xs[1] - xs[0];
    expect(day).toBeGreaterThan(0);
    // 2 January is one day after the first point and 31 January thirty days after it.
    expect((xs[2] - xs[0]) / day).toBeCloseTo(2, 1);
    expect((xs[3] - xs[0]) / day).toBeCloseTo(30, 1);
    // The null of 3 January stays a gap.
    expect((await drawn(chart)).datasets[0].data).toEqual([10, 12, null, 15]);
    expect(skipped).toEqual([false, false, true, false]);
    for (const tick of ticks) expect(tick, 'tick label is a date').toMatch(/\p{L}/u);
    await page.close();
  });

  it('spaces bars by time', async () => {
    const page = await openPage('ana@example.com', 'timeline');
    const { xs } = await pointPositions(chartTitled(page, 'Uneven bars'));
    expect((xs[3] - xs[0]) / (xs[1] - xs[0])).toBeCloseTo(30, 1);
    await page.close();
  });

  it('tooltip shows the formatted date', async () => {
    const page = await openPage('ana@example.com', 'timeline');
    const chart = chartTitled(page, 'Uneven days');
    await drawn(chart);
    const tooltip = await chart.evaluate((element) => {
      const instance = (element as unknown as { chartInstance: any }).chartInstance;
      const point = instance.getDatasetMeta(0).data[3];
      instance.tooltip.setActiveElements([{ datasetIndex: 0, index: 3 }], { x: point.x, y: point.y });
      instance.update();
      return { title: instance.tooltip.title as string[], body: instance.tooltip.body.map((line: { lines: string[] }) => line.lines.join(' ')) as string[] };
    });
    expect(tooltip.title).toEqual([medium('2024-01-31')]);
    expect(tooltip.body).toEqual(['Amount: 15']);
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
