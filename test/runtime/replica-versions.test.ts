// Two replicas watching one spec folder converge on a change: each picks it
// up with its own watcher, and `GET /api/version` on each names the version
// it serves and which process answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kill, spawnServer, type ServerProcess } from '../helpers/process.js';
import { devLogin, request } from '../helpers/server.js';
import type { TempRoot } from '../helpers/apps.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';
import { ANA, writeJobsApp } from './jobs-app.js';

let temp: TempRoot;
let schema: TestSchema;
let one: ServerProcess;
let two: ServerProcess;
const env = { OPSDECK_TEST_STORE_URL: TEST_POSTGRES_URL };

beforeAll(async () => {
  schema = await createTestSchema('versions');
  temp = writeJobsApp();
  writeFileSync(join(temp.root, 'opsdeck.yaml'), `identity:\n  mode: dev\nsession:\n  secret: a-fixed-secret-for-two-replicas-0123456789\nstore:\n  kind: postgres\n  url: \${env:OPSDECK_TEST_STORE_URL}\n  schema: ${schema.name}\n`);
  one = await spawnServer(temp.root, [], env);
  two = await spawnServer(temp.root, [], env);
}, 60_000);

afterAll(async () => {
  await Promise.all([one && kill(one.child, 'SIGTERM'), two && kill(two.child, 'SIGTERM')]);
  await schema?.drop();
  temp?.remove();
});

describe('replicas watching one folder', () => {
  it('both serve a changed spec, and say which version and process answered', async () => {
    const cookie = await devLogin(one.url, ANA);
    const version = async (server: ServerProcess) => (await request(`${server.url}/api/version`, { cookie })).body;
    const before = [await version(one), await version(two)];
    expect(before[0].apps).toEqual(before[1].apps);
    expect(before[0].replica).not.toBe(before[1].replica);

    const file = join(temp.appDir, 'app.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('title: Ledger', 'title: Ledger of record'));
    const until = Date.now() + 20_000;
    let after = before;
    while (Date.now() < until) {
      after = [await version(one), await version(two)];
      if (after.every((body) => body.apps[0].contentHash !== before[0].apps[0].contentHash)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(after[0].apps[0].contentHash).not.toBe(before[0].apps[0].contentHash);
    expect(after[1].apps[0].contentHash).toBe(after[0].apps[0].contentHash);
    expect((await request(`${two.url}/api/apps`, { cookie })).body.apps[0].title).toBe('Ledger of record');
  }, 60_000);
});
