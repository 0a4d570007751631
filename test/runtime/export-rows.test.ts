// Export row reading and chunk encoding, below the HTTP route. Rows read as
// arrays encode exactly like row objects under the column rules, and the fast
// PostgreSQL timestamp parser agrees with isoTimestamp. A SQLite export that
// a write interrupts goes on without duplicated or missing rows, or stops
// with ExportRowsChanged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyColumnRules, MASKED_VALUE } from '../../runtime/access/query-access.js';
import { SqliteDatasource } from '../../runtime/datasources/sqlite.js';
import { isoTimestamp, type CellValue } from '../../runtime/datasources/values.js';
import { chunkEncoder, csvRecord, jsonLine } from '../../runtime/export/encode.js';
import { exportTimestamp } from '../../runtime/export/pg-timestamps.js';
import { ExportRowsChanged, readInChunks, SQLITE_CHUNK_ROWS } from '../../runtime/export/read-chunks.js';

describe('chunkEncoder', () => {
  const result = ['id', 'secret', 'label', 'email', 'amount', 'flag', 'blob'];
  const rows: CellValue[][] = [
    [1, 'top', '=SUM(A1)', 'kim@example.com', -12.5, true, new Uint8Array([0, 255])],
    [2, null, 'He said "hi", then\nleft', null, Number.NaN, false, null],
    [9007199254740993, 'x', '-42', 'a@b.c', 1e21, null, new Uint8Array([])],
    [4, 'y', '@cmd\r', '', 0, true, null],
  ];
  const visible = ['label', 'id', 'email', 'amount', 'flag', 'blob'];
  const access = { hidden: new Set(['secret']), masked: new Set(['email']) };

  /** The rows as objects with the column rules applied the way the query endpoint does. */
  const asObjects = () => applyColumnRules(rows.map((row) => Object.fromEntries(result.map((name, index) => [name, row[index]]))), access as never) as Array<Record<string, CellValue>>;

  it('CSV matches csvRecord of objects', () => {
    const encode = chunkEncoder('csv', { result, visible, masked: access.masked, maskedValue: MASKED_VALUE });
    const expected = asObjects().map((row) => csvRecord(visible.map((column) => row[column]))).join('');
    expect(encode(rows)).toBe(expected);
    expect(expected).toContain("'=SUM(A1)");
    expect(expected).not.toContain('kim@example.com');
  });

  it('JSON lines match jsonLine of objects', () => {
    const encode = chunkEncoder('jsonl', { result, visible, masked: access.masked, maskedValue: MASKED_VALUE });
    const expected = asObjects().map((row) => jsonLine(row, visible)).join('');
    expect(encode(rows)).toBe(expected);
    expect(encode(rows).split('\n')[1]).toContain('"email":null');
  });

  it('every column hidden: empty records', () => {
    expect(chunkEncoder('csv', { result, visible: [], masked: new Set(), maskedValue: MASKED_VALUE })(rows.slice(0, 2))).toBe('\r\n\r\n');
    expect(chunkEncoder('jsonl', { result, visible: [], masked: new Set(), maskedValue: MASKED_VALUE })(rows.slice(0, 2))).toBe('{}\n{}\n');
  });

  it('rejects an unknown visible column', () => {
    expect(() => chunkEncoder('csv', { result, visible: ['label', 'nope'], masked: new Set(), maskedValue: MASKED_VALUE })).toThrow(/"nope" is not among the statement's result columns/);
  });
});

describe('exportTimestamp', () => {
  it('matches isoTimestamp on samples', () => {
    const samples = [
      '2024-01-02 03:04:05+00',
      '2024-01-02 03:04:05.1+00',
      '2024-01-02 03:04:05.123456+00',
      '2024-01-02 03:04:05.123456',
      '2024-01-02 03:04:05',
      '0050-03-04 05:06:07+00',
      '2024-01-02 03:04:05+01',
      '2024-01-02 03:04:05.5-03:30',
      '2024-01-02 03:04:05+05:30:15',
      '12024-01-02 03:04:05+00',
      '0001-01-01 00:00:00+00 BC',
      'infinity',
      '-infinity',
      '2024-01-02T03:04:05+00',
      '',
    ];
    for (const text of samples) expect(exportTimestamp(text), text).toBe(isoTimestamp(text));
    expect(exportTimestamp('2024-01-02 03:04:05.12+00')).toBe('2024-01-02T03:04:05.120Z');
  });
});

describe('SQLite export rows', () => {
  let folder: string;
  let source: SqliteDatasource;
  const total = SQLITE_CHUNK_ROWS * 3 + 17;

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'opsdeck-export-rows-'));
    source = await SqliteDatasource.open({ file: join(folder, 'db.sqlite'), log: pino({ level: 'silent' }) });
    await source.write(`CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT)`, []);
    await source.write(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${total}) INSERT INTO item SELECT i, 'row ' || i FROM n`, []);
  });

  afterEach(async () => {
    await source.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const sql = { select: 'SELECT id, label FROM item ORDER BY id', values: [], count: 'SELECT count(*) AS total FROM item', countValues: [] };

  /** Exports `sql` as CSV, running `between` after the chunk numbered `at` was sent; returns the CSV and the rows counted. */
  const exportCsv = async (at: number, between: () => Promise<unknown>) => {
    let text = '';
    let chunks = 0;
    let counted = -1;
    const sent = await readInChunks(source, sql, {
      start: async (count) => {
        counted = count;
      },
      encoder: (result) => chunkEncoder('csv', { result, visible: ['id', 'label'], masked: new Set(), maskedValue: MASKED_VALUE }),
      send: async (chunk) => {
        text += chunk.toString();
        if (++chunks === at) await between();
      },
    });
    return { text, sent, counted };
  };
  const ids = (text: string) => text.trimEnd().split('\r\n').map((line) => Number(line.split(',')[0]));

  it('reads rows once, in order', async () => {
    const { text, sent, counted } = await exportCsv(0, async () => undefined);
    expect(counted).toBe(total);
    expect(sent).toBe(total);
    expect(ids(text)).toEqual(Array.from({ length: total }, (_, index) => index + 1));
  });

  it('resumes after a write past the sent rows', async () => {
    const { text, sent } = await exportCsv(1, () => Promise.all([source.write(`UPDATE item SET label = 'changed' WHERE id = ?`, [total]), source.write('INSERT INTO item (id, label) VALUES (?, ?)', [total + 1, 'added'])]));
    expect(sent).toBe(total + 1);
    expect(ids(text)).toEqual(Array.from({ length: total + 1 }, (_, index) => index + 1));
    expect(text).toContain(`${total},changed\r\n`);
    expect(text.endsWith(`${total + 1},added\r\n`)).toBe(true);
  });

  it('stops when sent rows changed', async () => {
    await expect(exportCsv(2, () => source.write(`UPDATE item SET label = 'changed' WHERE id = 3`, []))).rejects.toBeInstanceOf(ExportRowsChanged);
    await expect(exportCsv(2, () => source.write('DELETE FROM item WHERE id = 1', []))).rejects.toThrow(/changed the first \d+ rows of the export/);
  });

  it('skips uncommitted transaction rows', async () => {
    let release!: () => void;
    const transactionEnd = new Promise<void>((resolve) => (release = resolve));
    let inside!: Promise<unknown>;
    const { text } = await exportCsv(1, async () => {
      inside = source.transaction('rollback', async (tx) => {
        await tx.run(`UPDATE item SET label = 'uncommitted' WHERE id = ?`, [total]);
        await transactionEnd;
      });
      setTimeout(release, 50);
    });
    await inside;
    expect(text).not.toContain('uncommitted');
    expect(ids(text)).toHaveLength(total);
  });

  it('keeps integers beyond 2^53 exact', async () => {
    await source.write('INSERT INTO item (id, label) VALUES (?, ?)', ['9007199254740993', 'big']);
    const { text } = await exportCsv(0, async () => undefined);
    expect(text).toContain('9007199254740993,big\r\n');
  });
});
