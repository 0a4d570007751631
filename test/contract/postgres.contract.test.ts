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
});
