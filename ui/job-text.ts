// Texts of the Jobs page and job components: status labels, durations,
// estimates and the progress sentence "step 2 of 3 · 12,400 of 80,000 rows ·
// about 1 min left". Pure functions, so they are tested without a browser.
import type { JobProgress, JobRun, JobRunStatus, JobTrigger } from './client-spec.js';

const STATUS_LABELS: Record<JobRunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  cancelling: 'Cancelling',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

const TRIGGER_LABELS: Record<JobTrigger, string> = {
  operator: 'by hand',
  schedule: 'on schedule',
  job: 'by another job',
  retry: 'as a retry',
  resume: 'resumed',
};

/** Colour group of a status badge. */
export type StatusTone = 'active' | 'success' | 'danger' | 'warning' | 'neutral';

/** Returns the label of a run status, such as "Succeeded"; an unknown status is shown as it is. */
export function statusLabel(status: string): string {
  return Object.hasOwn(STATUS_LABELS, status) ? STATUS_LABELS[status as JobRunStatus] : status;
}

/** Returns the colour group of a run status's badge. */
export function statusTone(status: string): StatusTone {
  switch (status) {
    case 'queued':
    case 'running':
      return 'active';
    case 'cancelling':
    case 'interrupted':
      return 'warning';
    case 'succeeded':
      return 'success';
    case 'failed':
      return 'danger';
    default:
      return 'neutral';
  }
}

/** Tells whether a run may still change: it waits, runs or is being cancelled. */
export function isActive(status: string): boolean {
  return status === 'queued' || status === 'running' || status === 'cancelling';
}

/** Returns how a run was started, such as "by hand" or "on schedule". */
export function triggerLabel(trigger: string): string {
  return Object.hasOwn(TRIGGER_LABELS, trigger) ? TRIGGER_LABELS[trigger as JobTrigger] : trigger;
}

/** Returns "Started by Amy Agent, by hand" or "Started on schedule": who started a run and how. */
export function startedByText(run: Pick<JobRun, 'trigger' | 'startedBy'>): string {
  if (run.trigger === 'schedule') return 'Started on schedule';
  const name = run.startedBy.name.trim() || run.startedBy.id;
  return `Started by ${name}, ${triggerLabel(run.trigger)}`;
}

/**
 * Formats a length of time in milliseconds: "under 1 s", "42 s", "3 min 5 s", "1 h 2 min".
 * Returns an empty text for a negative or missing length.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const seconds = Math.floor(ms / 1000);
  if (seconds === 0) return 'under 1 s';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/**
 * Returns how long a run took, or has run so far when it is still active, in
 * milliseconds; undefined before it started. `now` is milliseconds since the epoch.
 */
export function runDurationMs(run: Pick<JobRun, 'status' | 'startedAt' | 'finishedAt'>, now: number): number | undefined {
  const start = run.startedAt === undefined ? NaN : Date.parse(run.startedAt);
  if (Number.isNaN(start)) return undefined;
  const end = run.finishedAt !== undefined ? Date.parse(run.finishedAt) : isActive(run.status) ? now : NaN;
  if (Number.isNaN(end)) return undefined;
  return Math.max(0, end - start);
}

/**
 * Formats an estimate of the time left, rounded so it does not flicker:
 * "less than a minute left", "about 4 min left", "about 2 h 15 min left".
 * Returns an empty text when there is no usable estimate.
 */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 50) return 'less than a minute left';
  if (seconds < 3600 - 30) return `about ${Math.max(1, Math.round(seconds / 60))} min left`;
  // Hours are rounded to the nearest 5 minutes.
  const fives = Math.round(seconds / 300);
  const hours = Math.floor(fives / 12);
  const minutes = (fives % 12) * 5;
  return minutes === 0 ? `about ${hours} h left` : `about ${hours} h ${minutes} min left`;
}

/** Returns the whole percentage of a progress fraction, 0 to 100, or undefined when the run has no fraction. */
export function progressPercent(progress: Pick<JobProgress, 'fraction'>): number | undefined {
  const fraction = progress.fraction;
  if (fraction === undefined || fraction === null || !Number.isFinite(fraction)) return undefined;
  return Math.round(Math.min(1, Math.max(0, fraction)) * 100);
}

/**
 * Describes a run's progress in one line: "step 2 of 3 · 12,400 of 80,000 rows ·
 * about 1 min left". While the run is active the step part names the step in
 * hand, and once it ended the steps done. The estimate shows only while it runs.
 */
export function progressSentence(progress: JobProgress, status: string, locale?: string): string {
  const number = new Intl.NumberFormat(locale);
  const parts: string[] = [];
  const total = progress.stepsTotal;
  if (total > 0) {
    const inHand = status === 'running' || status === 'cancelling';
    if (inHand && progress.stepsDone < total) parts.push(`step ${Math.max(1, progress.stepsDone + 1)} of ${total}`);
    else parts.push(`${progress.stepsDone} of ${total} ${total === 1 ? 'step' : 'steps'}`);
  }
  if (progress.rowsTotal !== undefined && progress.rowsTotal !== null) {
    parts.push(`${number.format(progress.rows)} of ${number.format(progress.rowsTotal)} ${progress.rowsTotal === 1 ? 'row' : 'rows'}`);
  } else if (progress.rows > 0) {
    parts.push(`${number.format(progress.rows)} ${progress.rows === 1 ? 'row' : 'rows'}`);
  }
  if (status === 'running') {
    const eta = formatEta(progress.etaSeconds);
    if (eta !== '') parts.push(eta);
  }
  return parts.join(' · ');
}

/** Describes a failed run's error with its step: "Step aggregate failed: no such table". */
export function errorText(error: JobRun['error']): string {
  if (!error) return '';
  return error.step ? `Step ${error.step} failed: ${error.message}` : error.message;
}

/** Formats a file size: "812 bytes", "4.2 kB", "1.5 MB". */
export function formatBytes(bytes: number, locale?: string): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(value)} ${units[unit]}`;
}

/** Returns "attempt 2 of 3" for a job that retries, or an empty text for its only attempt. */
export function attemptText(run: Pick<JobRun, 'attempt' | 'maxAttempts'>): string {
  return run.maxAttempts > 1 ? `attempt ${run.attempt} of ${run.maxAttempts}` : '';
}
