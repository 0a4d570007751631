// Job runs in the PostgreSQL system store, shared by every server process
// that uses the store. A change locks the run's row and applies the event
// with the same rules as the file store (applyRunEvent). Starting a run is a
// claim: under an advisory lock per job, the run must still be queued and
// the job below its concurrency, so two processes never start one run twice
// or exceed the limit together. Every change is announced with NOTIFY, so
// other processes show progress and stop a run cancelled elsewhere. Queued
// runs reach the processes through pg-boss (pg-boss-dispatch.ts). Processes
// send heartbeats; the runs of a silent one are marked interrupted by the
// others.
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { applyRunEvent, RunConflict, RunStoreUnavailable, type JobRun, type NewRun, type RecordOptions, type RunEvent, type RunStatus, type RunStore } from '../jobs/run-state.js';
import type { Logger } from '../log.js';
import { inTransaction, storeFailureReason, storeTables, type StoreTables } from './pool.js';

/** Wait before listening again after the listening connection failed. */
const RELISTEN_MS = 1_000;

export class PostgresRunStore implements RunStore {
  readonly #pool: pg.Pool;
  readonly #tables: StoreTables;
  readonly #schema: string;
  readonly #url: string;
  readonly #log: Logger;
  readonly #channel: string;
  /** Marks this process's notifications, so it does not hear its own changes as remote ones. */
  readonly #origin = randomUUID();
  #listener: pg.Client | undefined;
  #closed = false;

  /** The tables must exist (see migrateStore); the pool stays the caller's to end. `url` opens the one connection that listens for changes. */
  constructor(options: { pool: pg.Pool; schema: string; url: string; log: Logger }) {
    this.#pool = options.pool;
    this.#schema = options.schema;
    this.#tables = storeTables(options.schema);
    this.#url = options.url;
    this.#log = options.log;
    this.#channel = `opsdeck_runs_${options.schema}`;
  }

  async create(run: NewRun): Promise<JobRun> {
    const created = applyRunEvent(undefined, { type: 'created', at: run.createdAt, run });
    try {
      await this.#pool.query(`INSERT INTO ${this.#tables.jobRuns} (id, app, job, status, created_at, run) VALUES ($1, $2, $3, $4, $5, $6)`, [created.id, created.app, created.job, created.status, created.createdAt, JSON.stringify(created)]);
      await this.#notify(this.#pool, created.id);
    } catch (err) {
      throw this.#unavailable('record', err);
    }
    return created;
  }

  async get(app: string, id: string): Promise<JobRun | undefined> {
    try {
      const { rows } = await this.#pool.query<{ run: JobRun }>(`SELECT run FROM ${this.#tables.jobRuns} WHERE id = $1 AND app = $2`, [id, app]);
      return rows[0]?.run;
    } catch (err) {
      throw this.#unavailable('read', err);
    }
  }

  async list(app: string, limit: number): Promise<JobRun[]> {
    try {
      const { rows } = await this.#pool.query<{ run: JobRun }>(`SELECT run FROM ${this.#tables.jobRuns} WHERE app = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [app, limit]);
      return rows.map((row) => row.run);
    } catch (err) {
      throw this.#unavailable('read', err);
    }
  }

  async withStatus(statuses: readonly RunStatus[]): Promise<JobRun[]> {
    try {
      const { rows } = await this.#pool.query<{ run: JobRun }>(`SELECT run FROM ${this.#tables.jobRuns} WHERE status = ANY($1)`, [statuses]);
      return rows.map((row) => row.run);
    } catch (err) {
      throw this.#unavailable('read', err);
    }
  }

  /** Applies the event under the run's row lock. Progress marked `durable: false` is written too, so other processes can show it. */
  async record(event: Exclude<RunEvent, { type: 'created' }>, _options?: RecordOptions): Promise<JobRun> {
    try {
      return await inTransaction(this.#pool, async (client) => this.#apply(client, event));
    } catch (err) {
      if (err instanceof RunConflict) throw err;
      throw this.#unavailable('record', err);
    }
  }

  async claim(run: JobRun, at: string, owner: string, limit: number): Promise<JobRun | undefined> {
    try {
      return await inTransaction(this.#pool, async (client) => {
        // One claim per job at a time, across processes, so the count below stays true until the commit.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.#schema}/${run.app}/${run.job}`]);
        const { rows } = await client.query<{ running: string }>(`SELECT count(*) AS running FROM ${this.#tables.jobRuns} WHERE app = $1 AND job = $2 AND status IN ('running', 'cancelling')`, [run.app, run.job]);
        if (Number(rows[0].running) >= limit) return undefined;
        try {
          return await this.#apply(client, { type: 'started', id: run.id, at, owner });
        } catch (err) {
          // Another process started it (or it was cancelled) since this one listed it.
          if (err instanceof RunConflict) return undefined;
          throw err;
        }
      });
    } catch (err) {
      throw this.#unavailable('record', err);
    }
  }

