// Two `opsdeck serve` processes on one PostgreSQL system store whose app keeps
// its data in a sqlite file. Each process would keep its own copy of the
// database in memory and overwrite the other's changes, so only the first
// process serves the app. The second responds 503 with the reason until the
// first stops, then takes the file over with every change the first made.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TempRoot } from '../helpers/apps.js';
import { kill, spawnServer, type ServerProcess } from '../helpers/process.js';
import { devLogin, request } from '../helpers/server.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';
import { AMY, LEA, writeRefundsApp } from './approvals-app.js';

let temp: TempRoot;
let schema: TestSchema;
let first: ServerProcess | undefined;
let second: ServerProcess | undefined;
const env = { OPSDECK_TEST_STORE_URL: TEST_POSTGRES_URL };

beforeAll(async () => {
  schema = await createTestSchema('sqlitereplicas');
  temp = writeRefundsApp();
  writeFileSync(join(temp.root, 'opsdeck.yaml'), `identity:\n  mode: dev\nsession:\n  secret: a-fixed-secret-for-two-processes-0123456789\nstore:\n  kind: postgres\n  url: \${env:OPSDECK_TEST_STORE_URL}\n  schema: ${schema.name}\n`);
  first = await spawnServer(temp.root, ['--no-watch'], env);
  second = await spawnServer(temp.root, ['--no-watch'], env);
}, 60_000);

afterAll(async () => {
  await Promise.all([first && kill(first.child, 'SIGTERM'), second && kill(second.child, 'SIGTERM')]);
  await schema?.drop();
  temp?.remove();
});

describe('two processes on one sqlite data source', () => {
  it('hands the file over at shutdown', async () => {
    const orders = async (server: ServerProcess, cookie: string) => request(`${server.url}/api/apps/refunds/queries/orders`, { method: 'POST', cookie, json: {} });
    const amyFirst = await devLogin(first!.url, AMY);
    const amySecond = await devLogin(second!.url, AMY);
    expect((await orders(first!, amyFirst)).status).toBe(200);

    const rejected = await orders(second!, amySecond);
    expect(rejected.status).toBe(503);
    expect(rejected.body.error.message).toContain('refunds.sqlite is in use by another Opsdeck process');
    const ready = await request(`${second!.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.reasons.join(' ')).toContain('move the data to PostgreSQL to run several');

    const refund = await request(`${first!.url}/api/apps/refunds/actions/refund`, { method: 'POST', cookie: amyFirst, json: { params: { id: 3, refund: 5 } } });
    expect(refund.status).toBe(202);
    const lea = await devLogin(first!.url, LEA);
    const approved = await request(`${first!.url}/api/apps/refunds/approvals/${refund.body.approval.id}/approve`, { method: 'POST', cookie: lea, json: {} });
    expect(approved.body).toMatchObject({ changes: 1 });
    await kill(first!.child, 'SIGTERM');
    first = undefined;

    // The second process retries with backoff, so it takes the file within seconds.
    let answer = await orders(second!, amySecond);
    for (const until = Date.now() + 30_000; answer.status !== 200 && Date.now() < until; ) {
      await sleep(250);
      answer = await orders(second!, amySecond);
    }
    expect(answer.status).toBe(200);
    expect((await request(`${second!.url}/readyz`)).status).toBe(200);
    // The change the first process made is in the file the second took over.
    const rows = answer.body.rows as Array<{ id: number; refunded: number; refunded_by: string | null }>;
    expect(rows.find((row) => row.id === 3)).toMatchObject({ refunded: 5, refunded_by: AMY });
  }, 60_000);
});
