import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { PostgresDatasource } from '../../runtime/datasources/postgres.js';
import { sqlDatasourceContract } from './sql-datasource.contract.js';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from './postgres-schema.js';

let schema: TestSchema | undefined;
const POOL_MAX = 2;

sqlDatasourceContract({
  name: 'postgres',
  open: async () => {
    schema = await createTestSchema('contract');
    return new PostgresDatasource({ name: 'main', url: TEST_POSTGRES_URL, schema: schema.name, statementTimeoutMs: 300, poolMax: POOL_MAX, log: pino({ level: 'silent' }) });
  },
  cleanup: async () => schema?.drop(),
  createKinds: 'create table kinds (id integer primary key, whole bigint, big bigint, exact numeric(20, 6), day date, moment timestamptz, flag boolean, txt text)',
  booleans: 'native',
  slowQuery: 'select pg_sleep(2)',
  poolMax: POOL_MAX,
  dateTimeParamDigits: 6,
});

describe('postgres session settings', () => {
  let sessionSchema: TestSchema | undefined;
  let source: PostgresDatasource | undefined;

  afterAll(async () => {
    await source?.close();
    await sessionSchema?.drop();
  });

  it('runs every connection in UTC', async () => {
    sessionSchema = await createTestSchema('session');
    source = new PostgresDatasource({ name: 'main', url: TEST_POSTGRES_URL, schema: sessionSchema.name, statementTimeoutMs: 1000, poolMax: 2, log: pino({ level: 'silent' }) });
    const { rows } = await source.query("select current_setting('TimeZone') as zone, current_schema() as schema, timestamptz '2026-01-02 05:04:05.123456+02' as moment", []);
    expect(rows[0].zone).toBe('UTC');
    expect(rows[0].schema).toBe(sessionSchema.name);
    expect(rows[0].moment).toBe('2026-01-02T03:04:05.123456Z');
  });

  it('overrides a time zone set on the connection string', async () => {
    sessionSchema ??= await createTestSchema('session');
    const url = new URL(TEST_POSTGRES_URL);
    url.searchParams.set('options', '-c TimeZone=Asia/Kolkata');
    const zoned = new PostgresDatasource({ name: 'main', url: url.toString(), statementTimeoutMs: 1000, poolMax: 1, log: pino({ level: 'silent' }) });
    try {
      const { rows } = await zoned.query("select current_setting('TimeZone') as zone, timestamp '2026-01-02 03:04:05.5' as plain", []);
      expect(rows[0].zone).toBe('UTC');
      expect(rows[0].plain).toBe('2026-01-02T03:04:05.500Z');
    } finally {
      await zoned.close();
    }
  });
});
