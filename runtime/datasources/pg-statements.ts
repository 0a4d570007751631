// Counts the statements in PostgreSQL SQL text without a server round trip.
// The count is conservative: a `;` inside a string, quoted identifier,
// dollar-quoted body or comment does not end a statement, and empty
// statements (`;;`) do not count. The extended query protocol, which every
// check and every execution uses, rejects a second statement anyway; this
// count lets the spec check name the problem.

/** Returns the number of non-empty statements in `sql`. */
export function countPostgresStatements(sql: string): number {
  let count = 0;
  let hasContent = false;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === ';') {
      if (hasContent) count++;
      hasContent = false;
      i++;
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (ch === '/' && next === '*') {
      i = skipBlockComment(sql, i);
      continue;
    }
    hasContent = true;
    if ((ch === 'E' || ch === 'e') && next === "'" && !isIdentifierChar(sql[i - 1])) i = skipEscapeString(sql, i + 1);
    else if (ch === "'" || ch === '"') i = skipQuoted(sql, i, ch);
    else if (ch === '$') i = skipDollarQuoted(sql, i);
    else i++;
  }
  return hasContent ? count + 1 : count;
}

function isIdentifierChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_$]/.test(ch);
}

/** Skips '…' or "…", where a doubled quote is part of the text. */
function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** Skips E'…', where a backslash escapes the next character. */
function skipEscapeString(sql: string, quoteAt: number): number {
  let i = quoteAt + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') {
      i += 2;
      continue;
    }
    if (sql[i] === "'") {
      if (sql[i + 1] === "'") {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** Skips a block comment; PostgreSQL block comments nest. */
export function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** Skips `$$…$$` or `$tag$…$tag$`; a `$` that starts no such quote (such as `$1`) is one character. */
function skipDollarQuoted(sql: string, start: number): number {
  const match = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(start));
  if (match === null || isIdentifierChar(sql[start - 1])) return start + 1;
  const end = sql.indexOf(match[0], start + match[0].length);
  return end === -1 ? sql.length : end + match[0].length;
}
