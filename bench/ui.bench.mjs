// UI benchmarks:
//   1. size of the UI bundle (dist/ui/app.js), raw and gzipped, against a 150 KB gzip budget;
//   2. first render of a page with a 100-row table and a bar chart of the same
//      100 rows, in headless Chromium: from the last query response to the chart
//      painted, against a 200 ms budget. The baseline, measured in the same run,
//      is the same page with the table only, from its last query response to its
//      rows rendered.
// Run with `npm run bench` (it builds first). Needs /usr/bin/chromium (or OPSDECK_CHROMIUM).
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'bin', 'opsdeck.mjs');
const RUNS = Number(process.env.BENCH_UI_RUNS ?? 15);
const BUNDLE_BUDGET_KB = 150;
const RENDER_BUDGET_MS = 200;

function bundleSize() {
  const bytes = readFileSync(join(ROOT, 'dist', 'ui', 'app.js'));
  return { rawKb: bytes.length / 1024, gzipKb: gzipSync(bytes, { level: 9 }).length / 1024 };
}

/** Copies the chart fixture app and adds a page with the same table and no chart, as the baseline. */
function copyApp() {
  const root = mkdtempSync(join(tmpdir(), 'opsdeck-bench-ui-'));
  cpSync(join(ROOT, 'test', 'fixtures', 'u1', 'metrics'), join(root, 'metrics'), { recursive: true, filter: (path) => !path.includes('/data') });
  const specFile = join(root, 'metrics', 'app.yaml');
  const spec = readFileSync(specFile, 'utf8');
  writeFileSync(specFile, `${spec}  table_only:\n    title: Orders table\n    allow: [analyst]\n    components:\n      - table: { query: orders, columns: [id, customer, amount, weight], pageSize: 100 }\n`);
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  return root;
}

function startServer(root) {
  const child = spawn(process.execPath, [CLI, 'serve', root, '--port', '0', '--host', '127.0.0.1', '--no-watch'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPSDECK_LOG_LEVEL: 'warn' } });
  let output = '';
  return new Promise((done, fail) => {
    const onData = (chunk) => {
      output += chunk;
      const match = /at (http:\/\/\S+?)\/ /.exec(output);
      if (match) done({ child, url: match[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => fail(new Error(`opsdeck exited with ${code}: ${output}`)));
  });
}

const stop = (child) => new Promise((done) => (child.exitCode !== null ? done() : (child.once('exit', done), child.kill('SIGKILL'))));

// Runs in the page before its scripts: records when the chart reports its first paint and when
// the table shows its rows, each at the next animation frame, in performance.now() milliseconds
// from navigation start. Components live in shadow roots, so the table is found by walking them.
const PAGE_PROBE = () => {
  const marks = {};
  window.__benchMarks = marks;
  const frame = (name) => requestAnimationFrame(() => (marks[name] ??= performance.now()));
  document.addEventListener('od-chart-painted', () => frame('chartPainted'));
  const findTable = (root) => {
    for (const element of root.querySelectorAll('*')) {
      if (element.localName === 'od-data-table') return element;
      if (element.shadowRoot) {
        const found = findTable(element.shadowRoot);
        if (found) return found;
      }
    }
    return undefined;
  };
  const poll = () => {
    const table = findTable(document);
    if (table?.dataset.state === 'ready' && table.shadowRoot?.querySelector('[data-testid="row"]')) frame('tableRendered');
    else requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
};

async function measure(context, url, pageId, waitFor) {
  const page = await context.newPage();
  await page.goto(`${url}/apps/metrics/pages/${pageId}`);
  await page.waitForFunction((name) => window.__benchMarks?.[name] !== undefined, waitFor, { timeout: 20_000 });
  const result = await page.evaluate(() => {
    const queries = performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/queries/'));
    const draws = performance.getEntriesByName('od-chart-draw');
    return { marks: window.__benchMarks, dataArrived: Math.max(...queries.map((entry) => entry.responseEnd)), queryCount: queries.length, drawMs: draws.length > 0 ? draws[0].duration : undefined };
  });
  await page.close();
  return { total: result.marks[waitFor], afterData: result.marks[waitFor] - result.dataArrived, queries: result.queryCount, drawMs: result.drawMs };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p90 = (values) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.9))];

const size = bundleSize();
const root = copyApp();
const server = await startServer(root);
const browser = await chromium.launch({
  executablePath: process.env.OPSDECK_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(PAGE_PROBE);
  const signIn = await context.newPage();
  await signIn.goto(`${server.url}/login`);
  await signIn.locator('[data-user="ana@example.com"]').click();
  await signIn.waitForURL(/\/apps\/metrics\//);
  await signIn.close();

  // One warm-up run of each, so the bundle is in the browser's cache as it is for a returning user.
  await measure(context, server.url, 'orders', 'chartPainted');
  await measure(context, server.url, 'table_only', 'tableRendered');
  const chart = [];
  const table = [];
  for (let run = 0; run < RUNS; run++) {
    chart.push(await measure(context, server.url, 'orders', 'chartPainted'));
    table.push(await measure(context, server.url, 'table_only', 'tableRendered'));
  }
  const chartAfter = chart.map((run) => run.afterData);
  const tableAfter = table.map((run) => run.afterData);
  const results = {
    bundle: { rawKb: +size.rawKb.toFixed(1), gzipKb: +size.gzipKb.toFixed(1), budgetKb: BUNDLE_BUDGET_KB, withinBudget: size.gzipKb < BUNDLE_BUDGET_KB },
    chartPage: {
      runs: RUNS,
      afterDataMedianMs: +median(chartAfter).toFixed(1),
      afterDataP90Ms: +p90(chartAfter).toFixed(1),
      navigationToPaintMedianMs: +median(chart.map((run) => run.total)).toFixed(1),
      // Building the series and drawing them with Chart.js, inside the chart element.
      chartDrawMedianMs: +median(chart.map((run) => run.drawMs)).toFixed(1),
      budgetMs: RENDER_BUDGET_MS,
      withinBudget: median(chartAfter) < RENDER_BUDGET_MS,
    },
    tableOnlyBaseline: {
      afterDataMedianMs: +median(tableAfter).toFixed(1),
      navigationToRowsMedianMs: +median(table.map((run) => run.total)).toFixed(1),
    },
    ratioChartToTableAfterData: +(median(chartAfter) / Math.max(median(tableAfter), 0.1)).toFixed(2),
  };
  console.log(JSON.stringify(results, null, 2));
  console.table({
    'bundle gzip KB': { value: results.bundle.gzipKb, budget: BUNDLE_BUDGET_KB },
    'chart page: data to painted, median ms': { value: results.chartPage.afterDataMedianMs, budget: RENDER_BUDGET_MS },
    'chart page: data to painted, p90 ms': { value: results.chartPage.afterDataP90Ms, budget: RENDER_BUDGET_MS },
    'chart draw (Chart.js), median ms': { value: results.chartPage.chartDrawMedianMs, budget: '' },
    'table only: data to rows, median ms': { value: results.tableOnlyBaseline.afterDataMedianMs, budget: '' },
  });
} finally {
  await browser.close();
  await stop(server.child);
  rmSync(root, { recursive: true, force: true });
}
