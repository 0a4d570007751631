// Puts bound values into PostgreSQL SQL text as literals, for COPY, which
// takes no parameters (pg-copy.ts). Each value becomes a quoted literal of
// the text pg would send as the parameter. PostgreSQL then infers its type
// from the context as it does for an untyped parameter, so `'12.5'` in
// `amount >= '12.5'` reads as the column's type, like `$1` in `amount >= $1`.
// Bare numbers would not: `x-$1` with -5 would read `x--5`, a comment.
import { escapeLiteral } from 'pg';
import type { BindValue } from '../datasources/values.js';
import { skipBlockComment } from '../datasources/pg-statements.js';

/**
 * Returns the SQL literal of one bound value, or undefined when the value
 * cannot be written as one with certainty (a NUL character, which ends the
 * statement text on the wire, or a value of another type).
 */
export function sqlLiteral(value: BindValue): string | undefined {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return value.includes('\0') ? undefined : escapeLiteral(value);
  if (typeof value === 'number') return Number.isFinite(value) ? `'${String(value)}'` : undefined;
  if (typeof value === 'boolean') return value ? "'true'" : "'false'";
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (const item of value) {
      if (typeof item === 'number' && Number.isFinite(item)) items.push(String(item));
      else if (typeof item === 'string' && !item.includes('\0')) items.push(`"${item.replace(/["\\]/g, (char) => `\\${char}`)}"`);
      else return undefined;
    }
    // The array's text form, as pg sends an array parameter; the context casts it, as it types `$1` in `= ANY($1)`.
    return escapeLiteral(`{${items.join(',')}}`);
  }
  return undefined;
}

/**
 * Replaces each `$n` placeholder of `sql` with the literal of `values[n - 1]`.
 * Text inside string literals, quoted identifiers, dollar-quoted bodies and
 * comments is left alone. Returns undefined when a placeholder has no value
 * or a value has no certain literal, so the caller binds it instead.
 * Assumes `standard_conforming_strings` is on, as it is by default.
 */
export function inlineParameters(sql: string, values: readonly BindValue[]): string | undefined {
  let text = '';
  let copied = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if ((ch === 'E' || ch === 'e') && next === "'" && !isIdentifierChar(sql[i - 1])) {
      i = skipEscapeString(sql, i + 1);
    } else if (ch === "'" || ch === '"') {
      i = skipQuoted(sql, i, ch);
    } else if (ch === '$' && !isIdentifierChar(sql[i - 1])) {
      const number = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (number === null) {
        i = skipDollarQuoted(sql, i);
        continue;
      }
      const index = Number(number[1]);
      if (index < 1 || index > values.length) return undefined;
      const literal = sqlLiteral(values[index - 1]);
      if (literal === undefined) return undefined;
      // Spaces keep the literal apart from what surrounds it, so `x-$1` never turns into a `--` comment.
      text += `${sql.slice(copied, i)} ${literal} `;
      i += number[0].length;
      copied = i;
    } else {
      i++;
    }
  }
  return text + sql.slice(copied);
}

/** True for characters that continue an identifier, where `$` is one too. */
function isIdentifierChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(ch);
}

/** Skips '…' or "…", where a doubled quote is part of the text. */
function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** Skips E'…', where a backslash escapes the next character. */
function skipEscapeString(sql: string, quoteAt: number): number {
  let i = quoteAt + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') i += 2;
    else if (sql[i] === "'") {
      if (sql[i + 1] !== "'") return i + 1;
      i += 2;
    } else i++;
  }
  return sql.length;
}

/** Skips `$$…$$` or `$tag$…$tag$`; any other `$` is one character. */
function skipDollarQuoted(sql: string, start: number): number {
  const match = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(start, start + 256));
  if (match === null) return start + 1;
  const end = sql.indexOf(match[0], start + match[0].length);
  return end === -1 ? sql.length : end + match[0].length;
}
