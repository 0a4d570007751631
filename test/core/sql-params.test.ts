import { describe, expect, test } from 'vitest';
import { compileSql, findSqlParams } from '../../core/sql-params.js';

const names = (sql: string): string[] => findSqlParams(sql).map((p) => p.name);

describe('findSqlParams', () => {
  test('plain parameters with offsets', () => {
    const sql = 'select * from t where a = :a and b = :b_2';
    expect(findSqlParams(sql)).toEqual([
      { name: 'a', offset: sql.indexOf(':a'), length: 2 },
      { name: 'b_2', offset: sql.indexOf(':b_2'), length: 4 },
    ]);
  });

  test('identity values keep their dot', () => {
    expect(names('insert into n values (:id, :user.email)')).toEqual(['id', 'user.email']);
  });

  test('string literals with doubled quotes skipped', () => {
    expect(names("select ':no', 'it''s :no' , :yes")).toEqual(['yes']);
  });

  test('quoted identifiers skipped', () => {
    expect(names('select "col:no", [a:no], `b:no` from t where x = :yes')).toEqual(['yes']);
  });

  test('comments skipped', () => {
    expect(names('select 1 -- :no\nwhere a = :yes /* :no\n :no */ and b = :also')).toEqual(['yes', 'also']);
  });

  test('casts are not parameters', () => {
    expect(names('select :when::timestamp, x::text from t')).toEqual(['when']);
  });

  test('dollar-quoted strings skipped', () => {
    expect(names('select $$ :no $$, $tag$ :no $tag$, :yes')).toEqual(['yes']);
  });

  test('lone colons and digits ignored', () => {
    expect(names("select a[1:2], x := 3, :9 from t")).toEqual([]);
  });

  test('unterminated string ends the scan', () => {
    expect(names("select :a, 'open :b")).toEqual(['a']);
  });
});

describe('compileSql', () => {
  test('replaces parameters in order', () => {
    expect(compileSql("update t set a = :a, note = ':a' where id = :id and by = :user.id and a <> :a")).toEqual({
      text: "update t set a = ?, note = ':a' where id = ? and by = ? and a <> ?",
      bindings: ['a', 'id', 'user.id', 'a'],
    });
  });

  test('sql without parameters unchanged', () => {
    expect(compileSql('select 1::int')).toEqual({ text: 'select 1::int', bindings: [] });
  });
});
