// Readiness follows the PostgreSQL system store: the server reaches the store
// through a TCP relay on 127.0.0.1 that the test starts and stops, so the
// store becomes unreachable as it would when its database goes away. /readyz
// answers 503 while the store is gone, actions answer 503 and run nothing,
// and both recover once it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import type { TempRoot } from '../helpers/apps.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';
import { ANA, writeJobsApp } from './jobs-app.js';

/** A TCP relay to the test PostgreSQL server; `stop` closes it and cuts every connection through it. */
class Relay {
  port = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  async start(port = 0): Promise<void> {
    const target = new URL(TEST_POSTGRES_URL);
    this.#server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
  }
}

describe('readiness with the PostgreSQL store', () => {
  let schema: TestSchema;
  let temp: TempRoot;
  let server: TestServer;
  const relay = new Relay();

  beforeAll(async () => {
    schema = await createTestSchema('readiness');
    await relay.start();
    temp = writeJobsApp();
    const url = new URL(TEST_POSTGRES_URL);
    url.host = `127.0.0.1:${relay.port}`;
    process.env.OPSDECK_TEST_RELAY_URL = url.toString();
    writeFileSync(join(temp.root, 'opsdeck.yaml'), `identity:\n  mode: dev\nstore:\n  kind: postgres\n  url: \${env:OPSDECK_TEST_RELAY_URL}\n  schema: ${schema.name}\n`);
    server = await startServer(temp.root);
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await relay.stop().catch(() => undefined);
    await schema?.drop();
    temp?.remove();
    delete process.env.OPSDECK_TEST_RELAY_URL;
  });

  it('goes unready while the store is unreachable and ready again when it returns', async () => {
    const cookie = await devLogin(server.url, ANA);
    expect((await request(`${server.url}/readyz`)).status).toBe(200);

    await relay.stop();
    const down = await request(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.body.checks.audit).toMatch(/^unavailable: /);
    expect(JSON.stringify(down.body)).not.toContain(String(relay.port));
    const refused = await request(`${server.url}/api/apps/ledger/actions/makeReady`, { method: 'POST', json: { params: {} }, cookie });
    expect(refused.status).toBe(503);
    expect((await request(`${server.url}/api/apps/ledger/jobs/rebuild/runs`, { method: 'POST', json: { params: { factor: 1 } }, cookie })).status).toBe(503);

    await relay.start(relay.port);
    let ready = await request(`${server.url}/readyz`);
    for (let i = 0; i < 40 && ready.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      ready = await request(`${server.url}/readyz`);
    }
    expect(ready.status).toBe(200);
    const ran = await request(`${server.url}/api/apps/ledger/actions/makeReady`, { method: 'POST', json: { params: {} }, cookie });
    expect(ran.status).toBe(200);
    const { rows } = await schema.admin(`SELECT record->>'outcome' AS outcome FROM ${schema.name}.audit_records WHERE record->>'object' = 'action:makeReady' ORDER BY seq`);
    // The refused action left no record; the one after the store returned left its pair.
    expect(rows.map((row) => row.outcome)).toEqual(['started', 'succeeded']);
  }, 60_000);
});
