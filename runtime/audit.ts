// The audit log: one JSON record per line, linked into a hash chain (see
// audit-chain.ts) and fsynced before `append` resolves (query runs wait for
// the write only). A record that cannot be written rejects with
// AuditUnavailable, and callers must not run the action then (fail closed).
import { closeSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { recordHash, type ChainFields } from './audit-chain.js';
import { AuditTailCorrupt, readChainTail, type ChainTail } from './audit-tail.js';
import { readAppRecords } from './audit-file-read.js';
import { searchInMemory, type AuditPage, type AuditSearch } from './audit-search.js';
import { verifyAuditFile, type VerifyResult } from './audit-verify.js';

/** Outcome of the request a record describes; a union, so further flows (such as approvals) can add their outcomes. */
export type AuditOutcome = 'denied' | 'invalid' | 'started' | 'succeeded' | 'failed' | 'previewed' | 'signed-in' | 'signed-out' | 'pending' | 'approved' | 'rejected' | 'expired' | 'queued' | 'cancelling' | 'cancelled' | 'interrupted' | 'downloaded';

export interface AuditRecord extends ChainFields {
  id: string;
  time: string;
  user: string;
  groups: string[];
  /** App id; empty for sign-in and sign-out, which belong to no app. */
  app: string;
  /** Subject of the record: `query:<id>`, `action:<id>`, `job:<id>`, `page:<id>`, `audit` or `session`. */
  object: string;
  /** Action id, on records of actions (kept next to `object` for readers of older records). */
  action?: string;
  outcome: AuditOutcome;
  /** The policy rule that decided, as `role:<name> <act> <object>`, or "no rule allows it" on a denial. */
  rule?: string;
  /** Parameter values, with secret ones replaced by "***". */
  params?: Record<string, unknown>;
  /** Version the app was served at: the git commit (`-dirty` when the app folder had changes) or, outside git, the content hash. Empty on sign-in and sign-out. */
  specVersion: string;
  /** sha256 of the spec and the files it includes (`model.version`), whatever specVersion is. */
  contentHash?: string;
  /** Links a `succeeded` or `failed` record to its `started` record. */
  attempt?: string;
  changes?: number;
  /** Rows a query matched (its total before paging). */
  rows?: number;
  /** Up to 10 rows an action changed, before and after, for actions with `preview: { table, key }`; values of secret-looking columns are masked. */
  rowChanges?: Array<{ key: unknown; before: Record<string, unknown> | null; after: Record<string, unknown> | null }>;
  error?: string;
  /** Steps of a multi-step action: which ran, failed, were rolled back or skipped. */
  steps?: Array<{ id: string; status: string; error?: string }>;
  /** Outcome of the action's `onFailure:` step, when it ran. */
  onFailure?: { status: string; error?: string };
  /** Id of the approval request, on records of actions that need approval. */
  approval?: string;
  /** User id of the person who sent the approval request. */
  requester?: string;
  /** User id of the person who approved or rejected the request. */
  approver?: string;
  /** The approver's comment on an `approved` or `rejected` record. */
  comment?: string;
  /** Id of the job run, on records of jobs and background exports. */
  run?: string;
  /** The trigger that queued a job run: `operator`, `schedule`, `job`, `retry` or `resume`. */
  trigger?: string;
}

/** Input of `append`. The log adds the id, time and chain fields, and `object` from `action` when it is missing. */
export type AuditEntry = Omit<AuditRecord, 'id' | 'time' | 'object' | keyof ChainFields> & { object?: string };

/** Raised when a record cannot be written. `reason` is short and names no path, so readiness checks may show it. */
export class AuditUnavailable extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

export const MASK = '***';

/** Parameter names masked whether or not the spec marks them secret. */
const SECRET_NAME = /password|token|secret|api_?key|authorization/i;

/** Returns a copy of a row with the values of secret-looking columns (password, token, secret, API key) masked. */
export function maskRow(row: Record<string, unknown> | null): Record<string, unknown> | null {
  if (row === null) return null;
  return Object.fromEntries(Object.entries(row).map(([column, value]) => [column, SECRET_NAME.test(column) && value !== null ? MASK : value]));
}

/** Returns a copy of params with the values of secret parameters masked: those listed in `secret` and those whose name looks secret. */
export function maskParams(params: Record<string, unknown>, secret: string[]): Record<string, unknown> {
  const masked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) masked[name] = secret.includes(name) || SECRET_NAME.test(name) ? MASK : value;
  return masked;
}

interface Pending {
  record: Omit<AuditRecord, keyof ChainFields>;
  /** Whether the caller waits for the fsync (actions, sign-ins) or only for the write (query runs). */
  sync: boolean;
  resolve: (record: AuditRecord) => void;
  reject: (err: AuditUnavailable) => void;
}

