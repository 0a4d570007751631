// Exports of a query on SQLite (sql.js): CSV and JSON lines under the query's
// row and column rules, with the shared cases in test/fixtures/b1/export-suite.ts.
import { describeExports } from '../fixtures/b1/export-suite.js';

describeExports('SQLite', () => undefined);
