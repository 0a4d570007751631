// Named parameters in SQL text: `:name` and identity values such as `:user.email`.
import type { CompiledSql } from './model.js';

/** One `:name` found in SQL; `offset` is the index of the colon, `length` includes it. */
export interface SqlParam {
  name: string;
  offset: number;
  length: number;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

/** Returns the index just past a quoted run that starts at `start` and ends with `close`, where a doubled `close` is an escape. */
function skipQuoted(sql: string, start: number, close: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === close) {
      if (sql[i + 1] === close) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** Returns the index just past a PostgreSQL dollar-quoted string (`$$…$$` or `$tag$…$tag$`), or `start` when there is none. */
function skipDollarQuoted(sql: string, start: number): number {
  const match = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(start));
  if (match === null) return start;
  const tag = match[0];
  const end = sql.indexOf(tag, start + tag.length);
  return end === -1 ? sql.length : end + tag.length;
}

function readIdentifier(sql: string, start: number): number {
  let i = start;
  if (i >= sql.length || !IDENT_START.test(sql[i])) return start;
  while (i < sql.length && IDENT_PART.test(sql[i])) i++;
  return i;
}

/**
 * Finds every named parameter in `sql`, in order of appearance. Skips string
 * literals, quoted identifiers ("…", […], `…`), dollar-quoted strings, line and
 * block comments, and PostgreSQL casts (`::type`). A name may have one dotted
 * part (`:user.email`), or two after `steps` (`:steps.insert.id`); deciding which dotted names are allowed is the caller's job.
 */
export function findSqlParams(sql: string): SqlParam[] {
  const found: SqlParam[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === "'") {
      i = skipQuoted(sql, i, "'");
    } else if (ch === '"') {
      i = skipQuoted(sql, i, '"');
    } else if (ch === '`') {
      i = skipQuoted(sql, i, '`');
    } else if (ch === '[') {
      const end = sql.indexOf(']', i + 1);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (ch === '$') {
      const end = skipDollarQuoted(sql, i);
      i = end === i ? i + 1 : end;
    } else if (ch === ':' && next === ':') {
      // A cast such as `::text`: skip both colons so the type name is not read as a parameter.
      i += 2;
    } else if (ch === ':') {
      const nameEnd = readIdentifier(sql, i + 1);
      if (nameEnd === i + 1) {
        i++;
        continue;
      }
      let end = nameEnd;
      if (sql[end] === '.') {
        const fieldEnd = readIdentifier(sql, end + 1);
        if (fieldEnd > end + 1) end = fieldEnd;
        // Step outputs have two dotted parts: `:steps.<id>.<field>`.
        if (sql.slice(i + 1, nameEnd) === 'steps' && sql[end] === '.') {
          const outputEnd = readIdentifier(sql, end + 1);
          if (outputEnd > end + 1) end = outputEnd;
        }
      }
      found.push({ name: sql.slice(i + 1, end), offset: i, length: end - i });
      i = end;
    } else {
      i++;
    }
  }
  return found;
}

/** How compiled SQL marks its parameters: `?` for SQLite, `$1`..`$n` for PostgreSQL. */
export type PlaceholderStyle = 'question' | 'dollar';

export interface CompileOptions {
  /** Default `question`. */
  placeholders?: PlaceholderStyle;
  /** Returns a type name (such as `date`) appended as `::type` to a parameter's `$n` placeholder; only used with `dollar`. */
  castOf?: (name: string) => string | undefined;
}

/**
 * Replaces each named parameter by a placeholder and lists the parameter
 * names in placeholder order. With `question` every occurrence gets its own
 * `?`; with `dollar` each name gets one number, so `:a ... :a` becomes
 * `$1 ... $1` and PostgreSQL infers one type for both uses.
 */
export function compileSql(sql: string, options: CompileOptions = {}): CompiledSql {
  const params = findSqlParams(sql);
  const dollar = options.placeholders === 'dollar';
  const bindings: string[] = [];
  let text = '';
  let last = 0;
  for (const param of params) {
    let placeholder = '?';
    if (dollar) {
      let index = bindings.indexOf(param.name);
      if (index === -1) index = bindings.push(param.name) - 1;
      const cast = options.castOf?.(param.name);
      placeholder = cast === undefined ? `$${index + 1}` : `$${index + 1}::${cast}`;
    } else {
      bindings.push(param.name);
    }
    text += sql.slice(last, param.offset) + placeholder;
    last = param.offset + param.length;
  }
  text += sql.slice(last);
  return { text, bindings };
}
