// The end of the audit chain in the PostgreSQL store, checked and extended by
// two functions inside the database. Each record keeps the exact text its hash
// was computed from (column `canonical`), so PostgreSQL can recompute the
// last record's hash with sha256() and link new records to it in one call.
// A writer then holds the head's lock only while that call runs, not for a
// round trip to the process, which is what lets several replicas append to
// one chain at a high rate.
import type pg from 'pg';
import { GENESIS, canonicalJson, recordHash } from '../audit-chain.js';
import type { StoreTables } from './pool.js';

/** SQLSTATE the functions raise when the head and the last record do not match. */
export const CHAIN_MISMATCH = 'OPA01';
/** SQLSTATE the functions raise when the last record has no canonical text, because an older Opsdeck wrote it. */
export const TAIL_WITHOUT_TEXT = 'OPA02';

/** Raised when the chain head does not match the last record, so nothing may be linked to it. */
export class ChainHeadMismatch extends Error {}

/** A row of audit_records as pg returns it (bigint arrives as a string). */
export interface RecordRow {
  seq: string;
  prev: string;
  hash: string;
  record: Record<string, unknown>;
}

/**
 * SQL that adds the canonical column and creates the two functions:
 *
 * - `audit_tail(take_lock)` returns the head's seq and hash after checking
 *   that the last record matches them. It recomputes the record's hash from
 *   its canonical text, and compares that text with the record's JSONB and
 *   with its seq, prev, id, time and app columns. With `take_lock` it first
 *   locks the head row (FOR UPDATE).
 * - `audit_append(...)` locks the head through audit_tail, builds each new
 *   record's canonical text from the parts the process sent (see
 *   canonicalParts) and its hash, inserts them, moves the head and returns
 *   each record's seq, prev and hash. It sets synchronous_commit off for its
 *   transaction, so the lock is released without waiting for the disk. A
 *   caller that needs the records on disk waits for a later commit.
 */
export function auditFunctionsSql(t: StoreTables): string {
  const mismatch = `USING ERRCODE = '${CHAIN_MISMATCH}'`;
  return `
    ALTER TABLE ${t.auditRecords} ADD COLUMN canonical text;

    CREATE FUNCTION ${t.auditTail}(take_lock boolean, OUT head_seq bigint, OUT head_hash text) LANGUAGE plpgsql AS $fn$
    DECLARE
      last record;
      parsed jsonb;
    BEGIN
      IF take_lock THEN
        SELECT h.seq, h.hash INTO head_seq, head_hash FROM ${t.auditHead} h FOR UPDATE;
      ELSE
        SELECT h.seq, h.hash INTO head_seq, head_hash FROM ${t.auditHead} h;
      END IF;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'the chain head row of the audit log is missing' ${mismatch};
      END IF;
      IF head_seq = 0 THEN
        IF head_hash IS DISTINCT FROM '${GENESIS}' THEN
          RAISE EXCEPTION 'the chain head of the empty audit log is not the genesis value' ${mismatch};
        END IF;
        RETURN;
      END IF;
      SELECT r.id, r.time, r.app, r.prev, r.hash, r.record, r.canonical INTO last FROM ${t.auditRecords} r WHERE r.seq = head_seq;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'the last record of the audit log (seq %) is missing', head_seq ${mismatch};
      END IF;
      IF last.canonical IS NULL THEN
        RAISE EXCEPTION 'the last record of the audit log (seq %) has no canonical text', head_seq USING ERRCODE = '${TAIL_WITHOUT_TEXT}';
      END IF;
      -- The hash is checked first: text that matches it was written by audit_append, so it parses as JSON.
      IF last.hash IS DISTINCT FROM head_hash OR encode(sha256(convert_to(last.prev || last.canonical, 'UTF8')), 'hex') IS DISTINCT FROM head_hash THEN
        RAISE EXCEPTION 'the last record of the audit log (seq %) does not match its hash', head_seq ${mismatch};
      END IF;
      parsed := last.canonical::jsonb;
      IF parsed - 'prev' - 'seq' IS DISTINCT FROM last.record OR parsed -> 'seq' IS DISTINCT FROM to_jsonb(head_seq) OR parsed ->> 'prev' IS DISTINCT FROM last.prev
         OR last.id IS DISTINCT FROM parsed ->> 'id' OR last.app IS DISTINCT FROM parsed ->> 'app' OR last.time IS DISTINCT FROM (parsed ->> 'time')::timestamptz THEN
        RAISE EXCEPTION 'the last record of the audit log (seq %) does not match its hash', head_seq ${mismatch};
      END IF;
    END
    $fn$;

    CREATE FUNCTION ${t.auditAppend}(befores text[], betweens text[], afters text[], ids text[], times timestamptz[], apps text[], bodies jsonb[])
    RETURNS TABLE (record_seq bigint, record_prev text, record_hash text) LANGUAGE plpgsql AS $fn$
    DECLARE
      next_seq bigint;
      prev_hash text;
      text_i text;
      seqs bigint[] := '{}';
      prevs text[] := '{}';
      hashes text[] := '{}';
      texts text[] := '{}';
    BEGIN
      PERFORM set_config('synchronous_commit', 'off', true);
      SELECT tail.head_seq, tail.head_hash INTO next_seq, prev_hash FROM ${t.auditTail}(true) tail;
      FOR i IN 1 .. coalesce(cardinality(ids), 0) LOOP
        next_seq := next_seq + 1;
        text_i := befores[i] || '"' || prev_hash || '"' || betweens[i] || next_seq::text || afters[i];
        seqs := seqs || next_seq;
        prevs := prevs || prev_hash;
        texts := texts || text_i;
        prev_hash := encode(sha256(convert_to(prev_hash || text_i, 'UTF8')), 'hex');
        hashes := hashes || prev_hash;
      END LOOP;
      INSERT INTO ${t.auditRecords} (seq, id, time, app, record, prev, hash, canonical)
        SELECT * FROM unnest(seqs, ids, times, apps, bodies, prevs, hashes, texts);
      UPDATE ${t.auditHead} SET seq = next_seq, hash = prev_hash;
      RETURN QUERY SELECT * FROM unnest(seqs, prevs, hashes);
    END
    $fn$;`;
}

