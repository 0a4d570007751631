// Two real `opsdeck serve` processes on one app folder and one PostgreSQL
// system store (a throwaway schema of the test database), as replicas behind
// a load balancer would run: sessions and sign-outs, approvals and the audit
// chain are shared between them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeRefundsApp, refundsSpec, AMY, BOB, LEA } from './approvals-app.js';
import type { TempRoot } from '../helpers/apps.js';
import { kill, spawnServer, CLI, type ServerProcess } from '../helpers/process.js';
import { devLogin, request } from '../helpers/server.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';
import { runAudit } from '../../runtime/commands/audit.js';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

let temp: TempRoot;
let schema: TestSchema;
let one: ServerProcess;
let two: ServerProcess;
const env = { OPSDECK_TEST_STORE_URL: TEST_POSTGRES_URL, OPSDECK_TEST_APP_URL: TEST_POSTGRES_URL };

/** Writes the refunds app on a PostgreSQL data source in the same throwaway schema, so both processes change one table. */
function writeApp(): TempRoot {
  const app = writeRefundsApp(refundsSpec().replace('main: { kind: sqlite, file: data/refunds.sqlite, migrations: migrations }', `main: { kind: postgres, url: "\${env:OPSDECK_TEST_APP_URL}", schema: ${schema.name}, migrations: migrations }`));
  writeFileSync(
    join(app.appDir, 'migrations', '001_orders.sql'),
    `create table orders (id integer primary key, customer text not null, amount numeric not null, refunded numeric not null default 0, refunded_by text, reference text);
insert into orders (id, customer, amount) values (1, 'Ada', 120), (2, 'Grace', 80), (3, 'Linus', 45), (4, 'Margaret', 300), (5, 'Ken', 60), (6, 'Barbara', 99);
`,
  );
  mkdirSync(join(app.root, '.opsdeck'), { recursive: true });
  writeFileSync(join(app.root, 'opsdeck.yaml'), `identity:\n  mode: dev\nsession:\n  secret: a-fixed-secret-for-two-processes-0123456789\nstore:\n  kind: postgres\n  url: \${env:OPSDECK_TEST_STORE_URL}\n  schema: ${schema.name}_sys\n`);
  return app;
}

async function cli(args: string[], extraEnv: NodeJS.ProcessEnv = env): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, extraEnv);
  let stdout = '';
  let stderr = '';
  try {
    const code = await runAudit(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    return { code, stdout, stderr };
  } finally {
    for (const key of Object.keys(extraEnv)) if (!(key in saved)) delete process.env[key];
  }
}

beforeAll(async () => {
  schema = await createTestSchema('replicas');
  temp = writeApp();
  // Started together, so both migrate the new store schema at once: the advisory lock makes them take turns.
  [one, two] = await Promise.all([spawnServer(temp.root, ['--no-watch'], env), spawnServer(temp.root, ['--no-watch'], env)]);
}, 60_000);

afterAll(async () => {
  if (process.env.SHOW_OUTPUT) console.log(one?.output(), two?.output());
  await Promise.all([one && kill(one.child, 'SIGTERM'), two && kill(two.child, 'SIGTERM')]);
  await schema?.admin(`DROP SCHEMA IF EXISTS ${schema.name}_sys CASCADE`);
  await schema?.drop();
  temp?.remove();
});

