import { describe, expect, it } from 'vitest';
import { compileSql } from '../../core/sql-params.js';
import { countPostgresStatements } from '../../runtime/datasources/pg-statements.js';
import { resolveEnvReferences } from '../../runtime/datasources/open.js';
import { MissingEnvironmentVariable } from '../../runtime/datasources/datasource.js';
import { exactInteger, isoTimestamp, toBindValue } from '../../runtime/datasources/values.js';

describe('compileSql with dollar placeholders', () => {
  it('numbers each name once', () => {
    expect(compileSql('select :a, :b, :a', { placeholders: 'dollar' })).toEqual({ text: 'select $1, $2, $1', bindings: ['a', 'b'] });
  });

  it('keeps casts and adds requested ones', () => {
    const compiled = compileSql('select :when::date, x::text where d = :day', { placeholders: 'dollar', castOf: (name) => (name === 'day' ? 'date' : undefined) });
    expect(compiled.text).toBe('select $1::date, x::text where d = $2::date');
  });

  it('keeps question marks for SQLite', () => {
    expect(compileSql('select :a, :a').text).toBe('select ?, ?');
  });
});

describe('binding layer', () => {
  it('converts PostgreSQL timestamps to UTC', () => {
    expect(isoTimestamp('2024-01-02 03:04:05')).toBe('2024-01-02T03:04:05.000Z');
    expect(isoTimestamp('2024-01-02 03:04:05.123456+05:30')).toBe('2024-01-01T21:34:05.123456Z');
    expect(isoTimestamp('2026-01-02 03:04:05.123456+00')).toBe('2026-01-02T03:04:05.123456Z');
    expect(isoTimestamp('2026-01-02 03:04:05.5')).toBe('2026-01-02T03:04:05.500Z');
    expect(isoTimestamp('2026-01-01 00:30:00.000001+01')).toBe('2025-12-31T23:30:00.000001Z');
    expect(isoTimestamp('2024-01-02 03:04:05.25-03:30:15')).toBe('2024-01-02T06:34:20.250Z');
    expect(isoTimestamp('2024-01-02 03:04:05-03')).toBe('2024-01-02T06:04:05.000Z');
    expect(isoTimestamp('0045-03-01 00:00:00')).toBe('0045-03-01T00:00:00.000Z');
    expect(isoTimestamp('infinity')).toBe('infinity');
    expect(isoTimestamp('2024-01-02 03:04:05 BC')).toBe('2024-01-02 03:04:05 BC');
  });

  it('keeps big integers exact', () => {
    expect(exactInteger('9007199254740991')).toBe(9007199254740991);
    expect(exactInteger('9007199254740992')).toBe('9007199254740992');
    expect(exactInteger(-9223372036854775808n)).toBe('-9223372036854775808');
  });

  it('binds by dialect and rejects unknown types', () => {
    expect(toBindValue('flag', true, 'sqlite')).toBe(1);
    expect(toBindValue('flag', true, 'postgres')).toBe(true);
    expect(toBindValue('at', '2024-01-02T04:04:05+01:00', 'sqlite', 'date-time')).toBe('2024-01-02T03:04:05.000Z');
    expect(toBindValue('at', '2024-01-02T04:04:05.123456+01:00', 'postgres', 'date-time')).toBe('2024-01-02T03:04:05.123456Z');
    expect(toBindValue('at', '2024-01-02T03:04:05.1Z', 'sqlite', 'date-time')).toBe('2024-01-02T03:04:05.100Z');
    expect(toBindValue('at', '2024-01-02T03:04:05.123456Z', 'sqlite', 'date-time')).toBe('2024-01-02T03:04:05.123Z');
    expect(() => toBindValue('at', '2024-01-02T03:04:05.123456789012345Z', 'postgres', 'date-time')).not.toThrow();
    expect(() => toBindValue('at', 'tomorrow', 'postgres', 'date-time')).toThrow(/`at`/);
    expect(toBindValue('day', '2024-02-29', 'postgres', 'date')).toBe('2024-02-29');
    expect(() => toBindValue('owner', { id: 1 }, 'postgres')).toThrow(/`owner`/);
    expect(() => toBindValue('n', Number.NaN, 'sqlite')).toThrow(/`n`/);
  });
});

describe('PostgreSQL statement count', () => {
  it.each([
    ['select 1', 1],
    ['select 1;', 1],
    ['select 1; select 2', 2],
    ["select ';'", 1],
    ["select E'\\';' ; select 2", 2],
    ['select $$;$$, $t$ ; $t$', 1],
    ['select "a;b" from t', 1],
    ['select 1 -- ; drop\n', 1],
    ['select /* ; /* ; */ ; */ 1', 1],
    [';;', 0],
    ['select $1; delete from t', 2],
  ])('%s has %i statement(s)', (sql, count) => {
    expect(countPostgresStatements(sql)).toBe(count);
  });
});

describe('environment references', () => {
  it('resolves every reference and names a missing one', () => {
    expect(resolveEnvReferences('main', 'postgres://${env:U}:${env:P}@h/db', { U: 'ops', P: 's3cret' })).toBe('postgres://ops:s3cret@h/db');
    const failure = (() => {
      try {
        resolveEnvReferences('main', '${env:DB_URL}', {});
      } catch (err) {
        return err;
      }
    })();
    expect(failure).toBeInstanceOf(MissingEnvironmentVariable);
    expect((failure as Error).message).toContain('DB_URL');
  });
});
