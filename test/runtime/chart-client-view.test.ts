// The client view of charts and stats: no SQL, column rules applied, and
// components whose query the user may not run left out. The query endpoint
// they read keeps applying the same rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TempRoot } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { copyMetricsApp } from '../fixtures/u1/copy.js';

let temp: TempRoot;
let server: TestServer;

beforeAll(async () => {
  temp = copyMetricsApp();
  server = await startServer(temp.root);
});

afterAll(async () => {
  await server?.close();
  temp?.remove();
});

async function specFor(user: string): Promise<{ text: string; body: any; cookie: string }> {
  const cookie = await devLogin(server.url, user);
  const response = await request(`${server.url}/api/apps/metrics/spec`, { cookie });
  expect(response.status).toBe(200);
  return { text: JSON.stringify(response.body), body: response.body, cookie };
}

const chartsPage = (body: any): any[] => body.pages.find((page: { id: string }) => page.id === 'charts').components;

describe('chart client view', () => {
  it('sends no SQL', async () => {
    const { text } = await specFor('ana@example.com');
    // Fragments of the fixture's statements; the word `select` alone also names the table's row selection.
    for (const fragment of ['select month', 'select revenue', 'from sale', 'from month_total', 'from orders']) expect(text).not.toContain(fragment);
  });

  it('sends every chart and the stat to the analyst', async () => {
    const { body } = await specFor('ana@example.com');
    const components = chartsPage(body);
    expect(components.map((c: { type: string }) => c.type)).toEqual(['chart', 'chart', 'chart', 'chart', 'chart', 'chart', 'stat']);
    expect(components[0]).toMatchObject({ chartType: 'line', x: 'month', y: ['revenue', 'cost'], hiddenSeries: 0, yFormat: 'currency', currency: 'EUR', params: { region: 'north' } });
    expect(components[0].unavailable).toBeUndefined();
  });

  it('drops a hidden series and counts it', async () => {
    const { body } = await specFor('carl@example.com');
    const line = chartsPage(body)[0];
    expect(line.y).toEqual(['revenue']);
    expect(line.hiddenSeries).toBe(1);
    // The title is the operator's text; no other field may name the hidden column.
    expect(JSON.stringify({ ...line, title: undefined })).not.toContain('cost');
  });

  it('leaves out a stat whose query the user may not run', async () => {
    const { body } = await specFor('carl@example.com');
    expect(chartsPage(body).map((c: { type: string }) => c.type)).not.toContain('stat');
    expect(body.pages.map((page: { id: string }) => page.id)).not.toContain('stats');
  });

  it('marks a chart unavailable when its x column is hidden', async () => {
    await server.close();
    temp.remove();
    temp = copyMetricsApp((spec) => spec.replace('clerk: { hide: [cost] }\n  north_sales', 'clerk: { hide: [cost, month] }\n  north_sales'));
    server = await startServer(temp.root);
    const { body } = await specFor('carl@example.com');
    const bar = chartsPage(body)[1];
    expect(bar).toMatchObject({ unavailable: true, y: [] });
    const { body: anaBody } = await specFor('ana@example.com');
    expect(chartsPage(anaBody)[1].unavailable).toBeUndefined();
  });

  it('keeps column rules on the rows a chart reads', async () => {
    const { cookie } = await specFor('carl@example.com');
    const response = await request(`${server.url}/api/apps/metrics/queries/north_sales`, { method: 'POST', cookie, json: { params: { region: 'north' }, page: { size: 500, offset: 0 } } });
    expect(response.status).toBe(200);
    expect(response.body.columns).not.toContain('cost');
    expect(response.body.rows[0]).not.toHaveProperty('cost');
  });
});
