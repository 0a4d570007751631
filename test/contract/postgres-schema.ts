// A throwaway schema on the test PostgreSQL server (127.0.0.1:5432, database
// `test`, or OPSDECK_TEST_POSTGRES_URL): each test file creates a uniquely
// named schema and drops it at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_POSTGRES_URL = process.env.OPSDECK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  /** Schema name, such as `opsdeck_test_contract_1a2b3c4d`. */
  name: string;
  /** Runs SQL as the test user, outside the data source under test. */
  admin(sql: string): Promise<pg.QueryResult>;
  /** Drops the schema with everything in it, and the schemas whose names start with `<name>_`. */
  drop(): Promise<void>;
}

/** Creates a schema named after `purpose` and a random suffix. */
export async function createTestSchema(purpose: string): Promise<TestSchema> {
  const name = `opsdeck_test_${purpose}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`cannot reach the test PostgreSQL server (${(err as Error).message}); start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`);
  }
  await client.query(`CREATE SCHEMA ${name}`);
  return {
    name,
    admin: (sql) => client.query(sql),
    drop: async () => {
      try {
        // Schemas named after this one go too, such as a system store `<name>_sys` and its pg-boss schema `<name>_sys_boss`.
        const { rows } = await client.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`${name}\\_%`]);
        for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
        await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
