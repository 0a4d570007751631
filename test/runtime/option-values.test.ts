// Server-side check of parameters with `options: { query, value }`: a value
// the options query does not return for the caller (under the caller's row
// rule) is a 400 naming the parameter, for actions and queries alike, and the
// action does not run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TempRoot } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { copyFormsApp } from '../fixtures/f2/copy.js';

const ENTRIES_QUERY = `  customerEntries:
    title: Customer entries
    datasource: main
    sql: select id as "Id", title as "Title" from entries where customer_id = :customerId
    params:
      customerId: { type: integer, options: { query: customers, value: Id } }
    required: [customerId]
    allow: [clerk, partner]
  notes:
    title: Notes`;

let temp: TempRoot;
let server: TestServer;
let partner: string;
let clerk: string;

beforeAll(async () => {
  temp = copyFormsApp((spec) => {
    if (!spec.includes('  notes:\n    title: Notes')) throw new Error('the forms fixture changed: notes query not found');
    return spec.replace('  notes:\n    title: Notes', ENTRIES_QUERY);
  });
  server = await startServer(temp.root);
  partner = await devLogin(server.url, 'pat@forms.example');
  clerk = await devLogin(server.url, 'clara@forms.example');
});

afterAll(async () => {
  await server?.close();
  temp?.remove();
});

function addEntry(cookie: string, params: Record<string, unknown>) {
  return request(`${server.url}/api/apps/forms/actions/addEntry`, { method: 'POST', cookie, json: { params: { title: 'Option check', refundReason: 'x', ...params } } });
}

async function entryCount(): Promise<number> {
  const response = await request(`${server.url}/api/apps/forms/queries/entries`, { method: 'POST', cookie: clerk, json: { params: {} } });
  expect(response.status).toBe(200);
  return response.body.total as number;
}

/** Ids of the customers the user's options query returns. */
async function customerIds(cookie: string): Promise<number[]> {
  const response = await request(`${server.url}/api/apps/forms/queries/customers`, { method: 'POST', cookie, json: { params: {} } });
  expect(response.status).toBe(200);
  return (response.body.rows as Array<{ Id: number }>).map((row) => row.Id);
}

function fields(response: { body: { error: { details?: Array<{ field: string }> } } }): string[] {
  return (response.body.error.details ?? []).map((detail) => detail.field);
}

describe('option values checked by the server', () => {
  it('rejects an action value outside the caller\'s rows and runs nothing', async () => {
    const mine = await customerIds(partner);
    const all = await customerIds(clerk);
    const outside = all.find((id) => !mine.includes(id));
    expect(outside).toBeDefined();

    const before = await entryCount();
    const rejected = await addEntry(partner, { customerId: outside });
    expect(rejected.status).toBe(400);
    expect(rejected.body.error.code).toBe('invalid_params');
    expect(fields(rejected)).toEqual(['params.customerId']);
    expect(rejected.body.error.details[0].message).toContain('customers');
    expect(await entryCount()).toBe(before);

    // The same value is a choice for a user without the row rule.
    expect((await addEntry(clerk, { customerId: outside })).status).toBe(200);
    expect(await entryCount()).toBe(before + 1);
  });

  it('accepts an action value inside the caller\'s rows', async () => {
    const [inside] = await customerIds(partner);
    const before = await entryCount();
    const accepted = await addEntry(partner, { customerId: inside });
    expect(accepted.status).toBe(200);
    expect(await entryCount()).toBe(before + 1);
  });

  it('checks each item of an array parameter', async () => {
    const mine = await customerIds(partner);
    const outside = (await customerIds(clerk)).find((id) => !mine.includes(id))!;
    const rejected = await addEntry(partner, { customerIds: [mine[0], outside] });
    expect(rejected.status).toBe(400);
    expect(fields(rejected)).toEqual(['params.customerIds']);
    expect(rejected.body.error.details[0].message).toContain(String(outside));
    expect((await addEntry(partner, { customerIds: mine })).status).toBe(200);
  });

  it('rejects unknown values, allows omission', async () => {
    const rejected = await addEntry(clerk, { customerId: 999_999 });
    expect(rejected.status).toBe(400);
    expect(fields(rejected)).toEqual(['params.customerId']);
    expect((await addEntry(clerk, {})).status).toBe(200);
    expect((await addEntry(clerk, { customerId: null })).status).toBe(200);
  });

  it('checks query parameters too', async () => {
    const mine = await customerIds(partner);
    const outside = (await customerIds(clerk)).find((id) => !mine.includes(id))!;
    const url = `${server.url}/api/apps/forms/queries/customerEntries`;
    const rejected = await request(url, { method: 'POST', cookie: partner, json: { params: { customerId: outside } } });
    expect(rejected.status).toBe(400);
    expect(fields(rejected)).toEqual(['params.customerId']);
    expect((await request(url, { method: 'POST', cookie: partner, json: { params: { customerId: mine[0] } } })).status).toBe(200);
  });
});
