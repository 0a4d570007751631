// Checks an audit log's hash chain from the first line to the last, reading
// it as a stream so the file's size does not matter.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { GENESIS, hasChainFields, parseRecordLine, recordHash } from './audit-chain.js';

/** Kinds of damage: a changed record, a removed one, records out of order, or a last line cut short. */
export type ChainProblemKind = 'changed' | 'removed' | 'reordered' | 'torn';

/** The first record where the chain breaks. */
export interface ChainProblem {
  kind: ChainProblemKind;
  /** 1-based line number in the file. */
  line: number;
  seq?: number;
  id?: string;
  message: string;
}

export interface VerifyResult {
  /** Chained records that verified. */
  records: number;
  /** Records at the start of the file written before records were chained; they cannot be verified. */
  unchained: number;
  problem?: ChainProblem;
}

/**
 * Verifies the chain of `file`; calls `onProgress` with the count of lines
 * read every `progressEvery` lines. Stops at the first problem.
 * A truncated end (the last records removed together) leaves a valid chain
 * and is not detected.
 */
export async function verifyAuditFile(file: string, onProgress?: (lines: number) => void, progressEvery = 100_000): Promise<VerifyResult> {
  const endsWithNewline = await lastByteIsNewline(file);
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })[Symbol.asyncIterator]();

  let records = 0;
  let unchained = 0;
  let expectedSeq = 1;
  let previousHash = GENESIS;
  let lineNumber = 0;
  let next = await lines.next();
  while (!next.done) {
    const line = next.value;
    lineNumber += 1;
    next = await lines.next();
    const isLast = next.done === true;
    const torn = isLast && !endsWithNewline;
    if (onProgress && lineNumber % progressEvery === 0) onProgress(lineNumber);

    const record = parseRecordLine(line);
    const at = { line: lineNumber, seq: typeof record?.seq === 'number' ? record.seq : undefined, id: typeof record?.id === 'string' ? record.id : undefined };
    if (record === undefined) {
      return { records, unchained, problem: { ...at, kind: torn ? 'torn' : 'changed', message: torn ? 'the last line is cut short (no final newline, not valid JSON)' : 'the line is not a JSON object' } };
    }
    if (record.seq === undefined && record.hash === undefined && records === 0) {
      unchained += 1;
      continue;
    }
    if (!hasChainFields(record)) {
      return { records, unchained, problem: { ...at, kind: 'changed', message: 'the record lacks valid seq, prev or hash fields' } };
    }
    if (recordHash(record) !== record.hash) {
      const message = torn ? 'the last line is cut short (no final newline) and does not match its hash' : 'the record does not match its hash: a field was changed';
      return { records, unchained, problem: { ...at, kind: torn ? 'torn' : 'changed', message } };
    }
    if (record.seq !== expectedSeq) {
      return { records, unchained, problem: { ...at, ...sequenceProblem(record.seq, expectedSeq, isLast ? undefined : next.value) } };
    }
    if (record.prev !== previousHash) {
      const message = `prev does not match the hash of the record before it${records === 0 ? ' (the first record must link to the genesis value)' : ''}: that record was changed and re-hashed, or records were removed and renumbered`;
      return { records, unchained, problem: { ...at, kind: records === 0 ? 'removed' : 'changed', message } };
    }
    if (torn) return { records, unchained, problem: { ...at, kind: 'torn', message: 'the last line has no final newline, so the log cannot append after it' } };

    records += 1;
    expectedSeq += 1;
    previousHash = record.hash;
  }
  return { records, unchained };
}

/** Names the problem of a record whose seq is not the next one: reordered when the expected record follows it, removed otherwise. */
function sequenceProblem(seq: number, expected: number, nextLine: string | undefined): { kind: ChainProblemKind; message: string } {
  const following = nextLine === undefined ? undefined : parseRecordLine(nextLine);
  if (seq < expected || following?.seq === expected) {
    return { kind: 'reordered', message: `seq ${seq} is where seq ${expected} belongs: records are out of order` };
  }
  const missing = seq - expected;
  return { kind: 'removed', message: `seq jumps from ${expected - 1} to ${seq}: ${missing} record${missing === 1 ? ' was' : 's were'} removed` };
}

async function lastByteIsNewline(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } finally {
    await handle.close();
  }
}
