// Rewrites the CSV that PostgreSQL's `COPY ... TO STDOUT WITH (FORMAT csv)`
// sends into exactly the bytes the export encoder (encode.ts) writes for the
// same rows: CRLF record ends, text a spreadsheet would run as a formula
// with a leading `'`, booleans as true/false, floats and timestamps as the
// binding layer prints them, and the empty string like null (an empty
// field). It makes one pass over the bytes and copies most fields as they
// are. Only fields that may change are read again: a leading formula
// character, quotes, a float with an exponent, a timestamp. A field split
// between chunks is carried over to the next chunk.
import { exportTimestamp } from './pg-timestamps.js';
import { csvField } from './encode.js';

/** The rule that turns a column's COPY text into the encoder's field (see copyColumnKind in pg-copy.ts). */
export type CopyColumnKind = 'text' | 'integer' | 'float' | 'boolean' | 'timestamp';

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/** Bytes that start a formula in a spreadsheet: = + - @ tab CR (encode.ts). */
const FORMULA_START = new Uint8Array(256);
for (const code of [0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d]) FORMULA_START[code] = 1;

const KIND_CODES: Record<CopyColumnKind, number> = { text: 0, integer: 1, float: 2, boolean: 3, timestamp: 4 };
const TEXT = 0;
const FLOAT = 2;
const BOOLEAN = 3;
const TIMESTAMP = 4;

/** Parser states between two bytes. */
const FIELD_START = 0;
/** Inside an unquoted field whose bytes are copied to the output as they come. */
const COPYING = 1;
/** Inside an unquoted field collected in the scratch buffer. */
const COLLECTING = 2;
/** Inside a quoted field, collected in the scratch buffer. */
const QUOTED = 3;
/** Just after a quote inside a quoted field: a second quote is a literal one, anything else ends the field. */
const QUOTED_QUOTE = 4;

/** Smallest output buffer: room for the output of a few chunks of COPY's 64 KiB socket reads (measured in bench/export.bench.mjs), so it rarely grows before a take. */
const OUTPUT_BUFFER_BYTES = 1 << 20;

/** Raised when COPY's output is not CSV of the expected columns. */
export class CopyCsvError extends Error {}

/** Returns the encoder's text of a float that PostgreSQL printed as `text`: JavaScript's shortest form, and nothing for NaN and the infinities. */
function floatField(text: string): string {
  const value = Number(text);
  return Number.isFinite(value) ? String(value) : '';
}

/** Returns the encoder's field for one value COPY printed as `text` in a column of `kind`. */
function fieldOf(kind: number, text: string): string {
  switch (kind) {
    case FLOAT:
      return floatField(text);
    case BOOLEAN:
      if (text === 't') return 'true';
      if (text === 'f') return 'false';
      return csvField(text);
    case TIMESTAMP:
      return csvField(exportTimestamp(text));
    default:
      return csvField(text);
  }
}

/**
 * A streaming rewrite of COPY's CSV for one export, for a fixed list of
 * column kinds. Feed it every chunk in order with `write`, `take` what it
 * wrote whenever convenient, and call `finish` at the end to check that the
 * last record was complete. The hot loop keeps its state in local variables
 * and calls out only for fields that change.
 */
export class CopyCsvTransform {
  readonly #kinds: Uint8Array;
  readonly #width: number;
  #state = FIELD_START;
  #column = 0;
  #scratch = Buffer.allocUnsafe(1024);
  #scratchLength = 0;
  /** Output written and not taken yet: bytes 0 to #length of #out. */
  #out = Buffer.allocUnsafe(0);
  #length = 0;
  #rows = 0;
  /** Room kept free at the end of #out for bytes copied as they come (see write). */
  #reserve = 0;

  constructor(kinds: CopyColumnKind[]) {
    if (kinds.length === 0) throw new Error('a COPY export needs at least one column');
    this.#kinds = Uint8Array.from(kinds, (kind) => KIND_CODES[kind]);
    this.#width = kinds.length;
  }

  /** Bytes written and not taken yet. */
  get pendingBytes(): number {
    return this.#length;
  }

