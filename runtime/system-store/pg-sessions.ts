// Signed-out sessions in the PostgreSQL system store, shared by every process.
// Each process keeps the list in memory, so a request checks it without a
// round trip, and every second reads the rows added lately. A session signed
// out on one process is therefore refused by the others within about a
// second, and at once by the process that signed it out.
import type pg from 'pg';
import type { Logger } from '../log.js';
import { RevocationFailed, RevokedIds, type SessionRevocations } from '../session-revocations.js';
import { storeFailureReason, storeTables, type StoreTables } from './pool.js';

/** How often each process reads the sign-outs of the others. */
const POLL_MS = 1_000;
/** How often a process deletes rows of expired sessions. */
const PRUNE_MS = 3_600_000;
/**
 * How far back each read starts before the newest row seen. A row becomes
 * visible at its commit, which may come after that of a row inserted later.
 * The store's statement timeout (10 s) bounds that delay, so a minute of
 * overlap misses no row.
 */
const OVERLAP = '60 seconds';

export class PostgresSessionRevocations implements SessionRevocations {
  readonly #pool: pg.Pool;
  readonly #tables: StoreTables;
  readonly #log: Logger;
  readonly #pollMs: number;
  readonly #ids = new RevokedIds();
  /** `signed_out_at` of the newest row read so far. */
  #newest: Date | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  /** The reason the last read failed; undefined after a read succeeded. */
  #failing: string | undefined;
  #lastPrune = 0;

  /** The table must exist (see migrateStore); the pool stays the caller's to end. */
  constructor(options: { pool: pg.Pool; schema: string; log: Logger; pollMs?: number }) {
    this.#pool = options.pool;
    this.#tables = storeTables(options.schema);
    this.#log = options.log;
    this.#pollMs = options.pollMs ?? POLL_MS;
  }

  /** Reads the current list, then keeps reading what other processes add. Raises when the first read fails. */
  async start(): Promise<void> {
    await this.#read();
    this.#schedule();
  }

  isRevoked(id: string): boolean {
    return this.#ids.has(id);
  }

  async revoke(id: string, expiresAt: number): Promise<void> {
    this.#ids.add(id, expiresAt);
    try {
      await this.#pool.query(`INSERT INTO ${this.#tables.signedOutSessions} (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [id, new Date(expiresAt)]);
    } catch (err) {
      throw new RevocationFailed(`cannot record the sign-out in the system store: ${storeFailureReason(err)}`);
    }
  }

  status(): { available: boolean; reason?: string } {
    return this.#failing === undefined ? { available: true } : { available: false, reason: this.#failing };
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#polling;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#polling = this.#poll().finally(() => {
        this.#polling = undefined;
        if (this.#timer !== undefined) this.#schedule();
      });
    }, this.#pollMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    try {
      await this.#read();
      if (this.#failing !== undefined) this.#log.info({ store: this.#tables.schema }, 'reading signed-out sessions again');
      this.#failing = undefined;
      if (Date.now() - this.#lastPrune >= PRUNE_MS) await this.#prune();
    } catch (err) {
      // Logged once per outage. Meanwhile sign-outs on other processes are not seen here, so readiness fails (see status).
      const reason = storeFailureReason(err);
      if (this.#failing === undefined) this.#log.warn({ store: this.#tables.schema, reason }, 'cannot read signed-out sessions; trying again every second');
      this.#failing = reason;
    }
  }

  async #read(): Promise<void> {
    const { rows } = await this.#pool.query<{ id: string; expires_at: Date; signed_out_at: Date }>(
      `SELECT id, expires_at, signed_out_at FROM ${this.#tables.signedOutSessions}
       WHERE expires_at > now() AND ($1::timestamptz IS NULL OR signed_out_at > $1::timestamptz - interval '${OVERLAP}')
       ORDER BY signed_out_at`,
      [this.#newest ?? null],
    );
    for (const row of rows) this.#ids.add(row.id, row.expires_at.getTime());
    if (rows.length > 0) this.#newest = rows[rows.length - 1].signed_out_at;
  }

  async #prune(): Promise<void> {
    this.#lastPrune = Date.now();
    this.#ids.prune();
    await this.#pool.query(`DELETE FROM ${this.#tables.signedOutSessions} WHERE expires_at < now()`);
  }
}