describe('two server processes on one PostgreSQL system store', () => {
  it('shares dev sessions between processes', async () => {
    const cookie = await devLogin(one.url, AMY);
    const session = await request(`${two.url}/api/session`, { cookie });
    expect(session.status).toBe(200);
    expect(session.body.user.id).toBe(AMY);
    expect((await request(`${two.url}/api/session`)).status).toBe(401);
  });

  it('ends a session on both processes at sign-out', async () => {
    const cookie = await devLogin(one.url, AMY);
    expect((await request(`${two.url}/api/session`, { cookie })).status).toBe(200);
    expect((await request(`${one.url}/api/logout`, { method: 'POST', cookie, json: {} })).status).toBe(200);
    expect((await request(`${one.url}/api/session`, { cookie })).status).toBe(401);
    // The other process reads the sign-outs of the others every second.
    const deadline = Date.now() + 5_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await sleep(100);
      status = (await request(`${two.url}/api/session`, { cookie })).status;
    }
    expect(status).toBe(401);
  });

  it('approves across processes, runs once', async () => {
    const amy = await devLogin(one.url, AMY);
    const sent = await request(`${one.url}/api/apps/refunds/actions/refund`, { method: 'POST', cookie: amy, json: { params: { id: 4, refund: 150, reference: 'R-1' } } });
    expect(sent.status).toBe(202);
    const id = sent.body.approval.id as string;

    const lea = await devLogin(two.url, LEA);
    const listed = await request(`${two.url}/api/apps/refunds/approvals`, { cookie: lea });
    expect(listed.body.approvals.find((item: { id: string }) => item.id === id)).toMatchObject({ status: 'pending', mayDecide: true });

    const approved = await request(`${two.url}/api/apps/refunds/approvals/${id}/approve`, { method: 'POST', cookie: lea, json: {} });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ changes: 1, approval: { id, status: 'executed' } });
    // Deciding again on the first process finds the request executed.
    const leaOnOne = await devLogin(one.url, LEA);
    const again = await request(`${one.url}/api/apps/refunds/approvals/${id}/approve`, { method: 'POST', cookie: leaOnOne, json: {} });
    expect(again.status).toBe(409);

    const rows = await schema.admin(`select refunded, refunded_by from ${schema.name}.orders where id = 4`);
    expect(rows.rows[0]).toEqual({ refunded: '150', refunded_by: AMY });
    const audit = await schema.admin(`select record->>'outcome' as outcome from ${schema.name}_sys.audit_records where record->>'approval' = '${id}' order by seq`);
    expect(audit.rows.map((row) => row.outcome)).toEqual(['pending', 'approved', 'started', 'succeeded']);
  });

  it('lets one of two approvals win', async () => {
    const bob = await devLogin(two.url, BOB);
    const sent = await request(`${two.url}/api/apps/refunds/actions/refund`, { method: 'POST', cookie: bob, json: { params: { id: 5, refund: 10 } } });
    const id = sent.body.approval.id as string;
    const [leaOne, leaTwo] = await Promise.all([devLogin(one.url, LEA), devLogin(two.url, LEA)]);
    const answers = await Promise.all([
      request(`${one.url}/api/apps/refunds/approvals/${id}/approve`, { method: 'POST', cookie: leaOne, json: {} }),
      request(`${two.url}/api/apps/refunds/approvals/${id}/approve`, { method: 'POST', cookie: leaTwo, json: {} }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const rows = await schema.admin(`select refunded from ${schema.name}.orders where id = 5`);
    expect(rows.rows[0].refunded).toBe('10');
  });

  it('keeps one chain with two writers', async () => {
    const [amyOne, amyTwo] = await Promise.all([devLogin(one.url, AMY), devLogin(two.url, AMY)]);
    const burst = (url: string, cookie: string) =>
      Promise.all(Array.from({ length: 15 }, (_, n) => request(`${url}/api/apps/refunds/actions/refund`, { method: 'POST', cookie, json: { params: { id: [1, 2, 3, 6][n % 4], refund: n } } })));
    const answers = (await Promise.all([burst(one.url, amyOne), burst(two.url, amyTwo)])).flat();
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 202));

    const verified = await cli(['verify', temp.root]);
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toMatch(/^\d+ records, chain intact\n$/);
    expect(Number(verified.stdout.split(' ')[0])).toBeGreaterThanOrEqual(30 + 4);
  });

  it('names an unset store URL variable', async () => {
    const result = await cli(['verify', temp.root], { OPSDECK_TEST_STORE_URL: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('OPSDECK_TEST_STORE_URL');
    expect(result.stderr).not.toContain('postgres://');
  });

  it('refuses to start without its store', async () => {
    const output = await new Promise<{ code: number | null; text: string }>((resolveRun) => {
      const child = spawn(process.execPath, [CLI, 'serve', temp.root, '--port', '0', '--no-watch'], { env: { ...process.env, ...env, OPSDECK_TEST_STORE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/test' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.once('exit', (code) => resolveRun({ code, text }));
    });
    expect(output.code).not.toBe(0);
    expect(output.text).toContain(`schema "${schema.name}_sys"`);
    expect(output.text).toContain('refused the connection');
    expect(output.text).not.toContain('hunter2');
  });
});