  /** Returns the bytes written since the last take (whole records and the finished fields of the next one) and the number of records they complete. */
  take(): { bytes: Buffer; rows: number } {
    // A new buffer each time: the taken bytes may wait in the socket's queue, and a view into a shared buffer would keep all of it in memory.
    const written = { bytes: this.#out.subarray(0, this.#length), rows: this.#rows };
    this.#out = Buffer.allocUnsafe(0);
    this.#length = 0;
    this.#rows = 0;
    return written;
  }

  /** Rewrites one chunk of COPY's output and adds it to what `take` returns. */
  write(input: Buffer): void {
    const n = input.length;
    // CRLF adds one byte per record and `false` four per boolean (`f\n` becomes `false\r\n`).
    // So four times the input covers every field copied as it is, and longer rewrites make room first.
    this.#reserve = n * 4 + 64;
    this.#room(0);
    const kinds = this.#kinds;
    const width = this.#width;
    let out = this.#out;
    let o = this.#length;
    let rows = this.#rows;
    let state = this.#state;
    let column = this.#column;
    let fieldStart = o;
    let i = 0;

    while (i < n) {
      let byte = 0;
      if (state === FIELD_START) {
        byte = input[i];
        if (byte === QUOTE) {
          state = QUOTED;
          this.#scratchLength = 0;
          i++;
          continue;
        }
        if (byte !== COMMA && byte !== LF) {
          if (kinds[column] === TEXT && FORMULA_START[byte] === 1) {
            state = COLLECTING;
            this.#scratchLength = 0;
            continue;
          }
          state = COPYING;
          fieldStart = o;
          while (i < n) {
            byte = input[i];
            if (byte === COMMA || byte === LF) break;
            out[o++] = byte;
            i++;
          }
          if (i === n) break;
          if (kinds[column] !== TEXT) {
            this.#length = o;
            o = this.#finishCopied(kinds[column], fieldStart, o, n - i);
            out = this.#out;
          }
        }
        // An unquoted empty field is null, written as an empty field.
      } else if (state === COLLECTING) {
        let end = i;
        for (; end < n; end++) {
          byte = input[end];
          if (byte === COMMA || byte === LF) break;
          if (byte === QUOTE) throw new CopyCsvError('COPY sent a quote inside an unquoted field');
        }
        this.#collect(input, i, end);
        i = end;
        if (i === n) break;
        this.#length = o;
        o = this.#finishCollected(kinds[column], o, n - i);
        out = this.#out;
      } else if (state === QUOTED) {
        const quote = input.indexOf(QUOTE, i);
        const end = quote === -1 ? n : quote;
        this.#collect(input, i, end);
        i = end;
        if (quote !== -1) {
          state = QUOTED_QUOTE;
          i++;
        }
        continue;
      } else {
        byte = input[i];
        if (byte === QUOTE) {
          this.#collect(input, i, i + 1);
          state = QUOTED;
          i++;
          continue;
        }
        if (byte !== COMMA && byte !== LF) throw new CopyCsvError('COPY sent a character after the closing quote of a field');
        this.#length = o;
        o = this.#finishCollected(kinds[column], o, n - i);
        out = this.#out;
      }
      // The byte at i ends the field: a comma, or LF at the end of a record, written as CRLF.
      if (byte === COMMA) {
        if (++column >= width) throw new CopyCsvError(`COPY sent more than the ${width} expected columns in a record`);
        out[o++] = COMMA;
      } else {
        if (column !== width - 1) throw new CopyCsvError(`COPY sent a record of ${column + 1} columns where ${width} were expected`);
        out[o++] = CR;
        out[o++] = LF;
        column = 0;
        rows++;
      }
      i++;
      state = FIELD_START;
    }
    if (state === COPYING) {
      // The field goes on in the next chunk: keep what came of it, and finish it from the scratch buffer.
      this.#scratchLength = 0;
      this.#collect(out, fieldStart, o);
      o = fieldStart;
      state = COLLECTING;
    }
    this.#state = state;
    this.#column = column;
    this.#length = o;
    this.#rows = rows;
  }

  /** Raises when the stream ended inside a record. */
  finish(): void {
    if (this.#state !== FIELD_START || this.#column !== 0) throw new CopyCsvError('COPY ended inside a record');
  }

  /** Makes room for `extra` bytes after #length, besides the room kept for the rest of the chunk. */
  #room(extra: number): void {
    const needed = this.#length + extra + this.#reserve;
    if (needed <= this.#out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.#out.length * 2, OUTPUT_BUFFER_BYTES));
    this.#out.copy(grown, 0, 0, this.#length);
    this.#out = grown;
  }

  /** Writes `text` at #length; returns the new end. `left` is the input not read yet. */
  #writeText(text: string, left: number): number {
    this.#reserve = left * 4 + 64;
    this.#room(text.length * 3);
    return this.#length + this.#out.write(text, this.#length, 'utf8');
  }

  /** Rewrites a field of a non-text kind copied to #out from `start` to `end`, where its kind needs that; returns the new end. */
  #finishCopied(kind: number, start: number, end: number, left: number): number {
    const out = this.#out;
    if (kind === FLOAT) {
      if (end - start === 2 && out[start] === 0x2d && out[start + 1] === DIGIT_0) return this.#rewrite(kind, start, end, left);
      // PostgreSQL prints a float without a letter as JavaScript does: no exponent, NaN or Infinity.
      for (let k = start; k < end; k++) if (out[k] >= 0x41) return this.#rewrite(kind, start, end, left);
      return end;
    }
    if (kind === BOOLEAN) {
      if (end - start !== 1 || (out[start] !== 0x74 && out[start] !== 0x66)) return this.#rewrite(kind, start, end, left);
      return start + out.write(out[start] === 0x74 ? 'true' : 'false', start, 'latin1');
    }
    if (kind === TIMESTAMP) {
      const rewritten = utcTimestamp(out, start, end);
      return rewritten === -1 ? this.#rewrite(kind, start, end, left) : rewritten;
    }
    return end;
  }

