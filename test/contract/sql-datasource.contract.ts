// One contract for every SQL data source: the same cases run against SQLite
// (sql.js) and against a real PostgreSQL server. A case that cannot apply to
// one of them is skipped with its reason stated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSql } from '../../core/sql-params.js';
import type { ParamsSchema } from '../../core/model.js';
import { bindValues, statementFor, type StatementModel } from '../../runtime/bind.js';
import { ExpectationFailed, StatementTimeout, type Datasource } from '../../runtime/datasources/datasource.js';
import { BindError, toBindValue } from '../../runtime/datasources/values.js';
import { HttpError } from '../../runtime/http/errors.js';
import { buildPagedSql } from '../../runtime/http/query-request.js';
import { makeIdentity } from '../../runtime/identity.js';

export interface ContractTarget {
  name: string;
  /** Opens a data source on a fresh, empty database or schema. */
  open(): Promise<Datasource>;
  /** Drops what open() created. */
  cleanup(): Promise<void>;
  /** CREATE TABLE for `kinds(id, whole, big, exact, day, moment, flag, txt)` in the target's types. */
  createKinds: string;
  /** How the target returns booleans: PostgreSQL has a boolean type, SQLite stores 1 and 0. */
  booleans: 'native' | 'integers';
  /** Set when the target has no exact decimal type; the reason is shown on the skipped case. */
  noExactDecimals?: string;
  /** Set when the target cannot time out a statement; the reason is shown on the skipped case. */
  noTimeout?: string;
  /** A statement that runs longer than the target's statement timeout. */
  slowQuery?: string;
  /** The target's pool size, for the case that checks a timed-out statement frees its connection. */
  poolMax?: number;
  /** Fractional digits of seconds that a `date-time` parameter keeps: PostgreSQL stores microseconds, SQLite gets milliseconds so that stored text sorts in time order. */
  dateTimeParamDigits: 3 | 6;
}

const identity = makeIdentity('tester@example.com', 'Tester', []);

/** Builds a statement model as the compiler does, for binding through the shared layer. */
function statement(sql: string, properties: ParamsSchema['properties'] = {}): StatementModel {
  return { sql: compileSql(sql), spec: { sql }, paramsSchema: { type: 'object', properties, required: [], additionalProperties: false } };
}

/** Runs spec SQL with named parameters on the source, the way the query handler binds it. */
async function run(source: Datasource, sql: string, params: Record<string, unknown> = {}, properties: ParamsSchema['properties'] = {}) {
  const model = statement(sql, properties);
  const compiled = statementFor(source, model);
  return source.query(compiled.text, bindValues(compiled, params, identity, source.dialect, model.paramsSchema));
}

async function write(source: Datasource, sql: string, params: Record<string, unknown> = {}, expectRows?: number, properties: ParamsSchema['properties'] = {}) {
  const model = statement(sql, properties);
  const compiled = statementFor(source, model);
  return source.write(compiled.text, bindValues(compiled, params, identity, source.dialect, model.paramsSchema), expectRows);
}

const TEMPORAL = { day: { type: 'string', format: 'date' }, moment: { type: 'string', format: 'date-time' } } as const;

