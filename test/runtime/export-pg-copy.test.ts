// PostgreSQL CSV exports through COPY against the real test server. Inlined
// literals give back the bound value. Random rows come out byte for byte as
// the cursor and encoder write them. Masked values never leave the database,
// the count and the rows share one snapshot, and an export stopped midway
// leaves the pool working with the same connection.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatasource } from '../../runtime/datasources/postgres.js';
import type { BindValue } from '../../runtime/datasources/values.js';
import { chunkEncoder } from '../../runtime/export/encode.js';
import { copySelect, type CopyColumns } from '../../runtime/export/pg-copy.js';
import { readInChunks, type ExportSql } from '../../runtime/export/read-chunks.js';
import { inlineParameters } from '../../runtime/export/sql-literals.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';
import { LEDGER_FIXTURE } from '../fixtures/b1/export-suite.js';

const MASK = '••••••';
const HOSTILE = ["'", "''", "'); drop table x; --", '\\', "\\'", "E'\\x41'", '$1', '$$', '$a$ $a$', '"', '--', '/*', '*/', ';', '\n', '\r\n', '\t', 'é 東京 😀', '', ' ', "it's \\ \"q\""];

/** Returns a seeded random source, so a failing case can be run again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('PostgreSQL exports through COPY', () => {
  let schema: TestSchema;
  let source: PostgresDatasource;
  let admin: pg.Client;

  beforeAll(async () => {
    schema = await createTestSchema('export_copy');
    source = new PostgresDatasource({ name: 'main', url: TEST_POSTGRES_URL, schema: schema.name, statementTimeoutMs: 20_000, poolMax: 1, log: pino({ level: 'silent' }) });
    admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
  });

  afterAll(async () => {
    await source?.close();
    await admin?.end();
    await schema?.drop();
  });

  /** The export statement as export-statement.ts builds it for `inner`, with every column visible unless `visible` names fewer. */
  const exportSql = (inner: string, values: BindValue[], columns: string[], visible = columns, order = 'ORDER BY "id" ASC NULLS FIRST'): ExportSql => {
    const projection = visible.length === columns.length ? '*' : visible.map((name) => `"${name}"`).join(', ');
    return { select: `SELECT ${projection} FROM (\n${inner}\n) AS opsdeck_q ${order}`, values, count: `SELECT count(*) AS total FROM (\n${inner}\n) AS opsdeck_q`, countValues: values, columns };
  };

  /** Exports `sql` as CSV, through COPY when `copy` is true, else through the cursor; returns the bytes, rows, count and the statements the server saw. */
  const exportCsv = async (sql: ExportSql, columns: CopyColumns, copy: boolean, onStart: () => Promise<unknown> = async () => undefined) => {
    const chunks: Buffer[] = [];
    let total = -1;
    let counted = 0;
    const seen = new Set<string>();
    const sent = await readInChunks(source, sql, {
      start: async (count) => {
        total = count;
        await onStart();
      },
      encoder: (result) => chunkEncoder('csv', { result, ...columns }),
      csv: copy ? columns : undefined,
      send: async (chunk, rows) => {
        chunks.push(Buffer.from(chunk));
        counted += rows;
        const activity = await admin.query("SELECT query FROM pg_stat_activity WHERE application_name = 'opsdeck' AND pid <> pg_backend_pid() AND state <> 'idle'");
        for (const row of activity.rows) seen.add(String(row.query).slice(0, 7));
      },
    });
    return { bytes: Buffer.concat(chunks), sent, counted, total, seen };
  };

  it('inlined values read back unchanged', async () => {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      for (const text of HOSTILE) {
        const inlined = inlineParameters('SELECT $1::text AS a, $2 AS b, length($1) AS n', [text, text])!;
        const { rows } = await client.query(inlined);
        expect(rows[0], JSON.stringify(text)).toEqual({ a: text, b: text, n: [...text].length });
      }
      const cases: Array<[string, BindValue[]]> = [
        ['SELECT 5-$1 AS v', [-5]],
        ['SELECT $1::float8 AS v, $2::numeric AS w', [1e21, -0.000001]],
        ['SELECT $1::int + 1 AS v', [41]],
        ['SELECT $1::boolean AS v, NOT $2 AS w', [true, false]],
        ['SELECT $1::text IS NULL AS v, coalesce($1, $2) AS w', [null, 'fallback']],
        ['SELECT $1::text[] AS v', [['a"b', 'c\\d', "e'f", '{x,y}', 'NULL', '']]],
        ['SELECT 2 = ANY($1::int[]) AS v, $2::int[] AS w', [[1, 2, 3], []]],
        ['SELECT x FROM unnest($1::text[]) AS x ORDER BY 1', [HOSTILE.filter((text) => text !== '')]],
        ['SELECT $1::date + 1 AS v, $2::timestamptz AS w', ['2024-02-28', '2024-01-02T03:04:05.123456Z']],
        ['SELECT 1 AS v WHERE 2.5 >= $1', [2.5]],
      ];
      for (const [sql, values] of cases) {
        const bound = await client.query(sql, values);
        const inlined = await client.query(inlineParameters(sql, values)!);
        expect(inlined.rows, sql).toEqual(bound.rows);
        expect(inlined.rows.length, sql).toBeGreaterThan(0);
      }
      const tables = await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'x'");
      expect(tables.rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('random rows match the cursor', async () => {
    await admin.query(`CREATE TABLE ${schema.name}.mixed (id int PRIMARY KEY, t text, v varchar(40), i8 bigint, f8 double precision, f4 real, b boolean, ts timestamptz, tn timestamp, n numeric, d date, u uuid)`);
    const next = random(20261205);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const pieces = ['a', 'Z', ' ', ',', '"', '\n', '\r', '\r\n', '=', '+', '-', '@', '\t', '\\', "'", '.', '0', '9', 'e', 'é', '東', '😀', '\\.', 'NULL', '""'];
    const text = () => (next() < 0.1 ? null : Array.from({ length: Math.floor(next() * 6) }, () => pick(pieces)).join(''));
    const floats = ['0', '-0', '1.5', '-2.25', '1e15', '1e16', '1e21', '1e-5', '1e-7', '123456789.123', 'NaN', 'Infinity', '-Infinity', '5e-324', '1.7976931348623157e308', '0.1', '-42'];
    const reals = ['0', '-0', '1.5', '1e15', '1e16', '1e-5', '1.5e-45', '3.4028235e38', '0.1', 'NaN', '-Infinity', '16777217'];
    const stamps = ['2024-01-02 03:04:05+00', '2024-01-02 03:04:05.5+00', '2024-01-02 03:04:05.123456+00', 'infinity', '-infinity', '0044-03-15 12:00:00+00 BC', '12024-01-02 03:04:05+00', '0050-03-04 05:06:07+00', '1999-12-31 23:59:59.999999+00'];
    const numerics = ['0', '-12.50', '1000000.25', 'NaN', '123456789012345678901234567890.5', '-0.0000001', '-Infinity', 'Infinity'];
    const dates = ['2024-02-29', '0044-03-15 BC', 'infinity', '-infinity', '9999-12-31'];
    const rows = 400;
    for (let id = 1; id <= rows; id++) {
      const nullable = <T>(value: T) => (next() < 0.1 ? null : value);
      await admin.query(`INSERT INTO ${schema.name}.mixed VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
        id,
        text(),
        nullable((text() ?? '').slice(0, 40)),
        nullable(pick(['0', '-1', '9007199254740993', '-9223372036854775808', '42'])),
        nullable(pick(floats)),
        nullable(pick(reals)),
        nullable(next() < 0.5),
        nullable(pick(stamps)),
        nullable(pick(stamps).replace(/\+00/, '')),
        nullable(pick(numerics)),
        nullable(pick(dates)),
        nullable('6f1c7c1e-5a2b-4e0e-9d7f-0c1e2b3a4d5e'),
      ]);
    }
    const columns = ['id', 't', 'v', 'i8', 'f8', 'f4', 'b', 'ts', 'tn', 'n', 'd', 'u'];
    const inner = `select * from mixed where t is distinct from $1 or $2`;
    const sql = exportSql(inner, ["'); drop table mixed; --", true], columns);
    const rules = { visible: columns, masked: new Set<string>(), maskedValue: MASK };
    const viaCopy = await exportCsv(sql, rules, true);
    const viaCursor = await exportCsv(sql, rules, false);
    expect(viaCopy.seen).toContain('COPY (S');
    expect(viaCursor.seen).not.toContain('COPY (S');
    expect(viaCopy.sent).toBe(rows);
    expect(viaCopy.counted).toBe(rows);
    expect(viaCopy.total).toBe(rows);
    expect(viaCopy.bytes.equals(viaCursor.bytes)).toBe(true);
    expect(viaCopy.bytes.toString('utf8')).toContain('\r\n');

    // One text column: COPY quotes a lone `\.`, which the encoder does not.
    const single = exportSql("select id, t from mixed union all select 0, '\\.'", [], ['id', 't'], ['t'], 'ORDER BY "id" ASC NULLS FIRST');
    const singleRules = { visible: ['t'], masked: new Set<string>(), maskedValue: MASK };
    const singleCopy = await exportCsv(single, singleRules, true);
    expect(singleCopy.seen).toContain('COPY (S');
    expect(singleCopy.bytes.toString('utf8').startsWith('\\.\r\n')).toBe(true);
    expect(singleCopy.bytes.equals((await exportCsv(single, singleRules, false)).bytes)).toBe(true);
  });

  it('masks in SQL, hides columns', async () => {
    await admin.query(`CREATE TABLE ${schema.name}.person (id int PRIMARY KEY, email text, secret text, amount float8)`);
    await admin.query(`INSERT INTO ${schema.name}.person VALUES (1, 'kim@customer.example', 'cost 1', -1.5), (2, NULL, 'cost 2', 2), (3, '', 'cost 3', NULL)`);
    const columns = ['id', 'email', 'secret', 'amount'];
    const sql = exportSql('select * from person', [], columns, ['amount', 'email', 'id'].filter((name) => name !== 'secret').sort((a, b) => columns.indexOf(a) - columns.indexOf(b)));
    const rules = { visible: ['id', 'email', 'amount'], masked: new Set(['email']), maskedValue: MASK };
    const viaCopy = await exportCsv(sql, rules, true);
    expect(viaCopy.seen).toContain('COPY (S');
    expect(viaCopy.bytes.toString('utf8')).toBe(`1,${MASK},-1.5\r\n2,,2\r\n3,${MASK},\r\n`);
    expect(viaCopy.bytes.equals((await exportCsv(sql, rules, false)).bytes)).toBe(true);

    // The raw COPY output: neither the email nor the hidden column leaves the database.
    const select = copySelect(sql, rules)!;
    const raw = await source.copySnapshot(async (_read, copy) => {
      const chunks: Buffer[] = [];
      for await (const chunk of copy(`COPY (${select}) TO STDOUT WITH (FORMAT csv)`).iterator({ destroyOnReturn: false })) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    });
    expect(raw).toContain(MASK);
    expect(raw).not.toContain('customer.example');
    expect(raw).not.toContain('cost');
  });

  it('ledger fixture matches the cursor', async () => {
    await admin.query(`SET search_path = ${schema.name}`);
    await admin.query(readFileSync(join(LEDGER_FIXTURE, 'migrations', '001_entries.sql'), 'utf8'));
    const columns = ['id', 'label', 'memo', 'region', 'email', 'amount', 'internal'];
    const visible = columns.filter((name) => name !== 'internal');
    const sql = exportSql('select id, label, memo, region, email, amount, internal from entry where region = $1', ['emea'], columns, visible);
    const rules = { visible, masked: new Set(['email']), maskedValue: MASK };
    const viaCopy = await exportCsv(sql, rules, true);
    expect(viaCopy.seen).toContain('COPY (S');
    expect(viaCopy.sent).toBe(6);
    expect(viaCopy.bytes.toString('utf8')).toContain(`1,'=SUM(A1:A9),"first line\nsecond line",emea,${MASK},-12.5\r\n`);
    expect(viaCopy.bytes.equals((await exportCsv(sql, rules, false)).bytes)).toBe(true);
  });

  it('falls back for unknown types', async () => {
    const sql = exportSql(`select 1 as id, '{"a": 1}'::jsonb as j, '\\x00ff'::bytea as b`, [], ['id', 'j', 'b']);
    const rules = { visible: ['id', 'j', 'b'], masked: new Set<string>(), maskedValue: MASK };
    const viaCopy = await exportCsv(sql, rules, true);
    expect(viaCopy.seen).not.toContain('COPY (S');
    expect(viaCopy.sent).toBe(1);
    expect(viaCopy.bytes.equals((await exportCsv(sql, rules, false)).bytes)).toBe(true);
  });

  it('counts and reads one snapshot', async () => {
    await admin.query(`CREATE TABLE ${schema.name}.growing (id int PRIMARY KEY)`);
    await admin.query(`INSERT INTO ${schema.name}.growing SELECT generate_series(1, 5000)`);
    const sql = exportSql('select id from growing', [], ['id']);
    const rules = { visible: ['id'], masked: new Set<string>(), maskedValue: MASK };
    const result = await exportCsv(sql, rules, true, () => admin.query(`INSERT INTO ${schema.name}.growing SELECT generate_series(5001, 6000)`));
    expect(result.seen).toContain('COPY (S');
    expect(result.total).toBe(5000);
    expect(result.sent).toBe(5000);
    expect(result.bytes.toString('utf8').trimEnd().split('\r\n')).toHaveLength(5000);
  });

  it('outlasts the statement timeout', async () => {
    // The count of these rows takes well under the limit; sending them all, with the first chunk held up, takes well over it.
    const quick = new PostgresDatasource({ name: 'quick', url: TEST_POSTGRES_URL, statementTimeoutMs: 250, poolMax: 1, log: pino({ level: 'silent' }) });
    try {
      const total = 600_000;
      const sql = exportSql(`select i as id, repeat('y', 90) as label from generate_series(1, ${total}) as i`, [], ['id', 'label'], ['id', 'label'], '');
      const rules = { visible: ['id', 'label'], masked: new Set<string>(), maskedValue: MASK };
      let rows = 0;
      let chunks = 0;
      const sent = await readInChunks(quick, sql, {
        start: async () => undefined,
        encoder: (result) => chunkEncoder('csv', { result, ...rules }),
        csv: rules,
        send: async (_chunk, count) => {
          rows += count;
          if (++chunks === 1) await new Promise((resolve) => setTimeout(resolve, 300));
        },
      });
      expect(sent).toBe(total);
      expect(rows).toBe(total);
    } finally {
      await quick.close();
    }
  });

  it('cancels a stopped COPY cleanly', async () => {
    const pidOf = () => source.copySnapshot(async (read) => Number((await read('SELECT pg_backend_pid()', [])).rows[0][0]));
    const before = await pidOf();
    const sql = exportSql(`select i as id, repeat('x', 50) || i as label from generate_series(1, $1::int) as i`, [300_000], ['id', 'label']);
    const rules = { visible: ['id', 'label'], masked: new Set<string>(), maskedValue: MASK };
    let chunks = 0;
    const stopped = readInChunks(source, sql, {
      start: async () => undefined,
      encoder: (result) => chunkEncoder('csv', { result, ...rules }),
      csv: rules,
      send: async () => {
        if (++chunks === 2) throw new Error('client gone');
      },
    });
    await expect(stopped).rejects.toThrow('client gone');
    expect(chunks).toBe(2);
    // The same backend, idle again: the COPY was cancelled and the transaction rolled back.
    expect(await pidOf()).toBe(before);
    const copying = await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'opsdeck' AND query LIKE 'COPY (%' AND state = 'active'");
    expect(copying.rows[0].n).toBe(0);
    const after = await exportCsv(exportSql('select 1 as id', [], ['id']), { visible: ['id'], masked: new Set(), maskedValue: MASK }, true);
    expect(after.bytes.toString('utf8')).toBe('1\r\n');
    expect((await source.query('SELECT 2 AS two', [])).rows).toEqual([{ two: 2 }]);
  });
});
