// The audit log: one JSON record per line, appended and fsynced before the
// caller goes on. A record that cannot be written raises AuditUnavailable, and
// callers must not run the action then (fail closed).
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';

export type AuditOutcome = 'denied' | 'invalid' | 'started' | 'succeeded' | 'failed' | 'previewed';

export interface AuditRecord {
  id: string;
  time: string;
  user: string;
  groups: string[];
  app: string;
  action: string;
  outcome: AuditOutcome;
  /** Parameter values, with secret ones replaced by "***". */
  params?: Record<string, unknown>;
  /** Version the app was served at: the git commit (`-dirty` when the app folder had changes) or, outside git, the content hash. */
  specVersion: string;
  /** sha256 of the spec and the files it includes (`model.version`), whatever specVersion is. */
  contentHash?: string;
  /** Links a `succeeded` or `failed` record to its `started` record. */
  attempt?: string;
  changes?: number;
  error?: string;
  /** Steps of a multi-step action: which ran, failed, were rolled back or skipped. */
  steps?: Array<{ id: string; status: string; error?: string }>;
  /** Outcome of the action's `onFailure:` step, when it ran. */
  onFailure?: { status: string; error?: string };
}

export class AuditUnavailable extends Error {}

export const MASK = '***';

/** Returns a copy of params with the values of secret parameters masked. */
export function maskParams(params: Record<string, unknown>, secret: string[]): Record<string, unknown> {
  const masked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) masked[name] = secret.includes(name) ? MASK : value;
  return masked;
}

/**
 * An append-only JSON-lines file. The file is opened for each record, so a
 * rotated, removed or unwritable path is noticed at the next append instead
 * of writing to an unlinked file.
 */
export class AuditLog {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  /** Appends a record durably; returns it with its id and time. */
  append(entry: Omit<AuditRecord, 'id' | 'time'>): AuditRecord {
    const record: AuditRecord = { id: randomUUID(), time: new Date().toISOString(), ...entry };
    const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    let fd: number | undefined;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      fd = openSync(this.file, 'a', 0o600);
      let offset = 0;
      while (offset < line.length) offset += writeSync(fd, line, offset, line.length - offset);
      fsyncSync(fd);
    } catch (err) {
      throw new AuditUnavailable(`cannot write the audit log ${this.file}: ${(err as Error).message}`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return record;
  }
}
