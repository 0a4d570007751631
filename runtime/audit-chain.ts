// The hash chain of the audit log. Each record stores `seq` (1, 2, ...),
// `prev` (the hash of the record before it, GENESIS for the first) and
// `hash`, the sha256 hex digest of `prev` followed by the canonical JSON of
// the record without `hash`. Changing, removing or reordering a record
// therefore breaks the chain at that record or the next one.
import { createHash } from 'node:crypto';

/** `prev` of the first record of a log. */
export const GENESIS = '0'.repeat(64);

/** The fields a record carries to link it into the chain. */
export interface ChainFields {
  seq: number;
  prev: string;
  hash: string;
}

/**
 * Returns the canonical JSON of a value: JSON.stringify with the keys of
 * every object sorted by code unit, at every depth. Parsing the line written
 * to the file and canonicalizing it again gives the same text, so a verifier
 * computes the same hash as the writer.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}

/**
 * Splits the canonical JSON of a record whose `prev` and `seq` are not known
 * yet into three parts: `before` ends with the `"prev":` key and `between` with
 * the `"seq":` key, so `before + JSON.stringify(prev) + between + seq +
 * after` equals canonicalJson of the record with them. The PostgreSQL store
 * fills them in while it has the chain's end locked. `record` must not contain
 * `prev`, `seq` or `hash`.
 */
export function canonicalParts(record: Record<string, unknown>): { before: string; between: string; after: string } {
  // Built like canonicalJson's objects, so the keys come in the same order, integer-like keys first as JavaScript puts them.
  const ordered: Record<string, unknown> = {};
  for (const key of [...Object.keys(record), 'prev', 'seq'].sort()) ordered[key] = record[key];
  const parts: string[] = [];
  let text = '{';
  let first = true;
  for (const key of Object.keys(ordered)) {
    const hole = key === 'prev' || key === 'seq';
    // JSON.stringify leaves out keys whose value is undefined.
    if (!hole && ordered[key] === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (hole) {
      parts.push(text);
      text = '';
    } else {
      text += canonicalJson(ordered[key]);
    }
  }
  return { before: parts[0], between: parts[1], after: `${text}}` };
}

/** Computes the hash of a record from its fields other than `hash` (a `hash` key in `record` is ignored). */
export function recordHash(record: Record<string, unknown>): string {
  const { hash: _ignored, ...rest } = record;
  const prev = typeof rest.prev === 'string' ? rest.prev : '';
  return chainHash(prev, canonicalJson(rest));
}

/** Computes a record's hash from its `prev` and its canonical JSON. */
export function chainHash(prev: string, canonical: string): string {
  return createHash('sha256').update(prev).update(canonical).digest('hex');
}

/** Tells whether a parsed line carries chain fields of the right types. */
export function hasChainFields(record: Record<string, unknown>): record is Record<string, unknown> & ChainFields {
  return Number.isSafeInteger(record.seq) && (record.seq as number) >= 1 && typeof record.prev === 'string' && typeof record.hash === 'string';
}

/** Parses one line of the log into an object, or returns undefined when it is not a JSON object. */
export function parseRecordLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