  /** Replaces the field at `start` to `end` of #out by the encoder's field for its text. */
  #rewrite(kind: number, start: number, end: number, left: number): number {
    const text = this.#out.toString('utf8', start, end);
    this.#length = start;
    return this.#writeText(fieldOf(kind, text), left);
  }

  /** Writes the encoder's field for the text collected in the scratch buffer at `o`; returns the new end. */
  #finishCollected(kind: number, o: number, left: number): number {
    const text = this.#scratch.toString('utf8', 0, this.#scratchLength);
    this.#scratchLength = 0;
    this.#length = o;
    return this.#writeText(fieldOf(kind, text), left);
  }

  /** Appends bytes `start` to `end` of `source` to the scratch buffer. */
  #collect(source: Buffer, start: number, end: number): void {
    const needed = this.#scratchLength + (end - start);
    if (needed > this.#scratch.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#scratch.length * 2));
      this.#scratch.copy(grown, 0, 0, this.#scratchLength);
      this.#scratch = grown;
    }
    source.copy(this.#scratch, this.#scratchLength, start, end);
    this.#scratchLength = needed;
  }
}

const DIGIT_0 = 0x30;
const isDigit = (byte: number): boolean => byte >= DIGIT_0 && byte <= 0x39;

/**
 * Rewrites in place a timestamp whose characters exportTimestamp would only
 * move: `YYYY-MM-DD HH:MM:SS[.fraction][+00]` becomes
 * `YYYY-MM-DDTHH:MM:SS.fffZ`, with at least three fraction digits. Returns
 * the new end, or -1 for any other text, which then takes the string path.
 * The result is at most five bytes longer, within the room `write` keeps.
 */
function utcTimestamp(out: Buffer, start: number, end: number): number {
  if (end - start < 19) return -1;
  const s = start;
  if (
    !(isDigit(out[s]) && isDigit(out[s + 1]) && isDigit(out[s + 2]) && isDigit(out[s + 3]) && out[s + 4] === 0x2d && isDigit(out[s + 5]) && isDigit(out[s + 6]) && out[s + 7] === 0x2d) ||
    !(isDigit(out[s + 8]) && isDigit(out[s + 9]) && out[s + 10] === 0x20 && isDigit(out[s + 11]) && isDigit(out[s + 12]) && out[s + 13] === 0x3a) ||
    !(isDigit(out[s + 14]) && isDigit(out[s + 15]) && out[s + 16] === 0x3a && isDigit(out[s + 17]) && isDigit(out[s + 18]))
  )
    return -1;
  let k = s + 19;
  if (k < end && out[k] === 0x2e) {
    k++;
    const fractionStart = k;
    while (k < end && isDigit(out[k])) k++;
    if (k === fractionStart) return -1;
  }
  if (k < end && (end - k !== 3 || out[k] !== 0x2b || out[k + 1] !== DIGIT_0 || out[k + 2] !== DIGIT_0)) return -1;
  // The fraction stays where it is; `+00` (or nothing) is overwritten by the padding and Z.
  out[s + 10] = 0x54;
  if (k === s + 19) out[k++] = 0x2e;
  while (k < s + 23) out[k++] = DIGIT_0;
  out[k++] = 0x5a;
  return k;
}
