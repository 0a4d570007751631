// Schedule slots in the PostgreSQL system store. The primary key
// (schedule, slot) makes a claim an insert that only one of several server
// processes wins, so a slot starts one run in total, not one per replica.
import type pg from 'pg';
import type { CronSlot } from '../../core/cron.js';
import type { LastSlot, SlotStore } from '../jobs/scheduler.js';
import { storeTables, type StoreTables } from './pool.js';

export class PostgresSlotStore implements SlotStore {
  readonly #pool: pg.Pool;
  readonly #tables: StoreTables;

  constructor(options: { pool: pg.Pool; schema: string }) {
    this.#pool = options.pool;
    this.#tables = storeTables(options.schema);
  }

  async last(schedule: string): Promise<LastSlot | undefined> {
    const { rows } = await this.#pool.query<{ slot: string; at: Date }>(`SELECT slot, at FROM ${this.#tables.scheduleSlots} WHERE schedule = $1 ORDER BY at DESC, slot DESC LIMIT 1`, [schedule]);
    return rows[0] === undefined ? undefined : { slot: rows[0].slot, at: rows[0].at.toISOString() };
  }

  async claim(schedule: string, slot: CronSlot): Promise<boolean> {
    // A slot at or before the latest claimed one counts as claimed: slots that a daylight-saving change puts at one instant start one run.
    const { rowCount } = await this.#pool.query(
      `INSERT INTO ${this.#tables.scheduleSlots} (schedule, slot, at)
       SELECT $1, $2, $3
       WHERE NOT EXISTS (SELECT 1 FROM ${this.#tables.scheduleSlots} WHERE schedule = $1 AND at >= $3)
       ON CONFLICT (schedule, slot) DO NOTHING`,
      [schedule, slot.id, slot.at],
    );
    return rowCount === 1;
  }

  async release(schedule: string, slot: CronSlot): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#tables.scheduleSlots} WHERE schedule = $1 AND slot = $2`, [schedule, slot.id]);
  }
}
