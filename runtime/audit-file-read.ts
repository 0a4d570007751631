// Reads one app's records from an audit log file, for the audit page
// (runtime/http/audit-routes.ts). The file log's `appRecords` uses it.
import { readFile } from 'node:fs/promises';
import { parseRecordLine } from './audit-chain.js';
import type { AuditRecord } from './audit.js';

/** Raised when the log cannot be read; `cause` is the I/O or database error. */
export class AuditReadFailed extends Error {
  constructor(cause: unknown) {
    super('the audit log cannot be read', { cause });
  }
}

/**
 * Reads the records of one app from `file`, newest first. Lines that do not
 * parse (a torn last line) are skipped; `opsdeck audit verify` reports them.
 * A missing file gives no records.
 */
// NOTE: reads the whole JSONL file on each request; the PostgreSQL store (runtime/system-store/) filters and pages in SQL instead.
export async function readAppRecords(file: string, appId: string): Promise<AuditRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AuditReadFailed(err);
  }
  const records: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const record = parseRecordLine(line);
    if (record !== undefined && record.app === appId && typeof record.user === 'string' && typeof record.time === 'string') records.push(record as unknown as AuditRecord);
  }
  return records.reverse();
}
