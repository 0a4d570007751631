// A job run killed with SIGKILL mid-way: after a restart it is marked
// interrupted (not lost, not left running), and resuming it goes on from its
// last committed chunk to the same result as an uninterrupted run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kill, spawnServer, type ServerProcess } from '../helpers/process.js';
import { devLogin, request } from '../helpers/server.js';
import type { TempRoot } from '../helpers/apps.js';
import { ANA, ITEMS, jobsSpec, writeJobsApp } from './jobs-app.js';

describe('a job run killed with SIGKILL', () => {
  let temp: TempRoot;
  let server: ServerProcess | undefined;

  beforeAll(() => {
    temp = writeJobsApp(jobsSpec({ chunk: 10 }));
  });

  afterAll(async () => {
    if (server) await kill(server.child);
    temp?.remove();
  });

  const waitFor = async (url: string, cookie: string, done: (run: any) => boolean): Promise<any> => {
    const until = Date.now() + 30_000;
    for (;;) {
      const run = (await request(url, { cookie })).body.run;
      if (done(run)) return run;
      if (Date.now() > until) throw new Error(`run did not reach the expected state; last: ${JSON.stringify(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('is interrupted after a restart and resumes from its last committed chunk', async () => {
    // Checkpoints every 100 ms, so one is on disk when the kill comes.
    server = await spawnServer(temp.root, [], { OPSDECK_CHECKPOINT_MS: '100' });
    let cookie = await devLogin(server.url, ANA);
    const api = `${server.url}/api/apps/ledger`;
    const started = await request(`${api}/jobs/slowCopy/runs`, { method: 'POST', json: { params: { factor: 5 } }, cookie });
    expect(started.status).toBe(202);
    const id = started.body.run.id;
    await waitFor(`${api}/jobs/runs/${id}`, cookie, (run) => (run.steps[1]?.rows ?? 0) >= 300);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await kill(server.child, 'SIGKILL');

    server = await spawnServer(temp.root);
    const restarted = `${server.url}/api/apps/ledger`;
    cookie = await devLogin(server.url, ANA);
    const after = (await request(`${restarted}/jobs/runs/${id}`, { cookie })).body.run;
    expect(after.status).toBe('interrupted');
    expect(after.canResume).toBe(true);
    expect(after.steps[0].status).toBe('done');
    const checkpoint = after.steps[1].rows;
    expect(checkpoint).toBeGreaterThanOrEqual(300);
    // The checkpoint is the last one on disk; the rows walked in memory after it are done again on resume.
    expect(checkpoint).toBeLessThan(ITEMS);
    expect(checkpoint % 10).toBe(0);
    const kept = await request(`${restarted}/queries/totals`, { method: 'POST', json: { page: { size: 1 } }, cookie });
    // Whole chunks only, and never fewer rows than the checkpoint: chunks after it may have reached the file before the kill.
    expect(kept.body.total % 10).toBe(0);
    expect(kept.body.total).toBeGreaterThanOrEqual(checkpoint);

    const resumed = await request(`${restarted}/jobs/runs/${id}/resume`, { method: 'POST', json: {}, cookie });
    expect(resumed.status).toBe(202);
    const done = await waitFor(`${restarted}/jobs/runs/${id}`, cookie, (run) => ['succeeded', 'failed'].includes(run.status));
    expect(done.status).toBe('succeeded');
    expect(done.steps[1].rows).toBe(ITEMS);
    const full = await request(`${restarted}/queries/totals`, { method: 'POST', json: { page: { size: 1 }, sort: [{ field: 'id', dir: 'desc' }] }, cookie });
    expect(full.body.total).toBe(ITEMS);
    expect(full.body.rows[0]).toEqual({ id: ITEMS, amount: (ITEMS % 97) * 5 });

    const audit = readFileSync(join(temp.root, '.opsdeck', 'audit.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
    expect(audit.filter((line) => line.run === id).map((line) => line.outcome)).toEqual(['queued', 'interrupted', 'queued', 'succeeded']);
  }, 60_000);
});
