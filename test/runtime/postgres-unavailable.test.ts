// An app whose PostgreSQL database is down is served as unavailable while
// other apps keep serving, and recovers by itself. A TCP proxy on 127.0.0.1
// in front of the test server plays the database going away and coming back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';

/** A TCP proxy to the test PostgreSQL server that can be stopped, dropping every connection, and started again on the same port. */
class DatabaseProxy {
  port = 0;
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  readonly #target = new URL(TEST_POSTGRES_URL);

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.#target.port || 5432), this.#target.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
  }
}

const USER = 'ops@example.com';
const appYaml = (id: string, datasource: string, table: string): string => `opsdeck: 1
id: ${id}
title: ${id}
datasources:
  main: ${datasource}
roles:
  viewer: { members: { users: [${USER}] } }
devUsers:
  - { id: ${USER}, name: Ops }
queries:
  items:
    datasource: main
    sql: select id, name from ${table}
    allow: [viewer]
pages:
  items:
    title: Items
    allow: [viewer]
    components:
      - table: { query: items, columns: [id, name] }
`;

let schema: TestSchema;
let proxy: DatabaseProxy;
let root: string;
let server: TestServer | undefined;
let cookie: string;

beforeAll(async () => {
  schema = await createTestSchema('unavailable');
  await schema.admin(`CREATE TABLE ${schema.name}.item (id integer PRIMARY KEY, name text NOT NULL); INSERT INTO ${schema.name}.item VALUES (1, 'anvil'), (2, 'bucket')`);
  proxy = new DatabaseProxy();
  await proxy.start();
  // The port is known now; stopping the proxy leaves nothing listening there, so the app starts with its database down.
  await proxy.stop();

  root = mkdtempSync(join(tmpdir(), 'opsdeck-pg-down-'));
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  mkdirSync(join(root, 'remote', 'migrations'), { recursive: true });
  writeFileSync(join(root, 'remote', 'app.yaml'), appYaml('remote', `{ kind: postgres, url: "\${env:ITEMS_DATABASE_URL}", schema: ${schema.name}, pool: { max: 2 } }`, 'item'));
  mkdirSync(join(root, 'local', 'migrations'), { recursive: true });
  writeFileSync(join(root, 'local', 'app.yaml'), appYaml('local', '{ kind: sqlite, file: data/local.sqlite, migrations: migrations }', 'thing'));
  writeFileSync(join(root, 'local', 'migrations', '001_thing.sql'), "CREATE TABLE thing (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO thing VALUES (1, 'local');\n");

  const target = new URL(TEST_POSTGRES_URL);
  target.port = String(proxy.port);
  process.env.ITEMS_DATABASE_URL = target.toString();
});

afterAll(async () => {
  await server?.close();
  await proxy?.stop();
  delete process.env.ITEMS_DATABASE_URL;
  if (root) rmSync(root, { recursive: true, force: true });
  await schema?.drop();
});

const apps = async () => (await request(`${server!.url}/api/apps`, { cookie })).body.apps as Array<{ id: string; status: string; reason?: string }>;
const items = (app: string) => request(`${server!.url}/api/apps/${app}/queries/items`, { method: 'POST', json: {}, cookie });

async function waitForStatus(app: string, status: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if ((await apps()).find((entry) => entry.id === app)?.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`app ${app} did not become ${status} within 15 s; apps: ${JSON.stringify(await apps())}`);
}

