// `opsdeck audit verify` on the PostgreSQL system store: reads the chain from
// the store's tables without creating or migrating anything.
import { pino } from 'pino';
import type { StoreSettings } from '../../core/settings.js';
import type { VerifyResult } from '../audit-verify.js';
import { PostgresAuditLog } from './pg-audit.js';
import { openStorePool, storeFailureReason } from './pool.js';

/** Raised when the store cannot be read; the message names the schema and a short reason, never the URL. */
export class StoreUnreadable extends Error {}

/** Verifies the chain in the store; `onProgress` receives the count of records read after each page. */
export async function verifyStore(store: StoreSettings & { kind: 'postgres' }, onProgress?: (records: number) => void): Promise<VerifyResult> {
  const pool = openStorePool({ url: store.url, schema: store.schema, max: 1, log: pino({ level: 'silent' }) });
  const audit = new PostgresAuditLog({ pool, schema: store.schema });
  try {
    return await audit.verify(onProgress);
  } catch (err) {
    throw new StoreUnreadable(`cannot read the audit log in PostgreSQL schema "${store.schema}" (store.url in opsdeck.yaml): ${storeFailureReason(err)}`);
  } finally {
    await audit.close();
  }
}
