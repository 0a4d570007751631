import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, AuditUnavailable, type AuditEntry } from '../../runtime/audit.js';
import { GENESIS, canonicalJson, canonicalParts, recordHash } from '../../runtime/audit-chain.js';
import { verifyAuditFile } from '../../runtime/audit-verify.js';
import { runAudit } from '../../runtime/commands/audit.js';

let folder: string | undefined;
afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

const entry = (n: number): AuditEntry => ({ user: `user${n}@example.com`, groups: ['ops'], app: 'desk', object: `action:a${n}`, outcome: 'succeeded', rule: 'role:admin run action:a1', specVersion: 'v1', params: { n, nested: { b: 1, a: [2, { z: 1, y: 2 }] } } });

/** Writes `count` records to a new log and returns its path. */
async function writeLog(count: number): Promise<string> {
  folder = mkdtempSync(join(tmpdir(), 'opsdeck-chain-'));
  const file = join(folder, 'audit.jsonl');
  const log = new AuditLog(file);
  for (let n = 1; n <= count; n += 1) await log.append(entry(n));
  return file;
}

const readLines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
const writeLines = (file: string, lines: string[]): void => writeFileSync(file, `${lines.join('\n')}\n`);

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runAudit(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

describe('canonical JSON', () => {
  it('sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ f: 1, e: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"e":2,"f":1}]},"b":1}');
  });

  it('hashes equal records equally whatever the key order', () => {
    expect(recordHash({ prev: GENESIS, a: 1, b: 2 })).toBe(recordHash({ b: 2, a: 1, prev: GENESIS }));
    expect(recordHash({ prev: GENESIS, a: 1 })).not.toBe(recordHash({ prev: GENESIS, a: 2 }));
  });
});

describe('canonical parts of a record before it is linked', () => {
  const records: Array<Record<string, unknown>> = [
    {},
    { id: 'r1', user: 'a@example.com', outcome: 'succeeded' },
    { a: 1, z: 'last', params: { prev: 'nested', seq: 9 } },
    { 10: 'ten', 9: 'nine', b: true, pre: 1, prevx: 2, s: null, seqs: [1, 'x'] },
    { note: 'quote " back\\slash \u0000 nul \ud800 lone, é, 日本', reason: undefined },
  ];
  it.each(records.map((record, index) => [index, record]))('fills in prev and seq to give the canonical JSON, record %i', (_index, record) => {
    const parts = canonicalParts(record as Record<string, unknown>);
    const prev = 'ab'.repeat(32);
    expect(`${parts.before}${JSON.stringify(prev)}${parts.between}${41}${parts.after}`).toBe(canonicalJson({ ...(record as object), prev, seq: 41 }));
  });
});

