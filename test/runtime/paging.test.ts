// Stable paging through the query endpoint of a real server, on sql.js and on
// PostgreSQL: with a `key`, tied rows are neither skipped nor repeated, and
// keyset paging (`page.after`) survives rows inserted and deleted between pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'u3', 'items');
const SQLITE_SOURCE = '  main:\n    kind: sqlite\n    file: data/items.sqlite\n    migrations: migrations\n';

interface Item {
  id: number;
  grp: string;
  score: number | null;
}

type Sort = Array<{ field: 'grp' | 'score' | 'id'; dir: 'asc' | 'desc' }>;

/** Orders items as the server must: the sort, then id; NULL is the lowest value. */
function compareItems(sort: Sort, a: Item, b: Item): number {
  for (const key of [...sort, { field: 'id' as const, dir: 'asc' as const }]) {
    const left = a[key.field];
    const right = b[key.field];
    let order = 0;
    if (left === null || right === null) order = left === right ? 0 : left === null ? -1 : 1;
    else order = left < right ? -1 : left > right ? 1 : 0;
    if (order !== 0) return key.dir === 'asc' ? order : -order;
  }
  return 0;
}

describe.each(['sqlite', 'postgres'] as const)('paging on %s', (kind) => {
  let schema: TestSchema | undefined;
  let root: string;
  let server: TestServer;
  let sam: string;
  let gus: string;
  let nextId = 1000;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `opsdeck-paging-${kind}-`));
    cpSync(FIXTURE, join(root, 'items'), { recursive: true });
    writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
    if (kind === 'postgres') {
      schema = await createTestSchema('paging');
      const spec = join(root, 'items', 'app.yaml');
      const text = readFileSync(spec, 'utf8');
      if (!text.includes(SQLITE_SOURCE)) throw new Error('the fixture data source changed; update SQLITE_SOURCE');
      writeFileSync(spec, text.replace(SQLITE_SOURCE, `  main:\n    kind: postgres\n    url: "\${env:PAGING_DATABASE_URL}"\n    schema: ${schema.name}\n    migrations: migrations\n`));
      process.env.PAGING_DATABASE_URL = TEST_POSTGRES_URL;
    }
    server = await startServer(root).catch((err) => {
      throw new Error(JSON.stringify(err.diagnostics ?? err.message));
    });
    sam = await devLogin(server.url, 'sam@example.com');
    gus = await devLogin(server.url, 'gus@example.com');
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    delete process.env.PAGING_DATABASE_URL;
    if (root) rmSync(root, { recursive: true, force: true });
    await schema?.drop();
  });

  const query = (body: unknown, cookie = sam) => request(`${server.url}/api/apps/items/queries/items`, { method: 'POST', json: body, cookie });
  const act = async (action: string, params: Record<string, unknown>) => {
    const response = await request(`${server.url}/api/apps/items/actions/${action}`, { method: 'POST', json: { params }, cookie: sam });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  };
  const allItems = async (): Promise<Item[]> => {
    const response = await query({ key: 'id', page: { size: 500 } });
    expect(response.status).toBe(200);
    return response.body.rows.map((row: Item) => ({ id: Number(row.id), grp: row.grp, score: row.score === null ? null : Number(row.score) }));
  };

  it.each<[string, Sort]>([
    ['no sort', []],
    ['grp ascending', [{ field: 'grp', dir: 'asc' }]],
    ['score descending', [{ field: 'score', dir: 'desc' }]],
    ['score ascending', [{ field: 'score', dir: 'asc' }]],
    ['grp then score', [{ field: 'grp', dir: 'desc' }, { field: 'score', dir: 'asc' }]],
  ])('keyset paging with %s survives inserts and deletes', async (_name, sort) => {
    const initial = await allItems();
    const deletedUnseen = new Set<number>();
    const deletedSeen = new Set<number>();
    const inserted = new Set<number>();
    const seen: Item[] = [];
    let after: string | undefined;

    for (let page = 0; page < 100; page++) {
      const response = await query({ key: 'id', sort, page: { size: 4, ...(after ? { after } : {}) } });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      seen.push(...response.body.rows.map((row: Item) => ({ id: Number(row.id), grp: row.grp, score: row.score === null ? null : Number(row.score) })));
      after = response.body.page.next;
      if (after === undefined) break;

      // Between pages: one row that sorts first and one that sorts last arrive,
      // one row not read yet and one already read are deleted.
      const seenIds = new Set(seen.map((item) => item.id));
      for (const [grp, score] of [['aaa', null], ['zzz', 9]] as const) {
        const id = nextId++;
        await act('addItem', { id, grp, score, name: `New ${id}` });
        inserted.add(id);
      }
      const unread = initial.find((item) => !seenIds.has(item.id) && !deletedUnseen.has(item.id) && item.id % 3 === page % 3);
      if (unread) {
        await act('removeItem', { id: unread.id });
        deletedUnseen.add(unread.id);
      }
      const read = seen.find((item) => item.id < 1000 && !deletedSeen.has(item.id));
      if (read) {
        await act('removeItem', { id: read.id });
        deletedSeen.add(read.id);
      }
    }

    const ids = seen.map((item) => item.id);
    expect(new Set(ids).size, `repeated rows in ${ids.join(',')}`).toBe(ids.length);
    const stayed = initial.filter((item) => !deletedUnseen.has(item.id)).map((item) => item.id);
    expect(stayed.filter((id) => !ids.includes(id)), 'rows skipped').toEqual([]);
    expect(ids.filter((id) => deletedUnseen.has(id)), 'deleted rows shown').toEqual([]);
    const original = seen.filter((item) => !inserted.has(item.id));
    expect(original, 'rows out of order').toEqual([...original].sort((a, b) => compareItems(sort, a, b)));
    expect(deletedUnseen.size).toBeGreaterThan(0);

    // Put the table back for the next case: remove what was added.
    for (const id of inserted) await act('removeItem', { id });
    for (const item of initial.filter((entry) => deletedSeen.has(entry.id) || deletedUnseen.has(entry.id))) {
      await act('addItem', { id: item.id, grp: item.grp, score: item.score, name: `Item ${item.id}` });
    }
  });

  it('offset paging with ties returns each row once', async () => {
    const all = await allItems();
    const sort: Sort = [{ field: 'grp', dir: 'asc' }];
    const ids: number[] = [];
    for (let offset = 0; offset < all.length; offset += 7) {
      const response = await query({ key: 'id', sort, page: { size: 7, offset } });
      expect(response.status).toBe(200);
      ids.push(...response.body.rows.map((row: Item) => Number(row.id)));
    }
    expect(ids).toEqual([...all].sort((a, b) => compareItems(sort, a, b)).map((item) => item.id));
  });

  it('keyset paging counts every filtered row', async () => {
    const first = await query({ key: 'id', filter: { grp: 'blue' }, page: { size: 3 } });
    expect(first.status).toBe(200);
    const second = await query({ key: 'id', filter: { grp: 'blue' }, page: { size: 3, after: first.body.page.next } });
    expect(second.status).toBe(200);
    expect(second.body.total).toBe(first.body.total);
    expect(second.body.rows.every((row: Item) => row.grp === 'blue')).toBe(true);
    expect(Number(second.body.rows[0].id)).toBeGreaterThan(Number(first.body.rows[2].id));
  });

  it('sends no cursor without a key or on a short page', async () => {
    expect((await query({ page: { size: 3 } })).body.page.next).toBeUndefined();
    expect((await query({ key: 'id', page: { size: 500 } })).body.page.next).toBeUndefined();
  });

  it('rejects an unknown or masked key', async () => {
    const unknown = await query({ key: 'idd' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('invalid_key');
    expect(unknown.body.error.field).toBe('key');
    expect(unknown.body.error.message).toContain('Did you mean "id"?');
    expect((await query({ key: 3 })).status).toBe(400);
    const masked = await query({ key: 'name' }, gus);
    expect(masked.status).toBe(400);
    expect(masked.body.error.message).toContain('masked');
  });

  it('rejects bad cursors', async () => {
    const first = await query({ key: 'id', sort: [{ field: 'grp', dir: 'asc' }], page: { size: 3 } });
    const cursor: string = first.body.page.next;
    expect(typeof cursor).toBe('string');

    const cases: Array<[string, unknown]> = [
      ['no key', { page: { after: cursor } }],
      ['not base64url', { key: 'id', sort: [{ field: 'grp', dir: 'asc' }], page: { after: 'a b' } }],
      ['not JSON', { key: 'id', sort: [{ field: 'grp', dir: 'asc' }], page: { after: Buffer.from('nope').toString('base64url') } }],
      ['a number', { key: 'id', page: { after: 5 } }],
      ['another sort', { key: 'id', sort: [{ field: 'grp', dir: 'desc' }], page: { after: cursor } }],
      ['offset too', { key: 'id', sort: [{ field: 'grp', dir: 'asc' }], page: { after: cursor, offset: 3 } }],
      ['an object value', { key: 'id', page: { after: Buffer.from(JSON.stringify({ v: 1, o: [['id', 'asc']], k: [{ a: 1 }] })).toString('base64url') } }],
      ['too few values', { key: 'id', page: { after: Buffer.from(JSON.stringify({ v: 1, o: [['id', 'asc']], k: [] })).toString('base64url') } }],
    ];
    for (const [name, body] of cases) {
      const response = await query(body);
      expect(response.status, name).toBe(400);
      expect(response.body.error.code, name).toBe('invalid_page');
    }
  });

  it('uses the query key when the request names none', async () => {
    const url = `${server.url}/api/apps/items/queries/keyed`;
    const first = await request(url, { method: 'POST', json: { sort: [{ field: 'grp', dir: 'asc' }], page: { size: 5 } }, cookie: sam });
    expect(first.status).toBe(200);
    expect(typeof first.body.page.next).toBe('string');
    const ids = first.body.rows.map((row: Item) => Number(row.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const second = await request(url, { method: 'POST', json: { sort: [{ field: 'grp', dir: 'asc' }], page: { size: 5, after: first.body.page.next } }, cookie: sam });
    expect(second.status).toBe(200);
    expect(second.body.rows.map((row: Item) => Number(row.id)).some((id: number) => ids.includes(id))).toBe(false);
  });

  it('skips a query key masked for the caller', async () => {
    const url = `${server.url}/api/apps/items/queries/keyedByName`;
    const guest = await request(url, { method: 'POST', json: { page: { size: 5 } }, cookie: gus });
    expect(guest.status).toBe(200);
    expect(guest.body.page.next).toBeUndefined();
    const staff = await request(url, { method: 'POST', json: { page: { size: 5 } }, cookie: sam });
    expect(typeof staff.body.page.next).toBe('string');
  });

  it('accepts a cursor a client wrote with the same shape', async () => {
    // The cursor is opaque to clients but not secret: its values are bound like a filter on columns the caller may read.
    const forged = Buffer.from(JSON.stringify({ v: 1, o: [['id', 'asc']], k: [25] })).toString('base64url');
    const response = await query({ key: 'id', page: { size: 500, after: forged } });
    expect(response.status).toBe(200);
    expect(response.body.rows.every((row: Item) => Number(row.id) > 25)).toBe(true);
  });
});
