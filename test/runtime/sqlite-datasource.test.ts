import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { AppLoadError } from '../../runtime/registry.js';

let temp: TempRoot;
let server: TestServer;
let agent: string;
let api: string;

beforeAll(async () => {
  temp = copyChinookApp();
  server = await startServer(temp.root);
  agent = await devLogin(server.url, 'ana@chinook.example');
  api = `${server.url}/api/apps/chinook-support`;
});

afterAll(async () => {
  await server.close();
  temp.remove();
});

const noteCount = async (customerId: number) =>
  (await request(`${api}/queries/notes`, { method: 'POST', cookie: agent, json: { params: { customerId } } })).body.total as number;

describe('sqlite data source', () => {
  it('rejects a writing query at load', async () => {
    const other = copyChinookApp();
    try {
      const file = join(other.appDir, 'app.yaml');
      const spec = readFileSync(file, 'utf8').replace('queries:\n', 'queries:\n  sneaky:\n    datasource: main\n    sql: delete from customer_note returning note_id\n    allow: [viewer]\n\n');
      writeFileSync(file, spec);
      const failure = await startServer(other.root).then(
        async (started) => {
          await started.close();
          return undefined;
        },
        (err: AppLoadError) => err,
      );
      expect(failure).toBeInstanceOf(AppLoadError);
      const line = spec.slice(0, spec.indexOf('sql: delete from customer_note')).split('\n').length;
      expect(failure!.diagnostics[0]).toMatchObject({ code: 'sql-query-writes', line, col: 10 });
      expect(failure!.diagnostics[0].message).toContain('query `sneaky` writes');
    } finally {
      other.remove();
    }
  });

  it('runs queries with query_only set', async () => {
    const source = server.running.registry.get('chinook-support')!.datasources.get('main')!;
    await expect(source.query('DELETE FROM customer_note', [])).rejects.toThrow(/readonly|read-only/i);
  });

  it('enforces foreign keys after the database was exported', async () => {
    const first = await request(`${api}/actions/addNote`, { method: 'POST', cookie: agent, json: { params: { id: 31, body: 'Exported the file after this' } } });
    expect(first.status).toBe(200);
    // addNote's scope answers 404 for a customer that does not exist, so the foreign key is tested on the data source itself.
    const orphan = await request(`${api}/actions/addNote`, { method: 'POST', cookie: agent, json: { params: { id: 99_999, body: 'No such customer exists' } } });
    expect(orphan.status).toBe(404);
    const source = server.running.registry.get('chinook-support')!.datasources.get('main')!;
    await expect(source.write('insert into customer_note (customer_id, body, author) values (?, ?, ?)', [99_999, 'No such customer exists', 'test'])).rejects.toThrow(/FOREIGN KEY/i);
    expect(await noteCount(99_999)).toBe(0);
  });

  it('records each migration once', async () => {
    await server.close();
    server = await startServer(temp.root);
    agent = await devLogin(server.url, 'ana@chinook.example');
    api = `${server.url}/api/apps/chinook-support`;
    expect(await noteCount(31)).toBe(1);
  });
});

describe('sqlite column lists', () => {
  it('follow a migration that adds a column', async () => {
    const { mkdtempSync, mkdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { pino } = await import('pino');
    const { SqliteDatasource } = await import('../../runtime/datasources/sqlite.js');
    const folder = mkdtempSync(join(tmpdir(), 'opsdeck-columns-'));
    try {
      const migrations = join(folder, 'migrations');
      mkdirSync(migrations);
      writeFileSync(join(migrations, '001_t.sql'), 'CREATE TABLE t (a INTEGER);\n');
      const source = await SqliteDatasource.openInMemory({ file: join(folder, 'db.sqlite'), migrations, log: pino({ level: 'silent' }) });
      await source.check('select * from t');
      expect(await source.columnsOf('select * from t')).toEqual(['a']);
      writeFileSync(join(migrations, '002_b.sql'), 'ALTER TABLE t ADD COLUMN b TEXT;\n');
      await source.migrate(migrations);
      expect(await source.columnsOf('select * from t')).toEqual(['a', 'b']);
      await source.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