  async heartbeat(owner: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.#pool.query(`UPDATE ${this.#tables.jobRuns} SET heartbeat_at = now() WHERE id = ANY($1) AND owner = $2`, [ids, owner]);
    } catch (err) {
      throw this.#unavailable('record', err);
    }
  }

  async interruptStale(owner: string, staleBefore: Date, at: string): Promise<JobRun[]> {
    try {
      const { rows } = await this.#pool.query<{ id: string }>(
        `SELECT id FROM ${this.#tables.jobRuns} WHERE status IN ('running', 'cancelling') AND owner IS DISTINCT FROM $1 AND (heartbeat_at IS NULL OR heartbeat_at < $2)`,
        [owner, staleBefore],
      );
      const interrupted: JobRun[] = [];
      for (const { id } of rows) {
        const run = await inTransaction(this.#pool, async (client) => {
          const locked = await client.query<{ heartbeat_at: Date | null; status: string }>(`SELECT heartbeat_at, status FROM ${this.#tables.jobRuns} WHERE id = $1 FOR UPDATE`, [id]);
          const row = locked.rows[0];
          // Checked again under the lock: the owner may have sent a heartbeat since the list.
          if (row === undefined || !['running', 'cancelling'].includes(row.status) || (row.heartbeat_at !== null && row.heartbeat_at >= staleBefore)) return undefined;
          return this.#apply(client, { type: 'interrupted', id, at });
        });
        if (run !== undefined) interrupted.push(run);
      }
      return interrupted;
    } catch (err) {
      throw this.#unavailable('record', err);
    }
  }

  watch(listener: (run: JobRun) => void): () => void {
    void this.#listen(listener);
    return () => {
      this.#closed = true;
      void this.#listener?.end().catch(() => undefined);
    };
  }

  /** Opens the listening connection; when it fails, opens it again after RELISTEN_MS until the store is closed. */
  async #listen(listener: (run: JobRun) => void): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#url, application_name: 'opsdeck-store-listen' });
    this.#listener = client;
    const again = (): void => {
      if (this.#closed) return;
      setTimeout(() => void this.#listen(listener), RELISTEN_MS).unref();
    };
    client.on('error', (err) => {
      this.#log.warn({ store: this.#schema, reason: storeFailureReason(err) }, 'job run notifications lost; listening again');
      void client.end().catch(() => undefined);
      again();
    });
    client.on('notification', (message) => {
      const [origin, id] = (message.payload ?? '').split(' ');
      if (origin === this.#origin || id === undefined) return;
      void this.#pool
        .query<{ run: JobRun }>(`SELECT run FROM ${this.#tables.jobRuns} WHERE id = $1`, [id])
        .then(({ rows }) => {
          if (rows[0] !== undefined) listener(rows[0].run);
        })
        .catch((err) => this.#log.warn({ store: this.#schema, reason: storeFailureReason(err) }, 'changed job run not read'));
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.#channel}"`);
    } catch (err) {
      this.#log.warn({ store: this.#schema, reason: storeFailureReason(err) }, 'cannot listen for job run changes; trying again');
      void client.end().catch(() => undefined);
      again();
    }
  }

  /** Locks the run's row, applies the event and writes the new state; raises RunConflict when the event does not apply. */
  async #apply(client: pg.PoolClient, event: Exclude<RunEvent, { type: 'created' }>): Promise<JobRun> {
    const { rows } = await client.query<{ run: JobRun }>(`SELECT run FROM ${this.#tables.jobRuns} WHERE id = $1 FOR UPDATE`, [event.id]);
    const next = applyRunEvent(rows[0]?.run, event);
    const owner = event.type === 'started' ? event.owner ?? null : next.owner ?? null;
    await client.query(
      `UPDATE ${this.#tables.jobRuns} SET status = $2, run = $3, owner = $4, heartbeat_at = CASE WHEN $5 THEN now() ELSE heartbeat_at END WHERE id = $1`,
      [event.id, next.status, JSON.stringify(next), owner, event.type === 'started'],
    );
    await this.#notify(client, event.id);
    return next;
  }

  /** Announces a change; PostgreSQL delivers it to listeners when the transaction commits. */
  async #notify(client: pg.Pool | pg.PoolClient, id: string): Promise<void> {
    await client.query('SELECT pg_notify($1, $2)', [this.#channel, `${this.#origin} ${id}`]);
  }

  #unavailable(what: 'read' | 'record', err: unknown): RunStoreUnavailable {
    return new RunStoreUnavailable(`cannot ${what} job runs in PostgreSQL schema "${this.#schema}": ${storeFailureReason(err)}`);
  }
}