/**
 * Gives the last record its canonical text when an older Opsdeck wrote it
 * without one, after checking in the process that the record matches the
 * head. Runs inside the caller's transaction, which it makes hold the head's
 * lock. Raises ChainHeadMismatch when they do not match; the text then stays
 * missing, so appends keep failing until the log is repaired.
 */
export async function fillTailText(client: pg.ClientBase, t: StoreTables): Promise<void> {
  const { head, last } = await readCheckedTail(client, t, { lock: true });
  if (last === undefined || last.canonical !== null) return;
  await client.query(`UPDATE ${t.auditRecords} SET canonical = $1 WHERE seq = $2`, [canonicalJson({ ...last.record, seq: head.seq, prev: last.prev }), head.seq]);
}

/**
 * Reads the chain head (locked with `lock`) and the last record, and checks
 * them in the process, for a last record that has no canonical text. Raises
 * ChainHeadMismatch when they do not match. `last` is undefined for an empty
 * log.
 */
export async function readCheckedTail(
  client: pg.ClientBase,
  t: StoreTables,
  options: { lock: boolean },
): Promise<{ head: { seq: number; hash: string }; last?: RecordRow & { canonical: string | null } }> {
  const heads = await client.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${t.auditHead}${options.lock ? ' FOR UPDATE' : ''}`);
  const seq = heads.rows.length === 1 ? heads.rows[0].seq : '0';
  const last = await client.query<RecordRow & { canonical: string | null }>(`SELECT seq, prev, hash, record, canonical FROM ${t.auditRecords} WHERE seq = $1`, [seq]);
  const head = checkedHead(heads.rows, last.rows);
  return { head, last: head.seq === 0 ? undefined : last.rows[0] };
}

/** Checks the chain head against the record it names and returns it; raises ChainHeadMismatch when they do not match. */
function checkedHead(heads: Array<{ seq: string; hash: string }>, last: RecordRow[]): { seq: number; hash: string } {
  if (heads.length !== 1) throw new ChainHeadMismatch('the chain head row of the audit log is missing');
  const head = { seq: Number(heads[0].seq), hash: heads[0].hash };
  if (head.seq === 0) {
    if (head.hash !== GENESIS) throw new ChainHeadMismatch('the chain head of the empty audit log is not the genesis value');
    return head;
  }
  if (last.length !== 1 || Number(last[0].seq) !== head.seq) throw new ChainHeadMismatch(`the last record of the audit log (seq ${head.seq}) is missing`);
  const { record, prev, hash: recordHashValue } = last[0];
  if (recordHashValue !== head.hash || recordHash({ ...record, seq: head.seq, prev }) !== head.hash) {
    throw new ChainHeadMismatch(`the last record of the audit log (seq ${head.seq}) does not match its hash`);
  }
  return head;
}
