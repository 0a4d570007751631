// The pure parts of PostgreSQL CSV exports through COPY: bound values put
// into SQL text as literals (sql-literals.ts) and the rewrite of COPY's CSV
// into the encoder's bytes (csv-transform.ts), at every chunk boundary.
import { describe, expect, it } from 'vitest';
import { csvRecord } from '../../runtime/export/encode.js';
import { CopyCsvError, CopyCsvTransform, type CopyColumnKind } from '../../runtime/export/csv-transform.js';
import { exportTimestamp } from '../../runtime/export/pg-timestamps.js';
import { copySelect } from '../../runtime/export/pg-copy.js';
import { inlineParameters, sqlLiteral } from '../../runtime/export/sql-literals.js';

/** Runs `input` through a transform in the given pieces; returns the output text and the records counted. */
function rewrite(kinds: CopyColumnKind[], pieces: Buffer[]): { text: string; rows: number } {
  const transform = new CopyCsvTransform(kinds);
  const out: Buffer[] = [];
  let rows = 0;
  for (const piece of pieces) {
    transform.write(piece);
    if (piece.length % 3 === 0) {
      const written = transform.take();
      out.push(written.bytes);
      rows += written.rows;
    }
  }
  transform.finish();
  const written = transform.take();
  out.push(written.bytes);
  return { text: Buffer.concat(out).toString('utf8'), rows: rows + written.rows };
}

/** Returns every way of cutting `bytes` in two, and the cut into single bytes. */
function splits(bytes: Buffer): Buffer[][] {
  const ways: Buffer[][] = [[bytes], Array.from(bytes, (byte) => Buffer.from([byte]))];
  for (let at = 1; at < bytes.length; at++) ways.push([bytes.subarray(0, at), bytes.subarray(at)]);
  return ways;
}

describe('sqlLiteral and inlineParameters', () => {
  it('quotes each value type', () => {
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(-5)).toBe("'-5'");
    expect(sqlLiteral(1e21)).toBe("'1e+21'");
    expect(sqlLiteral(true)).toBe("'true'");
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('back\\slash')).toBe(" E'back\\\\slash'");
    expect(sqlLiteral(['a"b', 'c\\d', 3])).toBe(` E'{"a\\\\"b","c\\\\\\\\d",3}'`);
  });

  it('rejects uncertain values', () => {
    expect(sqlLiteral('nul\0byte')).toBeUndefined();
    expect(sqlLiteral(['ok', 'nul\0'])).toBeUndefined();
    expect(sqlLiteral(Number.NaN)).toBeUndefined();
    expect(sqlLiteral(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(sqlLiteral({} as never)).toBeUndefined();
    expect(sqlLiteral([{}] as never)).toBeUndefined();
    expect(inlineParameters('SELECT $1', ['a\0'])).toBeUndefined();
  });

  it('skips quoted text and comments', () => {
    const sql = `SELECT $1, '$1', E'\\'$1', "$1", $$ $1 $$, $tag$ $1 $tag$, a$1, $10 -- $1\n/* $1 /* $1 */ $1 */ $2`;
    const values = ['one', 'two', 3, 4, 5, 6, 7, 8, 9, 'ten'];
    expect(inlineParameters(sql, values)).toBe(`SELECT  'one' , '$1', E'\\'$1', "$1", $$ $1 $$, $tag$ $1 $tag$, a$1,  'ten'  -- $1\n/* $1 /* $1 */ $1 */  'two' `);
  });

  it('keeps negative numbers apart', () => {
    expect(inlineParameters('SELECT 5-$1', [-5])).toBe("SELECT 5- '-5' ");
  });

  it('rejects a missing value', () => {
    expect(inlineParameters('SELECT $2', ['only one'])).toBeUndefined();
    expect(inlineParameters('SELECT $0', ['x'])).toBeUndefined();
  });
});

describe('copySelect', () => {
  const base = { values: ['emea', "x'); drop table entry; --"], count: '', countValues: [] };

  it('masks and inlines in SQL', () => {
    const select = `SELECT "id", "email" FROM (\nselect * from entry where region = $1 and label <> $2\n) AS opsdeck_q ORDER BY "id" ASC NULLS FIRST`;
    const sql = copySelect({ ...base, select, columns: ['id', 'email', 'internal'] }, { visible: ['id', 'email'], masked: new Set(['email']), maskedValue: '••••••' });
    expect(sql).toBe(`SELECT "id", CASE WHEN "email" IS NULL THEN NULL ELSE '••••••'::text END AS "email" FROM (\nselect * from entry where region =  'emea'  and label <>  'x''); drop table entry; --' \n) AS opsdeck_q ORDER BY "id" ASC NULLS FIRST`);
  });

  it('leaves other exports to the cursor', () => {
    const select = 'SELECT * FROM (\nselect 1\n) AS opsdeck_q';
    const columns = { visible: ['a'], masked: new Set<string>(), maskedValue: 'M' };
    expect(copySelect({ ...base, select, columns: ['a'] }, columns)).toMatch(/^SELECT "a" FROM/);
    expect(copySelect({ ...base, select }, columns)).toBeUndefined();
    expect(copySelect({ ...base, select, columns: ['a'] }, { ...columns, visible: [] })).toBeUndefined();
    expect(copySelect({ ...base, select, columns: ['a', 'a'] }, { ...columns, visible: ['a', 'a'] })).toBeUndefined();
    expect(copySelect({ ...base, select: 'SELECT a FROM t', columns: ['a'] }, columns)).toBeUndefined();
    expect(copySelect({ ...base, values: ['\0'], select: 'SELECT * FROM (\nselect $1 AS a\n) AS opsdeck_q', columns: ['a'] }, columns)).toBeUndefined();
  });
});

