// Reads where the audit log's hash chain ends: the `seq` and `hash` of its
// last line, reading backwards from the end so a large log costs one or two
// small reads.
import { readSync } from 'node:fs';
import { GENESIS, hasChainFields, parseRecordLine, recordHash } from './audit-chain.js';

/** The end of the chain; `seq` 0 and GENESIS for an empty log or one holding only records written before the chain existed. */
export interface ChainTail {
  seq: number;
  hash: string;
}

/** Raised when the log's last line is torn or does not verify, so no record may be linked to it. */
export class AuditTailCorrupt extends Error {}

const FIRST_READ_BYTES = 64 * 1024;

/** Reads the end of the chain from the open file `fd` of `size` bytes. */
export function readChainTail(fd: number, size: number): ChainTail {
  if (size === 0) return { seq: 0, hash: GENESIS };

  const lastByte = Buffer.alloc(1);
  readSync(fd, lastByte, 0, 1, size - 1);
  if (lastByte[0] !== 0x0a) {
    throw new AuditTailCorrupt('the audit log ends with a torn line (no final newline), probably from a crash while writing');
  }

  // The line ends at size - 1; look for the newline before it, reading more until one is found or the file starts.
  let length = Math.min(FIRST_READ_BYTES, size - 1);
  for (;;) {
    const start = size - 1 - length;
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, start);
    const newline = buffer.lastIndexOf(0x0a);
    if (newline >= 0 || start === 0) return tailOf(buffer.subarray(newline + 1).toString('utf8'));
    length = Math.min(length * 2, size - 1);
  }
}

function tailOf(line: string): ChainTail {
  const record = parseRecordLine(line);
  if (record === undefined) throw new AuditTailCorrupt('the last line of the audit log is not a JSON object');
  // A log written before records were chained: the chain starts after it.
  if (record.seq === undefined && record.hash === undefined) return { seq: 0, hash: GENESIS };
  if (!hasChainFields(record)) throw new AuditTailCorrupt('the last record of the audit log has invalid seq, prev or hash fields');
  if (recordHash(record) !== record.hash) throw new AuditTailCorrupt(`the last record of the audit log (seq ${record.seq}) does not match its hash`);
  return { seq: record.seq, hash: record.hash };
}