describe('audit chain', () => {
  it('links records with seq, prev and hash', async () => {
    const file = await writeLog(3);
    const records = readLines(file).map((line) => JSON.parse(line));
    expect(records.map((record) => record.seq)).toEqual([1, 2, 3]);
    expect(records[0].prev).toBe(GENESIS);
    expect(records[1].prev).toBe(records[0].hash);
    expect(records[2].prev).toBe(records[1].hash);
    for (const record of records) expect(recordHash(record)).toBe(record.hash);
  });

  it('verifies an intact log', async () => {
    const file = await writeLog(5);
    expect(await verifyAuditFile(file)).toEqual({ records: 5, unchained: 0 });
    const cli = await runCli(['verify', '--file', file]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe('5 records, chain intact\n');
  });

  it('continues the chain after a restart', async () => {
    const file = await writeLog(2);
    const again = new AuditLog(file);
    const third = await again.append(entry(3));
    expect(third.seq).toBe(3);
    expect(third.prev).toBe(JSON.parse(readLines(file)[1]).hash);
    expect((await verifyAuditFile(file)).problem).toBeUndefined();
  });

  it('reads the tail of a log with long lines', async () => {
    folder = mkdtempSync(join(tmpdir(), 'opsdeck-chain-'));
    const file = join(folder, 'audit.jsonl');
    const log = new AuditLog(file);
    for (let n = 1; n <= 3; n += 1) await log.append({ ...entry(n), error: 'x'.repeat(100_000) });
    const record = await new AuditLog(file).append(entry(4));
    expect(record.seq).toBe(4);
    expect((await verifyAuditFile(file)).records).toBe(4);
  });

  it('batches concurrent appends in order', async () => {
    folder = mkdtempSync(join(tmpdir(), 'opsdeck-chain-'));
    const file = join(folder, 'audit.jsonl');
    const log = new AuditLog(file);
    const records = await Promise.all(Array.from({ length: 200 }, (_, index) => log.append(entry(index + 1))));
    expect(records.map((record) => record.seq)).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
    expect(readLines(file)).toHaveLength(200);
    expect((await verifyAuditFile(file)).records).toBe(200);
  });
});

describe('audit verify', () => {
  it('finds a changed field', async () => {
    const file = await writeLog(5);
    const lines = readLines(file);
    const third = JSON.parse(lines[2]);
    lines[2] = JSON.stringify({ ...third, user: 'someone-else@example.com' });
    writeLines(file, lines);

    const { problem, records } = await verifyAuditFile(file);
    expect(records).toBe(2);
    expect(problem).toMatchObject({ kind: 'changed', line: 3, seq: 3, id: third.id });
    const cli = await runCli(['verify', '--file', file]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`:3: changed: line 3, seq 3, id ${third.id}: the record does not match its hash`);
  });

  it('finds a changed and re-hashed record at the next one', async () => {
    const file = await writeLog(4);
    const lines = readLines(file);
    const second = JSON.parse(lines[1]);
    const forged = { ...second, outcome: 'denied' };
    forged.hash = recordHash(forged);
    lines[1] = JSON.stringify(forged);
    writeLines(file, lines);

    const { problem } = await verifyAuditFile(file);
    expect(problem).toMatchObject({ kind: 'changed', line: 3, seq: 3 });
    expect(problem?.message).toContain('prev does not match');
  });

  it('finds a removed record', async () => {
    const file = await writeLog(5);
    const lines = readLines(file);
    lines.splice(2, 1);
    writeLines(file, lines);

    const { problem } = await verifyAuditFile(file);
    expect(problem).toMatchObject({ kind: 'removed', line: 3, seq: 4 });
    expect(problem?.message).toBe('seq jumps from 2 to 4: 1 record was removed');
  });

  it('finds a removed first record', async () => {
    const file = await writeLog(3);
    writeLines(file, readLines(file).slice(1));
    expect((await verifyAuditFile(file)).problem).toMatchObject({ kind: 'removed', line: 1, seq: 2 });
  });

  it('finds swapped records', async () => {
    const file = await writeLog(5);
    const lines = readLines(file);
    [lines[1], lines[2]] = [lines[2], lines[1]];
    writeLines(file, lines);

    const { problem } = await verifyAuditFile(file);
    expect(problem).toMatchObject({ kind: 'reordered', line: 2, seq: 3 });
    const cli = await runCli(['verify', '--file', file]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('reordered: line 2, seq 3');
  });

  it('finds a torn last line', async () => {
    const file = await writeLog(3);
    appendFileSync(file, '{"id":"cut-short","seq":4,"prev":"ab');

    const { problem, records } = await verifyAuditFile(file);
    expect(records).toBe(3);
    expect(problem).toMatchObject({ kind: 'torn', line: 4 });
    const cli = await runCli(['verify', '--file', file]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('torn: line 4');
  });

  it('finds a line that is not JSON in the middle', async () => {
    const file = await writeLog(3);
    const lines = readLines(file);
    lines[1] = lines[1].slice(0, 20);
    writeLines(file, lines);
    expect((await verifyAuditFile(file)).problem).toMatchObject({ kind: 'changed', line: 2 });
  });

  it('accepts unchained records written before the chain', async () => {
    folder = mkdtempSync(join(tmpdir(), 'opsdeck-chain-'));
    const file = join(folder, 'audit.jsonl');
    writeLines(file, [JSON.stringify({ id: 'old-1', user: 'a', outcome: 'started' }), JSON.stringify({ id: 'old-2', user: 'a', outcome: 'succeeded' })]);
    const log = new AuditLog(file);
    const first = await log.append(entry(1));
    expect(first.seq).toBe(1);
    expect(first.prev).toBe(GENESIS);
    expect(await verifyAuditFile(file)).toEqual({ records: 1, unchained: 2 });
  });

  it('reports progress on stderr', async () => {
    const file = await writeLog(5);
    const seen: number[] = [];
    await verifyAuditFile(file, (lines) => seen.push(lines), 2);
    expect(seen).toEqual([2, 4]);
  });

  it('reads the log path from opsdeck.yaml', async () => {
    const file = await writeLog(2);
    writeFileSync(join(folder!, 'opsdeck.yaml'), 'audit:\n  file: audit.jsonl\n');
    const cli = await runCli(['verify', folder!]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe('2 records, chain intact\n');
    expect(readLines(file)).toHaveLength(2);
  });

  it('rejects bad arguments and a missing file', async () => {
    expect((await runCli([])).code).toBe(2);
    expect((await runCli(['check'])).code).toBe(2);
    expect((await runCli(['verify', '--bogus'])).code).toBe(2);
    const missing = await runCli(['verify', '--file', join(tmpdir(), 'opsdeck-no-such-audit.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
  });
});

describe('torn tail', () => {
  it('stops appends until repaired', async () => {
    const file = await writeLog(2);
    appendFileSync(file, '{"id":"cut-short","se');

    const log = new AuditLog(file);
    expect(log.status.available).toBe(false);
    expect(log.status.reason).toContain('torn line');
    await expect(log.append(entry(3))).rejects.toThrow(AuditUnavailable);

    const repaired = await runCli(['repair', '--file', file]);
    expect(repaired.code).toBe(0);
    const aside = readdirSync(folder!).filter((name) => name.startsWith('audit.jsonl.torn-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(folder!, aside[0]), 'utf8')).toBe('{"id":"cut-short","se');

    const third = await log.append(entry(3));
    expect(third.seq).toBe(3);
    expect(log.status.available).toBe(true);
    expect(await verifyAuditFile(file)).toEqual({ records: 3, unchained: 0 });
  });

  it('leaves a complete last line alone on repair', async () => {
    const file = await writeLog(2);
    const before = readFileSync(file, 'utf8');
    const repaired = await runCli(['repair', '--file', file]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('nothing to repair');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('stops appends after a last record that does not verify', async () => {
    const file = await writeLog(2);
    const lines = readLines(file);
    lines[1] = JSON.stringify({ ...JSON.parse(lines[1]), user: 'changed' });
    writeLines(file, lines);
    const log = new AuditLog(file);
    await expect(log.append(entry(3))).rejects.toThrow(/does not match its hash/);
  });
});

describe('unavailable store', () => {
  it('continues the chain after the path was unwritable', async () => {
    const file = await writeLog(2);
    const log = new AuditLog(file);
    await log.append(entry(3));

    // The log file is moved away and a directory takes its path: appends fail.
    renameSync(file, `${file}.away`);
    mkdirSync(file);
    await expect(log.append(entry(4))).rejects.toThrow(AuditUnavailable);
    await expect(log.append(entry(5))).rejects.toThrow(AuditUnavailable);
    expect(log.status).toEqual({ available: false, reason: 'the audit log path is a directory' });

    rmSync(file, { recursive: true });
    renameSync(`${file}.away`, file);
    const next = await log.append(entry(6));
    expect(next.seq).toBe(4);
    expect(next.prev).toBe(JSON.parse(readLines(file)[2]).hash);
    expect(log.status.available).toBe(true);
    expect(await verifyAuditFile(file)).toEqual({ records: 4, unchained: 0 });
  });

  it('links to records another writer appended', async () => {
    const file = await writeLog(1);
    const first = new AuditLog(file);
    const second = new AuditLog(file);
    await first.append(entry(2));
    const third = await second.append(entry(3));
    expect(third.seq).toBe(3);
    expect((await verifyAuditFile(file)).records).toBe(3);
  });

  it('reports a probe failure and recovers', async () => {
    const file = await writeLog(1);
    const log = new AuditLog(file);
    renameSync(file, `${file}.away`);
    mkdirSync(file);
    expect(await log.probe()).toEqual({ available: false, reason: 'the audit log path is a directory' });
    rmSync(file, { recursive: true });
    renameSync(`${file}.away`, file);
    expect(await log.probe()).toEqual({ available: true });
  });
});
