import { describe, expect, it } from 'vitest';
import type { JobProgress } from './client-spec.js';
import {
  attemptText,
  errorText,
  formatBytes,
  formatDuration,
  formatEta,
  isActive,
  progressPercent,
  progressSentence,
  runDurationMs,
  startedByText,
  statusLabel,
  statusTone,
  triggerLabel,
} from './job-text.js';

const progress = (change: Partial<JobProgress> = {}): JobProgress => ({ stepsDone: 1, stepsTotal: 3, rows: 12400, rowsTotal: 80000, fraction: 0.155, etaSeconds: 65, ...change });

describe('formatDuration', () => {
  it('shows seconds, minutes and hours', () => {
    expect(formatDuration(0)).toBe('under 1 s');
    expect(formatDuration(999)).toBe('under 1 s');
    expect(formatDuration(1000)).toBe('1 s');
    expect(formatDuration(42_900)).toBe('42 s');
    expect(formatDuration(60_000)).toBe('1 min');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration(3_720_000)).toBe('1 h 2 min');
    expect(formatDuration(26 * 3_600_000)).toBe('26 h');
  });

  it('shows nothing for a negative or missing length', () => {
    expect(formatDuration(-1)).toBe('');
    expect(formatDuration(Number.NaN)).toBe('');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('');
  });
});

describe('runDurationMs', () => {
  const now = Date.parse('2026-03-01T10:05:00Z');

  it('measures a finished run from start to end', () => {
    expect(runDurationMs({ status: 'succeeded', startedAt: '2026-03-01T10:00:00Z', finishedAt: '2026-03-01T10:01:30Z' }, now)).toBe(90_000);
  });

  it('measures an active run up to now', () => {
    expect(runDurationMs({ status: 'running', startedAt: '2026-03-01T10:00:00Z' }, now)).toBe(300_000);
    expect(runDurationMs({ status: 'cancelling', startedAt: '2026-03-01T10:04:00Z' }, now)).toBe(60_000);
  });

  it('is undefined without start or end', () => {
    expect(runDurationMs({ status: 'queued' }, now)).toBeUndefined();
    expect(runDurationMs({ status: 'failed', startedAt: '2026-03-01T10:00:00Z' }, now)).toBeUndefined();
    expect(runDurationMs({ status: 'running', startedAt: 'not a time' }, now)).toBeUndefined();
  });

  it('never returns a negative duration when clocks disagree', () => {
    expect(runDurationMs({ status: 'running', startedAt: '2026-03-01T10:06:00Z' }, now)).toBe(0);
  });
});

describe('formatEta', () => {
  it('rounds the time left', () => {
    expect(formatEta(0)).toBe('less than a minute left');
    expect(formatEta(49)).toBe('less than a minute left');
    expect(formatEta(50)).toBe('about 1 min left');
    expect(formatEta(65)).toBe('about 1 min left');
    expect(formatEta(150)).toBe('about 3 min left');
    expect(formatEta(3000)).toBe('about 50 min left');
    expect(formatEta(3590)).toBe('about 1 h left');
    expect(formatEta(8100)).toBe('about 2 h 15 min left');
  });

  it('shows nothing without a usable estimate', () => {
    expect(formatEta(undefined)).toBe('');
    expect(formatEta(-5)).toBe('');
    expect(formatEta(Number.NaN)).toBe('');
  });
});

describe('progressPercent', () => {
  it('turns the fraction into a whole percentage within 0 to 100', () => {
    expect(progressPercent({ fraction: 0.155 })).toBe(16);
    expect(progressPercent({ fraction: 0 })).toBe(0);
    expect(progressPercent({ fraction: 1.3 })).toBe(100);
    expect(progressPercent({ fraction: -0.2 })).toBe(0);
  });

  it('has no percentage without a fraction', () => {
    expect(progressPercent({})).toBeUndefined();
    expect(progressPercent({ fraction: Number.NaN })).toBeUndefined();
  });
});

