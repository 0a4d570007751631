// Prometheus metrics at /metrics: request counts by route pattern, query and
// action durations, denials, spec reloads and job runs, one registry per
// server, and the settings that turn the endpoint off or restrict it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

const APP = 'chinook-support';
const EMAIL = 'metrics-probe@example.org';

/** Parses the Prometheus text format into `name{labels}` -> value, labels as printed. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

async function scrape(url: string): Promise<{ text: string; samples: Map<string, number>; type: string | null }> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, samples: parseMetrics(text), type: response.headers.get('content-type') };
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met in time');
}

describe('metrics of one server', () => {
  let temp: TempRoot;
  let server: TestServer;

  beforeAll(async () => {
    temp = copyChinookApp();
    server = await startServer(temp.root, { watch: true });
  });

  afterAll(async () => {
    await server?.close();
    temp?.remove();
  });

  it('records requests, queries, actions and denials', async () => {
    const ana = await devLogin(server.url, 'ana@chinook.example');
    const nora = await devLogin(server.url, 'nora@chinook.example');
    const query = await request(`${server.url}/api/apps/${APP}/queries/customers`, { method: 'POST', cookie: ana, json: { params: { search: 'Luis' } } });
    expect(query.status).toBe(200);
    const action = await request(`${server.url}/api/apps/${APP}/actions/updateContact`, { method: 'POST', cookie: ana, json: { params: { id: 1, email: EMAIL } } });
    expect(action.status).toBe(200);
    const missing = await request(`${server.url}/api/apps/${APP}/actions/updateContact`, { method: 'POST', cookie: ana, json: { params: { id: 99999, email: EMAIL } } });
    expect(missing.status).toBe(409);
    const denied = await request(`${server.url}/api/apps/${APP}/queries/customers`, { method: 'POST', cookie: nora, json: {} });
    expect(denied.status).toBe(403);
    expect((await request(`${server.url}/no/such/path`)).status).toBe(404);

    const { text, samples, type } = await scrape(server.url);
    expect(type).toMatch(/^text\/plain/);
    expect(samples.get(`opsdeck_http_requests_total{route="/api/apps/:app/queries/:query",method="POST",status="200"}`)).toBe(1);
    expect(samples.get(`opsdeck_http_requests_total{route="/api/apps/:app/queries/:query",method="POST",status="403"}`)).toBe(1);
    expect(samples.get(`opsdeck_http_requests_total{route="/api/apps/:app/actions/:action",method="POST",status="200"}`)).toBe(1);
    expect(samples.get(`opsdeck_http_requests_total{route="unmatched",method="GET",status="404"}`)).toBe(1);
    expect(samples.get(`opsdeck_http_request_duration_seconds_count{route="/api/apps/:app/queries/:query"}`)).toBe(2);
    expect(samples.get(`opsdeck_query_duration_seconds_count{app="${APP}",query="customers"}`)).toBe(1);
    expect(samples.get(`opsdeck_action_duration_seconds_count{app="${APP}",action="updateContact",outcome="succeeded"}`)).toBe(1);
    expect(samples.get(`opsdeck_action_duration_seconds_count{app="${APP}",action="updateContact",outcome="conflict"}`)).toBe(1);
    expect(samples.get(`opsdeck_denials_total{app="${APP}",object_kind="query"}`)).toBe(1);
    expect(samples.get('opsdeck_spec_last_reload_success')).toBe(1);
    expect(samples.get('opsdeck_spec_last_reload_timestamp_seconds')).toBeGreaterThan(0);
    for (const status of ['queued', 'running', 'succeeded', 'failed', 'interrupted']) expect(samples.get(`opsdeck_job_runs{status="${status}"}`)).toBe(0);
    expect(samples.has('process_cpu_user_seconds_total')).toBe(true);
    // No raw path, user id or parameter value becomes a label.
    expect(text).not.toContain('ana@chinook.example');
    expect(text).not.toContain('nora@chinook.example');
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain('Luis');
    expect(text).not.toContain('/no/such/path');
    expect(text).not.toContain(`/api/apps/${APP}/`);
  });

  it('counts denials from every route, such as the audit page', async () => {
    const victor = await devLogin(server.url, 'victor@chinook.example');
    const before = (await scrape(server.url)).samples.get(`opsdeck_denials_total{app="${APP}",object_kind="audit"}`) ?? 0;
    const response = await request(`${server.url}/api/apps/${APP}/audit`, { cookie: victor });
    expect(response.status).toBe(403);
    expect((await scrape(server.url)).samples.get(`opsdeck_denials_total{app="${APP}",object_kind="audit"}`)).toBe(before + 1);
  });

  it('records rejected and good reloads', async () => {
    const file = join(temp.appDir, 'app.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('query: invoices\n', 'query: invoicez\n'));
    await waitFor(async () => (await scrape(server.url)).samples.get('opsdeck_spec_reloads_total{result="rejected"}') === 1);
    expect((await scrape(server.url)).samples.get('opsdeck_spec_last_reload_success')).toBe(0);
    writeFileSync(file, good.replace('title: Customers\n    description', 'title: Customer lookup\n    description'));
    await waitFor(async () => (await scrape(server.url)).samples.get('opsdeck_spec_reloads_total{result="reloaded"}') === 1);
    expect((await scrape(server.url)).samples.get('opsdeck_spec_last_reload_success')).toBe(1);
  });
});

describe('metrics of several servers in one process', () => {
  it('keeps a registry per server', async () => {
    const first = copyChinookApp();
    const second = copyChinookApp();
    const a = await startServer(first.root);
    const b = await startServer(second.root);
    try {
      for (let i = 0; i < 3; i++) expect((await request(`${a.url}/healthz`)).status).toBe(200);
      expect((await request(`${b.url}/healthz`)).status).toBe(200);
      expect((await scrape(a.url)).samples.get('opsdeck_http_requests_total{route="/healthz",method="GET",status="200"}')).toBe(3);
      expect((await scrape(b.url)).samples.get('opsdeck_http_requests_total{route="/healthz",method="GET",status="200"}')).toBe(1);
    } finally {
      await a.close();
      await b.close();
      first.remove();
      second.remove();
    }
  });
});

describe('metrics settings', () => {
  async function withServer(settings: string, check: (url: string) => Promise<void>): Promise<void> {
    const temp = copyChinookApp(`identity:\n  mode: dev\n${settings}`);
    const server = await startServer(temp.root);
    try {
      await check(server.url);
    } finally {
      await server.close();
      temp.remove();
    }
  }

  it('serves no /metrics with enabled: false', async () => {
    await withServer('metrics:\n  enabled: false\n', async (url) => {
      const response = await request(`${url}/metrics`);
      expect(response.status).toBe(404);
      expect(JSON.stringify(response.body)).not.toContain('opsdeck_');
    });
  });

  it('refuses peers outside allowFrom and serves those inside', async () => {
    await withServer('metrics:\n  allowFrom: [10.0.0.0/8]\n', async (url) => {
      const response = await request(`${url}/metrics`);
      expect(response.status).toBe(403);
      expect(response.body.error.message).toContain('metrics.allowFrom');
    });
    await withServer('metrics:\n  allowFrom: [127.0.0.1]\n', async (url) => {
      expect((await scrape(url)).samples.has('opsdeck_spec_last_reload_success')).toBe(true);
    });
  });
});
