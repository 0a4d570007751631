// Which queued runs the pg-boss sweep sends entries for. The sweep repairs
// lost sends, so for each job it must offer as many runs as the job has free
// slots across processes: fewer leaves slots idle until the next sweep.
import { describe, expect, it } from 'vitest';
import type { JobRun, RunStatus } from '../../runtime/jobs/run-state.js';
import { sweepEntries } from '../../runtime/system-store/pg-boss-dispatch.js';

let created = 0;
function run(job: string, status: RunStatus, extra: Partial<JobRun> = {}): JobRun {
  created += 1;
  const createdAt = new Date(Date.UTC(2026, 11, 5, 8, 0, created)).toISOString();
  return { id: `r${created}`, app: 'desk', job, title: job, kind: 'job', trigger: 'manual', startedBy: { id: 'ana@example.com', name: 'Ana' }, params: {}, maskedParams: {}, createdAt, maxAttempts: 1, stepsHash: 'h', specVersion: 'v1', steps: [], status, attempt: 1, ...extra } as JobRun;
}

const limits: Record<string, number> = { wide: 3, single: 1 };
const limitOf = (candidate: JobRun): number => limits[candidate.job] ?? 1;

describe('queue sweep', () => {
  it('sends one run per free slot of each job', () => {
    const wide = [run('wide', 'queued'), run('wide', 'queued'), run('wide', 'queued'), run('wide', 'queued')];
    const single = [run('single', 'queued'), run('single', 'queued')];
    // Given newest first, to check that the oldest runs are picked.
    const picked = sweepEntries([run('wide', 'running'), ...wide, ...single].reverse(), 'free', limitOf);
    expect(picked.due.map((due) => due.id)).toEqual([wide[0].id, wide[1].id, single[0].id]);
    expect(picked.later).toEqual([]);
  });

  it('sends at least one run of a full job', () => {
    const runs = [run('single', 'running'), run('single', 'queued'), run('single', 'queued')];
    expect(sweepEntries(runs, 'free', limitOf).due.map((due) => due.id)).toEqual([runs[1].id]);
  });

  it('sends every due run at start', () => {
    const runs = [run('single', 'queued'), run('single', 'queued'), run('wide', 'queued')];
    expect(sweepEntries(runs, 'all', limitOf).due).toHaveLength(3);
  });

  it('sends pending retries for later', () => {
    const retry = run('wide', 'queued', { retryAt: new Date(Date.now() + 60_000).toISOString() });
    const picked = sweepEntries([retry, run('wide', 'queued')], 'free', limitOf);
    expect(picked.later).toEqual([retry]);
    expect(picked.due).toHaveLength(1);
  });
});