/** End of the chain in the file, with the file size it was read at. */
interface KnownTail extends ChainTail {
  size: number;
}

/**
 * What callers use of an audit log, whichever store keeps it: the file
 * (FileAuditLog, the default) or PostgreSQL (runtime/system-store/pg-audit.ts).
 * Every implementation fails closed: `append` rejects with AuditUnavailable
 * when the record cannot be kept, and the caller must not run the action.
 */
export interface AuditLog {
  /** Where the records are kept, for messages: a file path, or the PostgreSQL schema (never a URL). */
  readonly location: string;
  /** Whether the last append (or the check at start) succeeded, and why not. */
  readonly status: { available: boolean; reason?: string };
  /** Checks that the log can take a record now; a success clears an earlier failure. */
  probe(): Promise<{ available: boolean; reason?: string }>;
  /** Appends a record and resolves to it with its id, time and chain fields once it is durable (`sync: false`: once written). */
  append(entry: AuditEntry, options?: { sync?: boolean }): Promise<AuditRecord>;
  /** Records of one app, newest first; rejects with AuditReadFailed when the log cannot be read. */
  appRecords(app: string): Promise<AuditRecord[]>;
  /** One page of an app's records that match a filter, newest first, and their total; rejects with AuditReadFailed. */
  searchRecords(app: string, search: AuditSearch): Promise<AuditPage>;
  /** Checks the whole hash chain; `onProgress` receives the count of records read so far now and then. */
  verify(onProgress?: (records: number) => void): Promise<VerifyResult>;
  /** Releases connections; the file log holds none between appends. */
  close(): Promise<void>;
}

/**
 * An append-only JSON-lines file with a hash chain and group commit. Appends
 * that arrive while a batch is being written form the next batch, written
 * with one write and one fsync. Each caller's promise resolves after the
 * fsync that covers its record, or after the write for `sync: false`.
 *
 * The file is opened for each batch, so a rotated, removed or unwritable
 * path is noticed at the next append. The chain's end is re-read from the
 * file whenever the file's size differs from what this log last wrote, so
 * after a failure the next record links to the last one actually written.
 *
 * A torn or unverifiable last line stops all appends (fail closed) instead
 * of being truncated, because the line may be evidence of tampering as well
 * as of a crash. An administrator decides: `opsdeck audit verify`, then
 * `opsdeck audit repair` moves a torn line aside. Appends resume once the
 * file ends with a valid record.
 *
 * One AuditLog in one process may write a file: two writers that append at
 * the same moment read the same end of the chain and fork it. The server
 * therefore holds the file's lock (runtime/file-lock.ts) and passes
 * `lockTakenBy`, which stops appends if another process takes the lock over.
 */
export class FileAuditLog implements AuditLog {
  readonly file: string;
  #tail: KnownTail | undefined;
  #queue: Pending[] = [];
  #writing = false;
  /** Reason of the last failed append or tail read; undefined after a success. */
  #failure: string | undefined;
  readonly #lockTakenBy: (() => string | undefined) | undefined;

  /** `lockTakenBy` returns a description of the process that took the file's lock from this one, or undefined while this one holds it. */
  constructor(file: string, options: { lockTakenBy?: () => string | undefined } = {}) {
    this.file = file;
    this.#lockTakenBy = options.lockTakenBy;
    this.#readTailAtStart();
  }

  get location(): string {
    return this.file;
  }

  /** Whether the last append (or the tail read at start) succeeded, and why not. */
  get status(): { available: boolean; reason?: string } {
    return this.#failure === undefined ? { available: true } : { available: false, reason: this.#failure };
  }

