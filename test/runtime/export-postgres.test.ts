// The same export cases as export.test.ts, with the ledger app on PostgreSQL.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../contract/postgres-schema.js';
import { describeExports, SQLITE_SOURCE } from '../fixtures/b1/export-suite.js';

let schema: TestSchema | undefined;

describeExports(
  'PostgreSQL',
  async (appDir) => {
    schema = await createTestSchema('export');
    const spec = join(appDir, 'app.yaml');
    const text = readFileSync(spec, 'utf8');
    if (!text.includes(SQLITE_SOURCE)) throw new Error('the fixture data source changed; update SQLITE_SOURCE');
    writeFileSync(spec, text.replace(SQLITE_SOURCE, `  main:\n    kind: postgres\n    url: "\${env:EXPORT_DATABASE_URL}"\n    schema: ${schema.name}\n    migrations: migrations\n`));
    process.env.EXPORT_DATABASE_URL = TEST_POSTGRES_URL;
  },
  async () => {
    delete process.env.EXPORT_DATABASE_URL;
    await schema?.drop();
  },
);
