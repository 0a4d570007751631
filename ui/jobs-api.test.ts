import { describe, expect, it } from 'vitest';
import type { JobRun } from './client-spec.js';
import { downloadUrl, mergeRun, parseRunEvent } from './jobs-api.js';

function run(id: string, createdAt: string, change: Partial<JobRun> = {}): JobRun {
  return {
    id,
    app: 'costs',
    job: 'recompute',
    title: 'Recompute',
    kind: 'job',
    status: 'running',
    trigger: 'operator',
    startedBy: { id: 'amy', name: 'Amy' },
    params: {},
    createdAt,
    attempt: 1,
    maxAttempts: 1,
    steps: [],
    progress: { stepsDone: 0, stepsTotal: 1, rows: 0 },
    canCancel: true,
    canResume: false,
    ...change,
  };
}

describe('mergeRun', () => {
  it('replaces a run of the same id and keeps the others', () => {
    const list = [run('b', '2026-03-01T10:01:00Z'), run('a', '2026-03-01T10:00:00Z')];
    const merged = mergeRun(list, run('a', '2026-03-01T10:00:00Z', { status: 'succeeded' }));
    expect(merged.map((item) => [item.id, item.status])).toEqual([
      ['b', 'running'],
      ['a', 'succeeded'],
    ]);
    expect(list[1].status).toBe('running');
  });

  it('inserts newest first within the limit', () => {
    const list = [run('c', '2026-03-01T10:02:00Z'), run('a', '2026-03-01T10:00:00Z')];
    expect(mergeRun(list, run('b', '2026-03-01T10:01:00Z')).map((item) => item.id)).toEqual(['c', 'b', 'a']);
    expect(mergeRun(list, run('d', '2026-03-01T10:03:00Z'), 2).map((item) => item.id)).toEqual(['d', 'c']);
  });
});

describe('parseRunEvent', () => {
  it('reads a run', () => {
    expect(parseRunEvent(JSON.stringify(run('a', '2026-03-01T10:00:00Z')))?.id).toBe('a');
  });

  it('ignores data that is not a run', () => {
    expect(parseRunEvent('not json')).toBeUndefined();
    expect(parseRunEvent('null')).toBeUndefined();
    expect(parseRunEvent(JSON.stringify({ id: 'a', status: 'running' }))).toBeUndefined();
    expect(parseRunEvent(undefined)).toBeUndefined();
  });
});

describe('downloadUrl', () => {
  it('keeps a path on this server', () => {
    expect(downloadUrl('costs', { id: 'r1', result: { filename: 'a.csv', bytes: 1, rows: 1, url: '/api/apps/costs/jobs/runs/r1/download' } })).toBe('/api/apps/costs/jobs/runs/r1/download');
  });

  it('uses the download route for any other address', () => {
    for (const url of ['javascript:alert(1)', '//evil.example/x', 'https://evil.example/x', '/\\evil.example']) {
      expect(downloadUrl('my app', { id: 'r/1', result: { filename: 'a.csv', bytes: 1, rows: 1, url } })).toBe('/api/apps/my%20app/jobs/runs/r%2F1/download');
    }
  });
});