  /**
   * Checks that the log can take a record now. It opens the file for
   * appending, verifies the end of its chain, and writes, fsyncs and removes
   * a one-byte file `<file>.probe` next to it, so a full or read-only file
   * system shows too. A success clears the failure of an earlier append, so
   * readiness recovers without traffic.
   */
  async probe(): Promise<{ available: boolean; reason?: string }> {
    if (this.#writing) return this.status;
    try {
      const handle = await openForAppend(this.file);
      try {
        const { size } = await handle.stat();
        const tail = { ...readChainTail(handle.fd, size), size };
        if (!this.#writing) this.#tail = tail;
      } finally {
        await handle.close();
      }
      await writeProbeFile(`${this.file}.probe`);
      this.#failure = undefined;
    } catch (err) {
      this.#failure = unavailable(this.file, err).reason;
    }
    return this.status;
  }

  /**
   * Appends a record; resolves to it with its id, time and chain fields once
   * it is fsynced. With `sync: false` it resolves once the record is written
   * to the file, and a batch of such records alone is not fsynced: the next
   * fsync (of any record) or the operating system's writeback makes it
   * durable. Query runs use that, so reading data does not wait for the disk.
   */
  append(entry: AuditEntry, options: { sync?: boolean } = {}): Promise<AuditRecord> {
    const object = entry.object ?? (entry.action === undefined ? '' : `action:${entry.action}`);
    const record = { id: randomUUID(), time: new Date().toISOString(), ...entry, object };
    return new Promise<AuditRecord>((resolve, reject) => {
      this.#queue.push({ record, sync: options.sync !== false, resolve, reject });
      if (this.#writing) return;
      // Starting on the next turn of the event loop lets callers that were just resolved queue their next record into the same batch.
      this.#writing = true;
      setImmediate(() => void this.#writeQueued());
    });
  }

  async #writeQueued(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#queue.length);
        try {
          const records = await this.#writeBatch(batch.map((pending) => pending.record), batch.some((pending) => pending.sync));
          this.#failure = undefined;
          batch.forEach((pending, index) => pending.resolve(records[index]));
        } catch (err) {
          const failure = unavailable(this.file, err);
          this.#tail = undefined;
          this.#failure = failure.reason;
          for (const pending of batch) pending.reject(failure);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  async #writeBatch(entries: Array<Omit<AuditRecord, keyof ChainFields>>, sync: boolean): Promise<AuditRecord[]> {
    const taker = this.#lockTakenBy?.();
    if (taker !== undefined) {
      const reason = `the audit log is in use by ${taker}`;
      throw new AuditUnavailable(`cannot append to the audit log ${this.file}: ${reason}; the file store serves one process`, reason);
    }
    const handle = await openForAppend(this.file);
    try {
      const { size } = await handle.stat();
      const tail = this.#tail !== undefined && this.#tail.size === size ? this.#tail : { ...readChainTail(handle.fd, size), size };

      let { seq, hash } = tail;
      const records: AuditRecord[] = [];
      const lines: string[] = [];
      for (const entry of entries) {
        const { id, ...fields } = entry;
        const unhashed = { id, seq: seq + 1, prev: hash, ...fields };
        const record = { ...unhashed, hash: recordHash(unhashed) } as AuditRecord;
        seq = record.seq;
        hash = record.hash;
        records.push(record);
        lines.push(`${JSON.stringify(record)}\n`);
      }

      const buffer = Buffer.from(lines.join(''), 'utf8');
      let offset = 0;
      while (offset < buffer.length) offset += (await handle.write(buffer, offset, buffer.length - offset)).bytesWritten;
      if (sync) await handle.sync();
      this.#tail = { seq, hash, size: size + buffer.length };
      return records;
    } finally {
      await handle.close();
    }
  }

  appRecords(app: string): Promise<AuditRecord[]> {
    return readAppRecords(this.file, app);
  }

  async searchRecords(app: string, search: AuditSearch): Promise<AuditPage> {
    return searchInMemory(await readAppRecords(this.file, app), search);
  }

  verify(onProgress?: (records: number) => void): Promise<VerifyResult> {
    return verifyAuditFile(this.file, onProgress);
  }

  async close(): Promise<void> {}

  #readTailAtStart(): void {
    let fd: number | undefined;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      fd = openSync(this.file, 'a+', 0o600);
      const { size } = fstatSync(fd);
      this.#tail = { ...readChainTail(fd, size), size };
    } catch (err) {
      // Reported by `status` and by every append until the file is fixed; the server still starts.
      this.#failure = unavailable(this.file, err).reason;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

/** The file log under its earlier name, so `new AuditLog(file)` keeps working; the type `AuditLog` is the interface above. */
export const AuditLog = FileAuditLog;

/** Opens the log for reading and appending, creating its folder when missing. */
async function openForAppend(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'a+', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(file), { recursive: true });
    return open(file, 'a+', 0o600);
  }
}

async function writeProbeFile(file: string): Promise<void> {
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.write('.');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rm(file, { force: true });
}

/** Wraps an I/O or chain error into AuditUnavailable, with a reason that names no path. */
function unavailable(file: string, err: unknown): AuditUnavailable {
  if (err instanceof AuditUnavailable) return err;
  if (err instanceof AuditTailCorrupt) return new AuditUnavailable(`cannot append to the audit log ${file}: ${err.message}; run "opsdeck audit verify"`, err.message);
  const code = (err as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'the audit log path is a directory',
    ENOTDIR: 'a parent of the audit log path is not a directory',
    ENOSPC: 'no space left on the device',
    EROFS: 'the file system is read-only',
    EIO: 'input/output error',
  };
  const reason = (code !== undefined && reasons[code]) || 'the file cannot be written';
  return new AuditUnavailable(`cannot write the audit log ${file}: ${(err as Error).message}`, reason);
}