describe('an unreachable PostgreSQL database', () => {
  it('serves the app as unavailable at start while others serve', async () => {
    server = await startServer(root);
    cookie = await devLogin(server.url, USER);
    const remote = (await apps()).find((app) => app.id === 'remote')!;
    expect(remote.status).toBe('unavailable');
    expect(remote.reason).toContain('connection refused');
    expect(remote.reason).not.toContain(String(proxy.port));
    const refused = await items('remote');
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('app_unavailable');
    expect(refused.body.error.message).toContain('connection refused');
    expect(JSON.stringify(refused.body)).not.toContain('postgres://');
    const local = await items('local');
    expect(local.status).toBe(200);
    expect(local.body.rows).toEqual([{ id: 1, name: 'local' }]);
  });

  it('recovers by itself when the database comes back', async () => {
    await proxy.start();
    await waitForStatus('remote', 'ok');
    const response = await items('remote');
    expect(response.status).toBe(200);
    expect(response.body.rows).toEqual([{ id: 1, name: 'anvil' }, { id: 2, name: 'bucket' }]);
  });

  it('turns unavailable when the database goes away and back when it returns', async () => {
    await proxy.stop();
    const down = await items('remote');
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('app_unavailable');
    expect((await apps()).find((app) => app.id === 'remote')!.status).toBe('unavailable');
    expect((await items('local')).status).toBe(200);
    await proxy.start();
    await waitForStatus('remote', 'ok');
    expect((await items('remote')).body.rows).toHaveLength(2);
  });
});

describe('a missing environment variable', () => {
  it('serves the app as unavailable, naming the variable', async () => {
    const other = mkdtempSync(join(tmpdir(), 'opsdeck-pg-env-'));
    let started: TestServer | undefined;
    try {
      writeFileSync(join(other, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
      mkdirSync(join(other, 'remote'));
      writeFileSync(join(other, 'remote', 'app.yaml'), appYaml('remote', '{ kind: postgres, url: "postgres://ops:${env:OPSDECK_TEST_UNSET_PASSWORD}@127.0.0.1/test" }', 'item'));
      started = await startServer(other);
      const login = await devLogin(started.url, USER);
      const listed = (await request(`${started.url}/api/apps`, { cookie: login })).body.apps[0];
      expect(listed).toMatchObject({ id: 'remote', status: 'unavailable' });
      expect(listed.reason).toContain('OPSDECK_TEST_UNSET_PASSWORD');
      const response = await request(`${started.url}/api/apps/remote/queries/items`, { method: 'POST', json: {}, cookie: login });
      expect(response.status).toBe(503);
      expect(response.body.error.message).toContain('Set OPSDECK_TEST_UNSET_PASSWORD');
    } finally {
      await started?.close();
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('a PostgreSQL URL whose TLS settings the server does not match', () => {
  it('serves the app as unavailable and the others normally', async () => {
    const tlsRoot = mkdtempSync(join(tmpdir(), 'opsdeck-pg-tls-'));
    const target = new URL(TEST_POSTGRES_URL);
    target.searchParams.set('sslmode', 'require');
    process.env.TLS_DATABASE_URL = target.toString();
    let tlsServer: TestServer | undefined;
    try {
      writeFileSync(join(tlsRoot, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
      mkdirSync(join(tlsRoot, 'tls', 'migrations'), { recursive: true });
      writeFileSync(join(tlsRoot, 'tls', 'app.yaml'), appYaml('tls', `{ kind: postgres, url: "\${env:TLS_DATABASE_URL}", schema: ${schema.name}, pool: { max: 1 } }`, 'item'));
      mkdirSync(join(tlsRoot, 'local', 'migrations'), { recursive: true });
      writeFileSync(join(tlsRoot, 'local', 'app.yaml'), appYaml('local', '{ kind: sqlite, file: data/local.sqlite, migrations: migrations }', 'thing'));
      writeFileSync(join(tlsRoot, 'local', 'migrations', '001_thing.sql'), "CREATE TABLE thing (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n");
      tlsServer = await startServer(tlsRoot);
      const tlsCookie = await devLogin(tlsServer.url, USER);
      const listed = (await request(`${tlsServer.url}/api/apps`, { cookie: tlsCookie })).body.apps as Array<{ id: string; status: string; reason?: string }>;
      const tls = listed.find((app) => app.id === 'tls')!;
      expect(tls.status).toBe('unavailable');
      expect(tls.reason).toContain('TLS');
      expect(listed.find((app) => app.id === 'local')!.status).toBe('ok');
    } finally {
      await tlsServer?.close();
      delete process.env.TLS_DATABASE_URL;
      rmSync(tlsRoot, { recursive: true, force: true });
    }
  });
});
