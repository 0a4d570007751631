// Approval requests in the PostgreSQL system store: one row per request with
// its current state (JSONB), and every event in `approval_events`, so the
// history can be replayed as with the file. A change locks the request's row
// (SELECT ... FOR UPDATE) and applies the event with the same status rules as
// the file store (applyEvent), so of two decisions sent at once from two
// processes exactly one applies and the other raises ApprovalConflict.
import type pg from 'pg';
import { applyEvent, ApprovalConflict, ApprovalStoreUnavailable, type ApprovalEvent, type ApprovalRequest, type ApprovalStore, type NewApprovalRequest } from '../approvals/store.js';
import { inTransaction, storeFailureReason, storeTables, type StoreTables } from './pool.js';

/** SQLSTATE of a unique violation: the request id exists already. */
const UNIQUE_VIOLATION = '23505';

/** Keeps approval requests in PostgreSQL. Parameter values are stored in clear (secret ones too), as in the file: limit who can read the schema. */
export class PostgresApprovalStore implements ApprovalStore {
  readonly #pool: pg.Pool;
  readonly #tables: StoreTables;
  readonly #schema: string;

  /** The tables must exist (see migrateStore); the pool stays the caller's to end. */
  constructor(options: { pool: pg.Pool; schema: string }) {
    this.#pool = options.pool;
    this.#schema = options.schema;
    this.#tables = storeTables(options.schema);
  }

  async create(request: NewApprovalRequest): Promise<ApprovalRequest> {
    const event: ApprovalEvent = { type: 'created', at: request.createdAt, request };
    const created = applyEvent(undefined, event);
    try {
      await inTransaction(this.#pool, async (client) => {
        await client.query(`INSERT INTO ${this.#tables.approvalRequests} (id, app, status, request) VALUES ($1, $2, $3, $4)`, [created.id, created.app, created.status, JSON.stringify(created)]);
        await client.query(`INSERT INTO ${this.#tables.approvalEvents} (request_id, event) VALUES ($1, $2)`, [created.id, JSON.stringify(event)]);
      });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new ApprovalConflict(`approval request ${request.id} already exists`);
      throw this.#unavailable('record', err);
    }
    return created;
  }

  async get(app: string, id: string): Promise<ApprovalRequest | undefined> {
    try {
      const { rows } = await this.#pool.query<{ request: ApprovalRequest }>(`SELECT request FROM ${this.#tables.approvalRequests} WHERE id = $1 AND app = $2`, [id, app]);
      return rows[0]?.request;
    } catch (err) {
      throw this.#unavailable('read', err);
    }
  }

  async list(app: string): Promise<ApprovalRequest[]> {
    try {
      const { rows } = await this.#pool.query<{ request: ApprovalRequest }>(`SELECT request FROM ${this.#tables.approvalRequests} WHERE app = $1`, [app]);
      return rows.map((row) => row.request);
    } catch (err) {
      throw this.#unavailable('read', err);
    }
  }

  /** Locks the request's row, checks the event against its current status, and writes the new state and the event in one transaction. */
  async record(event: Exclude<ApprovalEvent, { type: 'created' }>): Promise<ApprovalRequest> {
    try {
      return await inTransaction(this.#pool, async (client) => {
        const { rows } = await client.query<{ request: ApprovalRequest }>(`SELECT request FROM ${this.#tables.approvalRequests} WHERE id = $1 FOR UPDATE`, [event.id]);
        const next = applyEvent(rows[0]?.request, event);
        await client.query(`UPDATE ${this.#tables.approvalRequests} SET status = $2, request = $3, updated_at = now() WHERE id = $1`, [event.id, next.status, JSON.stringify(next)]);
        await client.query(`INSERT INTO ${this.#tables.approvalEvents} (request_id, event) VALUES ($1, $2)`, [event.id, JSON.stringify(event)]);
        return next;
      });
    } catch (err) {
      if (err instanceof ApprovalConflict) throw err;
      throw this.#unavailable('record', err);
    }
  }

  #unavailable(what: 'read' | 'record', err: unknown): ApprovalStoreUnavailable {
    return new ApprovalStoreUnavailable(`cannot ${what} approval requests in PostgreSQL schema "${this.#schema}": ${storeFailureReason(err)}`);
  }
}