describe('CopyCsvTransform', () => {
  const kinds: CopyColumnKind[] = ['integer', 'text', 'float', 'boolean', 'timestamp'];
  // What COPY prints for rows of those kinds, and the values pg's parsers give for that text (timestamps through the export's own parser).
  const stamp = exportTimestamp;
  const cases: Array<[string, Array<string | number | boolean | null>]> = [
    ['1,plain,1.5,t,2024-01-02 03:04:05+00\n', [1, 'plain', 1.5, true, stamp('2024-01-02 03:04:05+00')]],
    ['-2,=SUM(A1),-0,f,2024-01-02 03:04:05.5+00\n', [-2, '=SUM(A1)', -0, false, stamp('2024-01-02 03:04:05.5+00')]],
    ['3,"",1e+16,,2024-01-02 03:04:05.123456\n', [3, '', 1e16, null, stamp('2024-01-02 03:04:05.123456')]],
    ['4,,NaN,t,infinity\n', [4, null, Number.NaN, true, stamp('infinity')]],
    ['5,"-x, ""quoted""\nline",-Infinity,f,-infinity\n', [5, '-x, "quoted"\nline', Number.NEGATIVE_INFINITY, false, stamp('-infinity')]],
    ['6,-42,1e-05,t,0044-03-15 12:00:00+00 BC\n', [6, '-42', 1e-5, true, stamp('0044-03-15 12:00:00+00 BC')]],
    ['7,"\r\nx",123456789012345680000,f,12024-01-02 03:04:05+00\n', [7, '\r\nx', 123456789012345680000, false, stamp('12024-01-02 03:04:05+00')]],
    ['8,\t tab,0.1,,2024-01-02 03:04:05+05:30\n', [8, '\t tab', 0.1, null, stamp('2024-01-02 03:04:05+05:30')]],
    ['9,Zoë 東京 😀,,t,\n', [9, 'Zoë 東京 😀', null, true, null]],
    ['10,"@x",5e-324,f,2024-01-02 03:04:05\n', [10, '@x', 5e-324, false, stamp('2024-01-02 03:04:05')]],
  ];
  const input = Buffer.from(cases.map(([copy]) => copy).join(''));
  const expected = cases.map(([, values]) => csvRecord(values)).join('');

  it('matches the encoder at every cut', () => {
    expect(expected).toContain("'=SUM(A1)");
    expect(expected).toContain(',-42,');
    expect(expected).toContain(',2024-01-01T21:34:05.000Z\r\n');
    expect(expected).toContain("'+012024-01-02T03:04:05.000Z");
    for (const pieces of splits(input)) {
      const { text, rows } = rewrite(kinds, pieces);
      expect(text, pieces.map((piece) => piece.length).join('+')).toBe(expected);
      expect(rows).toBe(cases.length);
    }
  });

  it('grows past one output buffer', () => {
    const long = 'x,'.repeat(3_000_000);
    const many = Array.from({ length: 200_000 }, (_, index) => `${index},=row ${index}\n`).join('');
    const input = Buffer.from(`1,"${long}"\n${many}`);
    // Pieces of 65,535 bytes are taken after each write (see rewrite), pieces of 65,536 only at the end.
    for (const size of [65_535, 65_536]) {
      const pieces = Array.from({ length: Math.ceil(input.length / size) }, (_, index) => input.subarray(index * size, (index + 1) * size));
      const { text, rows } = rewrite(['integer', 'text'], pieces);
      expect(rows).toBe(200_001);
      expect(text.length).toBe(`1,"${long}"\r\n`.length + many.length + 200_000 * 2);
      expect(text.startsWith(`1,"${long}"\r\n0,'=row 0\r\n`)).toBe(true);
      expect(text.endsWith(`199999,'=row 199999\r\n`)).toBe(true);
    }
  });

  it('writes a lone backslash dot unquoted', () => {
    expect(rewrite(['text'], [Buffer.from('"\\."\nx\n')]).text).toBe('\\.\r\nx\r\n');
  });

  it('rejects malformed COPY output', () => {
    expect(() => rewrite(['text'], [Buffer.from('a,b\n')])).toThrow(CopyCsvError);
    expect(() => rewrite(['text', 'text'], [Buffer.from('a\n')])).toThrow(/1 columns where 2 were expected/);
    expect(() => rewrite(['text'], [Buffer.from('"a"b\n')])).toThrow(/after the closing quote/);
    expect(() => rewrite(['text'], [Buffer.from('=a"b\n')])).toThrow(/quote inside an unquoted field/);
    expect(() => rewrite(['text'], [Buffer.from('"open')])).toThrow(/ended inside a record/);
    expect(() => new CopyCsvTransform([])).toThrow(/at least one column/);
  });
});