/** Declares the contract's tests for one target. */
export function sqlDatasourceContract(target: ContractTarget): void {
  describe(`${target.name} data source contract`, () => {
    let source: Datasource;

    beforeAll(async () => {
      source = await target.open();
      await source.write(target.createKinds, []);
      const insert = 'insert into kinds (id, whole, big, exact, day, moment, flag, txt) values (:id, :whole, :big, :exact, :day, :moment, :flag, :txt)';
      const rows = [
        { id: 1, whole: 9007199254740991, big: '9007199254740993', exact: '12345678901234.567891', day: '2024-02-29', moment: '2024-01-02T04:04:05.250+01:00', flag: true, txt: 'plain' },
        { id: 2, whole: 0, big: '-9223372036854775808', exact: '0.1', day: null, moment: null, flag: false, txt: '' },
        { id: 3, whole: null, big: null, exact: null, day: null, moment: null, flag: null, txt: null },
        { id: 4, whole: -1, big: '1', exact: '-2.50', day: '1999-12-31', moment: '1999-12-31T23:59:59Z', flag: true, txt: '100% sure_thing' },
      ];
      for (const row of rows) await write(source, insert, row, 1, TEMPORAL);
    });

    afterAll(async () => {
      await source?.close();
      await target.cleanup();
    });

    it('returns dates as YYYY-MM-DD', async () => {
      const { rows } = await run(source, 'select day from kinds where id = :id', { id: 1 });
      expect(rows[0].day).toBe('2024-02-29');
    });

    it('returns timestamps as ISO 8601 in UTC', async () => {
      const { rows } = await run(source, 'select moment from kinds order by id', {});
      expect(rows[0].moment).toBe('2024-01-02T03:04:05.250Z');
      expect(rows[3].moment).toBe('1999-12-31T23:59:59.000Z');
    });

    it('keeps the fractional digits of a timestamp', async () => {
      const moment = '2026-01-02T03:04:05.123456Z';
      const update = statementFor(source, statement('update kinds set moment = :moment where id = :id', { moment: { type: 'string' }, id: { type: 'integer' } }));
      const updateAsDateTime = statementFor(source, statement('update kinds set moment = :moment where id = :id', { moment: TEMPORAL.moment, id: { type: 'integer' } }));
      const select = statementFor(source, statement('select moment from kinds where id = :id'));
      const readBack = (sql: typeof update, schema: ParamsSchema['properties'], value: string) =>
        source.transaction('rollback', async (tx) => {
          const params: ParamsSchema = { type: 'object', properties: schema, required: [], additionalProperties: false };
          await tx.run(sql.text, bindValues(sql, { moment: value, id: 3 }, identity, source.dialect, params), 1);
          return (await tx.run(select.text, bindValues(select, { id: 3 }, identity, source.dialect))).rows[0].moment;
        });

      // A plain text parameter: PostgreSQL parses it into timestamptz, SQLite stores the text as given.
      expect(await readBack(update, { moment: { type: 'string' } }, moment)).toBe(moment);
      const fromDateTime = await readBack(updateAsDateTime, TEMPORAL, '2026-01-02T04:04:05.123456+01:00');
      expect(fromDateTime).toBe(target.dateTimeParamDigits === 6 ? moment : '2026-01-02T03:04:05.123Z');
      expect((await run(source, 'select moment from kinds where id = :id', { id: 3 })).rows[0].moment).toBeNull();
    });

    it('binds date and date-time parameters', async () => {
      const { rows } = await run(source, 'select id from kinds where day = :day and moment = :moment', { day: '2024-02-29', moment: '2024-01-02T03:04:05.250Z' }, TEMPORAL);
      expect(rows.map((row) => row.id)).toEqual([1]);
    });

    it('keeps integers beyond 2^53 exact', async () => {
      const { rows } = await run(source, 'select whole, big from kinds order by id', {});
      expect(rows[0].whole).toBe(9007199254740991);
      expect(rows[0].big).toBe('9007199254740993');
      expect(rows[1].big).toBe('-9223372036854775808');
      expect(rows[3].big).toBe(1);
    });

    it.skipIf(target.noExactDecimals !== undefined)(`returns decimals with their exact digits${target.noExactDecimals ? ` (skipped: ${target.noExactDecimals})` : ''}`, async () => {
      const { rows } = await run(source, 'select exact from kinds order by id', {});
      expect(rows.map((row) => row.exact)).toEqual(['12345678901234.567891', '0.100000', null, '-2.500000']);
    });

    it('returns booleans', async () => {
      const { rows } = await run(source, 'select flag from kinds order by id', {});
      const [yes, no] = target.booleans === 'native' ? [true, false] : [1, 0];
      expect(rows.map((row) => row.flag)).toEqual([yes, no, null, yes]);
      const flagged = await run(source, 'select id from kinds where flag = :flag order by id', { flag: true });
      expect(flagged.rows.map((row) => row.id)).toEqual([1, 4]);
    });

    it('keeps null apart from empty text and zero', async () => {
      const { rows } = await run(source, 'select id, whole, txt from kinds where id in (2, 3) order by id', {});
      expect(rows[0]).toEqual({ id: 2, whole: 0, txt: '' });
      expect(rows[1]).toEqual({ id: 3, whole: null, txt: null });
      expect((await run(source, 'select id from kinds where txt = :txt', { txt: '' })).rows.map((row) => row.id)).toEqual([2]);
      expect((await run(source, 'select id from kinds where whole = :whole', { whole: 0 })).rows.map((row) => row.id)).toEqual([2]);
      expect((await run(source, 'select id from kinds where txt = :txt or (txt is null and :txt is null)', { txt: null })).rows.map((row) => row.id)).toEqual([3]);
    });

    it('rejects a parameter value of an unknown type by name', () => {
      expect(() => toBindValue('owner', { id: 1 }, source.dialect)).toThrow(BindError);
      expect(() => toBindValue('owner', [1], source.dialect)).toThrow(/`owner`.*array/);
      expect(() => bindValues(compileSql('select :tags'), { tags: ['a'] }, identity, source.dialect)).toThrow(/`tags`/);
    });

    it('refuses writes in a query', async () => {
      await expect(source.query("update kinds set txt = 'changed'", [])).rejects.toThrow(/read-only|readonly/i);
      await expect(source.query('delete from kinds', [])).rejects.toThrow(/read-only|readonly/i);
      expect((await run(source, 'select count(*) as n from kinds', {})).rows[0].n).toBe(4);
      expect((await run(source, "select count(*) as n from kinds where txt = 'changed'", {})).rows[0].n).toBe(0);
    });

    it('rolls an action back when the expected row count differs', async () => {
      const failure = await write(source, "update kinds set txt = 'everyone' where flag = :flag", { flag: true }, 1).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ExpectationFailed);
      expect(failure).toMatchObject({ expected: 1, actual: 2 });
      expect((await run(source, "select count(*) as n from kinds where txt = 'everyone'", {})).rows[0].n).toBe(0);
      const done = await write(source, "update kinds set txt = 'plain' where id = :id", { id: 1 }, 1);
      expect(done.changes).toBe(1);
    });

    it('treats injection in parameters as data', async () => {
      const hostile = ["'; delete from kinds; --", "plain' or '1'='1", '$1', '?', "\\'; drop table kinds; --"];
      for (const value of hostile) {
        expect((await run(source, 'select id from kinds where txt = :txt', { txt: value })).rows).toEqual([]);
      }
      await write(source, 'update kinds set txt = :txt where id = :id', { txt: hostile[0], id: 2 }, 1);
      expect((await run(source, 'select txt from kinds where id = 2', {})).rows[0].txt).toBe(hostile[0]);
      await write(source, "update kinds set txt = '' where id = 2", {}, 1);
      expect((await run(source, 'select count(*) as n from kinds', {})).rows[0].n).toBe(4);
    });

    it('keeps sort and filter values as data', async () => {
      const inner = statementFor(source, statement('select id, txt, whole from kinds'));
      const columns = await source.columnsOf(inner.text, 0);
      expect(columns).toEqual(['id', 'txt', 'whole']);

      const page = async (body: Record<string, unknown>) => {
        const paged = buildPagedSql(source, inner.text, [], columns, body);
        const [result, count] = await source.queryAll([{ sql: paged.select, values: paged.selectValues }, { sql: paged.count, values: paged.countValues }]);
        return { ids: result.rows.map((row) => row.id), total: Number(count.rows[0].total) };
      };
      expect(await page({ filter: { txt: "x' or '1'='1" } })).toEqual({ ids: [], total: 0 });
      expect(await page({ filter: { txt: { op: 'contains', value: '%' } } })).toEqual({ ids: [4], total: 1 });
      expect(await page({ filter: { txt: { op: 'contains', value: 'E_T' } } })).toEqual({ ids: [4], total: 1 });
      expect(await page({ filter: { txt: { op: 'startsWith', value: 'PLA' } } })).toEqual({ ids: [1], total: 1 });
      expect(await page({ filter: { whole: { op: 'gte', value: 0 } }, sort: [{ field: 'whole', dir: 'desc' }] })).toEqual({ ids: [1, 2], total: 2 });
      expect(await page({ filter: { txt: null }, page: { size: 1, offset: 0 } })).toEqual({ ids: [3], total: 1 });
      expect(await page({ sort: [{ field: 'id', dir: 'desc' }], page: { size: 2, offset: 1 } })).toEqual({ ids: [3, 2], total: 4 });

      expect(() => buildPagedSql(source, inner.text, [], columns, { sort: [{ field: 'id; drop table kinds', dir: 'asc' }] })).toThrow(HttpError);
      expect(() => buildPagedSql(source, inner.text, [], columns, { sort: [{ field: 'id', dir: 'asc, (select 1)' }] })).toThrow(HttpError);
      expect(() => buildPagedSql(source, inner.text, [], columns, { filter: { 'txt" or 1=1 --': 'x' } })).toThrow(HttpError);
      expect((await run(source, 'select count(*) as n from kinds', {})).rows[0].n).toBe(4);
    });

    it('describes statements for the spec checks', async () => {
      expect(await source.columnsOf(statementFor(source, statement('select id as "Key", txt from kinds where id = :id')).text, 1)).toEqual(['Key', 'txt']);
      expect(await source.writes('delete from kinds', 0)).toBe(true);
      expect(await source.writes('select id from kinds', 0)).toBe(false);
      expect(await source.writes('-- leading comment\n/* block */ select id from kinds', 0)).toBe(false);
      expect(await source.writes('with gone as (select id from kinds) delete from kinds where id in (select id from gone)', 0)).toBe(true);
      expect(await source.writes('/* select */ delete from kinds', 0)).toBe(true);
      expect(await source.writes('with picked as materialized (select id from kinds order by id limit 2) select a.id from picked a join picked b on a.id = b.id', 0)).toBe(false);
      expect(await source.writes('-- select\ninsert into kinds (id) values (99)', 0)).toBe(true);
      expect(await source.statementCount("select ';' as a; delete from kinds")).toBe(2);
      expect(await source.statementCount("select 'a;b' as a -- ; not a statement\n")).toBe(1);
      await expect(source.check('select nope from kinds', 0)).rejects.toThrow(/nope/);
      expect((await run(source, 'select count(*) as n from kinds', {})).rows[0].n).toBe(4);
    });

    it.skipIf(target.noTimeout !== undefined)(`cancels a statement at the timeout and frees its connection${target.noTimeout ? ` (skipped: ${target.noTimeout})` : ''}`, async () => {
      const failure = await source.query(target.slowQuery!, []).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(StatementTimeout);
      expect((failure as Error).message).toMatch(/cancelled after \d+ ms/);
      // More queries than the pool has connections: each must get one back.
      const results = await Promise.all(Array.from({ length: (target.poolMax ?? 1) * 2 }, () => run(source, 'select count(*) as n from kinds', {})));
      expect(results.every((result) => result.rows[0].n === 4)).toBe(true);
      const write = await source.write(target.slowQuery!, []).catch((err: unknown) => err);
      expect(write).toBeInstanceOf(StatementTimeout);
    });
  });
}
