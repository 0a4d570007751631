// Server-side check of option values when the options query returns more
// rows than the check reads in pages (20 pages of 500). A value past them is
// looked up in the same query under the caller's row rule. So the searchable
// select can offer every row, and the server still rejects values the caller
// may not pick.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

const FIXTURE = resolve(__dirname, '..', 'fixtures', 'big-select');
const ACCOUNTS = 12_000;

let root: string;
let server: TestServer;
let clerk: string;
let partner: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-option-values-large-'));
  cpSync(FIXTURE, join(root, 'big'), { recursive: true });
  const migration = join(root, 'big', 'migrations', '001_accounts.sql');
  const sql = readFileSync(migration, 'utf8');
  if (!sql.includes('i < 1500')) throw new Error('the big-select fixture changed: account count not found');
  writeFileSync(migration, sql.replace('i < 1500', `i < ${ACCOUNTS}`));
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
  clerk = await devLogin(server.url, 'clara@big.example');
  partner = await devLogin(server.url, 'pat@big.example');
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

function pick(cookie: string, params: Record<string, unknown>) {
  return request(`${server.url}/api/apps/big/actions/pick`, { method: 'POST', cookie, json: { params } });
}

const fields = (response: { body: { error?: { details?: Array<{ field: string }> } } }): string[] => (response.body.error?.details ?? []).map((detail) => detail.field);

describe('option values past the pages read', () => {
  it('accepts a value past 10,000 rows', async () => {
    const response = await pick(clerk, { accountId: 11_500 });
    expect(response.status).toBe(200);
  });

  it('accepts list items past 10,000 rows', async () => {
    const response = await pick(clerk, { accountId: 3, accountIds: [11_998, 10_001, 42] });
    expect(response.status).toBe(200);
  });

  it('rejects a value the query never returns', async () => {
    const response = await pick(clerk, { accountId: ACCOUNTS + 5 });
    expect(response.status).toBe(400);
    expect(fields(response)).toEqual(['params.accountId']);
    expect(response.body.error.details[0].message).toContain(`${ACCOUNTS + 5} is not a choice`);
  });

  it('applies the row rule to looked-up values', async () => {
    // The partner's row rule keeps even ids only (region east).
    expect((await pick(partner, { accountId: 11_500 })).status).toBe(200);
    const odd = await pick(partner, { accountId: 11_501 });
    expect(odd.status).toBe(400);
    expect(fields(odd)).toEqual(['params.accountId']);
    const list = await pick(partner, { accountId: 2, accountIds: [11_502, 11_503] });
    expect(list.status).toBe(400);
    expect(list.body.error.details[0].message).toContain('11503 is not a choice');
    expect(list.body.error.details[0].message).not.toContain('11502');
  });

});
