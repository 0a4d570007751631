// Background exports: an export started as a job run writes its file on the
// server, with the same row rules, sort and formula neutralising as the
// download, and only the person who started it may fetch the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import type { TempRoot } from '../helpers/apps.js';
import { ANA, ITEMS, OLE, writeJobsApp } from './jobs-app.js';

describe('background exports', () => {
  let temp: TempRoot;
  let server: TestServer;
  let api: string;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    temp = writeJobsApp();
    server = await startServer(temp.root);
    api = `${server.url}/api/apps/ledger`;
    for (const user of [ANA, OLE]) cookies[user] = await devLogin(server.url, user);
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    temp?.remove();
  });

  const startExport = (body: unknown, user = ANA) => request(`${api}/queries/items/export-runs`, { method: 'POST', json: body, cookie: cookies[user] });
  const waitFor = async (id: string): Promise<any> => {
    for (let i = 0; i < 500; i++) {
      const run = (await request(`${api}/jobs/runs/${id}`, { cookie: cookies[ANA] })).body.run;
      if (['succeeded', 'failed', 'cancelled'].includes(run.status)) return run;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the export did not end');
  };

  it('writes the file in the background and serves it to its owner', async () => {
    const started = await startExport({ format: 'csv', bom: true, params: { minimum: 0 }, sort: [{ field: 'id', dir: 'desc' }] });
    expect(started.status).toBe(202);
    expect(started.body.run).toMatchObject({ kind: 'export', job: 'items', title: 'Export of items', params: { minimum: 0 } });
    const run = await waitFor(started.body.run.id);
    expect(run.status).toBe('succeeded');
    expect(run.result).toMatchObject({ rows: ITEMS, url: `/api/apps/ledger/jobs/runs/${run.id}/download` });
    expect(run.result.filename).toMatch(/^ledger-items-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(run.progress).toMatchObject({ rows: ITEMS, rowsTotal: ITEMS, fraction: 1 });

    const response = await fetch(`${server.url}${run.result.url}`, { headers: { cookie: cookies[ANA] } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${run.result.filename}"`);
    // Response.text() would drop the byte order mark, so the bytes are read as they came.
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text.startsWith('id,amount,note\r\n')).toBe(true);
    const lines = text.trim().split('\r\n');
    expect(lines).toHaveLength(ITEMS + 1);
    expect(lines[1]).toBe(`${ITEMS},${ITEMS % 97},'=1+2`);
    expect(lines[2]).toBe(`${ITEMS - 1},${(ITEMS - 1) % 97},"plain, ""quoted"""`);
    expect(bytes.length).toBe(run.result.bytes);

    const audit = readFileSync(join(temp.root, '.opsdeck', 'audit.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)).filter((line) => line.run === run.id);
    expect(audit.map((line) => line.outcome)).toEqual(['queued', 'succeeded', 'succeeded', 'downloaded']);
    expect(audit.every((line) => line.object === 'query:items' && line.user === ANA)).toBe(true);
  });

  it('refuses other users, bad options and a removed file', async () => {
    expect((await startExport({ format: 'csv', params: { minimum: 0 } }, OLE)).status).toBe(403);
    const badFormat = await startExport({ format: 'xlsx', params: { minimum: 0 } });
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.error.field).toBe('format');
    const badSort = await startExport({ params: { minimum: 0 }, sort: [{ field: 'secret', dir: 'asc' }] });
    expect(badSort.status).toBe(400);
    const badParams = await startExport({ params: { minimum: 'x' } });
    expect(badParams.body.error.field).toBe('params.minimum');
    const extra = await startExport({ params: { minimum: 0 }, sql: 'select 1' });
    expect(extra.body.error.field).toBe('sql');

    const started = await startExport({ format: 'jsonl', params: { minimum: 90 } });
    const run = await waitFor(started.body.run.id);
    expect(run.status).toBe('succeeded');
    expect((await request(`${api}/jobs/runs/${run.id}`, { cookie: cookies[OLE] })).status).toBe(404);
    expect((await fetch(`${server.url}${run.result.url}`, { headers: { cookie: cookies[OLE] } })).status).toBe(404);
    const first = (await (await fetch(`${server.url}${run.result.url}`, { headers: { cookie: cookies[ANA] } })).text()).split('\n')[0];
    expect(JSON.parse(first)).toMatchObject({ amount: 90 });

    const folder = join(temp.root, '.opsdeck', 'exports');
    for (const name of readdirSync(folder)) rmSync(join(folder, name));
    const gone = await fetch(`${server.url}${run.result.url}`, { headers: { cookie: cookies[ANA] } });
    expect(gone.status).toBe(410);
  });
});