describe('progressSentence', () => {
  it('names the step in hand, the rows and the time left while running', () => {
    expect(progressSentence(progress(), 'running', 'en-US')).toBe('step 2 of 3 · 12,400 of 80,000 rows · about 1 min left');
  });

  it('counts the steps done and drops the estimate once the run ended', () => {
    expect(progressSentence(progress({ stepsDone: 3, rows: 80000, etaSeconds: 0 }), 'succeeded', 'en-US')).toBe('3 of 3 steps · 80,000 of 80,000 rows');
    expect(progressSentence(progress(), 'failed', 'en-US')).toBe('1 of 3 steps · 12,400 of 80,000 rows');
  });

  it('shows rows without a total, and no rows part before any', () => {
    expect(progressSentence(progress({ rowsTotal: undefined, fraction: undefined, etaSeconds: undefined }), 'running', 'en-US')).toBe('step 2 of 3 · 12,400 rows');
    expect(progressSentence({ stepsDone: 0, stepsTotal: 1, rows: 0 }, 'queued', 'en-US')).toBe('0 of 1 step');
    expect(progressSentence({ stepsDone: 0, stepsTotal: 2, rows: 1 }, 'running', 'en-US')).toBe('step 1 of 2 · 1 row');
  });

  it('leaves out a step part when the run has no steps', () => {
    expect(progressSentence({ stepsDone: 0, stepsTotal: 0, rows: 0 }, 'running', 'en-US')).toBe('');
  });
});

describe('status and trigger texts', () => {
  it('labels every status and keeps an unknown one as it is', () => {
    expect(statusLabel('succeeded')).toBe('Succeeded');
    expect(statusLabel('cancelling')).toBe('Cancelling');
    expect(statusLabel('paused')).toBe('paused');
    expect(statusLabel('toString')).toBe('toString');
  });

  it('colours statuses by outcome', () => {
    expect(statusTone('running')).toBe('active');
    expect(statusTone('queued')).toBe('active');
    expect(statusTone('succeeded')).toBe('success');
    expect(statusTone('failed')).toBe('danger');
    expect(statusTone('interrupted')).toBe('warning');
    expect(statusTone('cancelled')).toBe('neutral');
  });

  it('tells active runs from ended ones', () => {
    expect(['queued', 'running', 'cancelling'].every(isActive)).toBe(true);
    expect(['succeeded', 'failed', 'cancelled', 'interrupted'].some(isActive)).toBe(false);
  });

  it('says who started a run and how', () => {
    expect(startedByText({ trigger: 'operator', startedBy: { id: 'amy@x', name: 'Amy Agent' } })).toBe('Started by Amy Agent, by hand');
    expect(startedByText({ trigger: 'schedule', startedBy: { id: 'schedule', name: 'Schedule' } })).toBe('Started on schedule');
    expect(startedByText({ trigger: 'resume', startedBy: { id: 'amy@x', name: ' ' } })).toBe('Started by amy@x, resumed');
    expect(triggerLabel('retry')).toBe('as a retry');
    expect(triggerLabel('webhook')).toBe('webhook');
  });

  it('names the failed step in an error', () => {
    expect(errorText({ step: 'aggregate', message: 'no such table: costs' })).toBe('Step aggregate failed: no such table: costs');
    expect(errorText({ message: 'Timed out' })).toBe('Timed out');
    expect(errorText(undefined)).toBe('');
  });

  it('counts attempts only for jobs that retry', () => {
    expect(attemptText({ attempt: 2, maxAttempts: 3 })).toBe('attempt 2 of 3');
    expect(attemptText({ attempt: 1, maxAttempts: 1 })).toBe('');
  });
});

describe('formatBytes', () => {
  it('uses decimal units', () => {
    expect(formatBytes(1, 'en-US')).toBe('1 byte');
    expect(formatBytes(812, 'en-US')).toBe('812 bytes');
    expect(formatBytes(4200, 'en-US')).toBe('4.2 kB');
    expect(formatBytes(1_500_000, 'en-US')).toBe('1.5 MB');
    expect(formatBytes(-1, 'en-US')).toBe('');
  });
});
