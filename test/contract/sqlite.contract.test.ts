import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SqliteDatasource } from '../../runtime/datasources/sqlite.js';
import { sqlDatasourceContract } from './sql-datasource.contract.js';

const folder = mkdtempSync(join(tmpdir(), 'opsdeck-contract-'));

sqlDatasourceContract({
  name: 'sqlite',
  open: () => SqliteDatasource.open({ file: join(folder, 'contract.sqlite'), log: pino({ level: 'silent' }) }),
  cleanup: async () => rmSync(folder, { recursive: true, force: true }),
  createKinds: 'create table kinds (id integer primary key, whole integer, big integer, exact numeric, day text, moment text, flag integer, txt text)',
  booleans: 'integers',
  dateTimeParamDigits: 3,
  noExactDecimals: 'SQLite stores NUMERIC values as 64-bit floats, so no exact decimal type exists',
  noTimeout: 'sql.js runs each statement to completion in-process and has no statement timeout',
});
