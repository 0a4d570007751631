// Background exports of the ledger app on PostgreSQL, whose CSV goes through
// COPY: the file of a run is byte for byte the download of the same export,
// and the run counts the rows COPY sent.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';
import { LEDGER_FIXTURE, SQLITE_SOURCE } from '../fixtures/b1/export-suite.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

describe('background exports on PostgreSQL', () => {
  let root: string;
  let schema: TestSchema;
  let server: TestServer;
  let cookie: string;

  beforeAll(async () => {
    schema = await createTestSchema('export_runs');
    root = mkdtempSync(join(tmpdir(), 'opsdeck-export-runs-pg-'));
    cpSync(LEDGER_FIXTURE, join(root, 'ledger'), { recursive: true });
    rmSync(join(root, 'ledger', 'data'), { recursive: true, force: true });
    const spec = join(root, 'ledger', 'app.yaml');
    const text = readFileSync(spec, 'utf8');
    if (!text.includes(SQLITE_SOURCE)) throw new Error('the fixture data source changed; update SQLITE_SOURCE');
    writeFileSync(spec, text.replace(SQLITE_SOURCE, `  main:\n    kind: postgres\n    url: "\${env:EXPORT_RUNS_DATABASE_URL}"\n    schema: ${schema.name}\n    migrations: migrations\n`));
    writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
    process.env.EXPORT_RUNS_DATABASE_URL = TEST_POSTGRES_URL;
    server = await startServer(root);
    cookie = await devLogin(server.url, 'ana@example.com');
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
    delete process.env.EXPORT_RUNS_DATABASE_URL;
    await schema?.drop();
  });

  it('writes the file the download sends', async () => {
    const options = { params: { upTo: 12_345 }, sort: [{ field: 'i', dir: 'desc' }] };
    const api = `${server.url}/api/apps/ledger`;
    const started = await request(`${api}/queries/numbers/export-runs`, { method: 'POST', json: { format: 'csv', ...options }, cookie });
    expect(started.status).toBe(202);
    let run: any;
    for (let attempt = 0; attempt < 500; attempt++) {
      run = (await request(`${api}/jobs/runs/${started.body.run.id}`, { cookie })).body.run;
      if (['succeeded', 'failed', 'cancelled'].includes(run.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(run.status).toBe('succeeded');
    expect(run.result.rows).toBe(12_345);
    expect(run.progress).toMatchObject({ rows: 12_345, rowsTotal: 12_345 });

    const file = Buffer.from(await (await fetch(`${server.url}${run.result.url}`, { headers: { cookie } })).arrayBuffer());
    const search = new URLSearchParams({ params: JSON.stringify(options.params), sort: JSON.stringify(options.sort) });
    const download = Buffer.from(await (await fetch(`${api}/queries/numbers/export?${search}`, { headers: { cookie } })).arrayBuffer());
    expect(file.toString('utf8').startsWith('i,label\r\n12345,row 12345\r\n')).toBe(true);
    expect(file.equals(download)).toBe(true);
    expect(file.length).toBe(run.result.bytes);
  });
});
