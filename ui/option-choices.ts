// Reads the choices of a select whose options come from a query
// (`options: { query, value, label }`) through the normal query endpoint, so
// the server applies the user's row and column rules to every read.
import { apiPost, segment } from './api.js';
import type { QueryResult } from './client-spec.js';

/** One choice of a select or multi-select: the value sent and the text shown. */
export interface Choice {
  value: string;
  label: string;
}

/** The `options` of a form parameter or filter select that names a query. */
export interface OptionsSource {
  query: string;
  value: string;
  label?: string;
}

/** Rows of the first read of an options query, the server's maximum page size. A query with more rows gets a searchable select. */
export const OPTIONS_PAGE_SIZE = 500;

/** Rows read for each search of a searchable select. */
export const SEARCH_PAGE_SIZE = 50;

/** Choices read from an options query, and how many rows matched in all. */
export interface ChoicePage {
  choices: Choice[];
  total: number;
}

function toChoices(source: OptionsSource, result: QueryResult): Choice[] {
  const labelColumn = source.label ?? source.value;
  return result.rows.map((row) => ({ value: String(row[source.value] ?? ''), label: String(row[labelColumn] ?? '') }));
}

function queryPath(appId: string, source: OptionsSource): string {
  return `/api/apps/${segment(appId)}/queries/${segment(source.query)}`;
}

/**
 * Reads one page of choices. With `search`, only rows whose label column
 * contains it, ignoring case, are read. SQLite ignores the case of ASCII
 * letters only, and the server escapes the text for LIKE.
 */
export async function readChoices(appId: string, source: OptionsSource, options: { search?: string; size?: number; signal?: AbortSignal } = {}): Promise<ChoicePage> {
  const body: Record<string, unknown> = { params: {}, page: { size: options.size ?? OPTIONS_PAGE_SIZE, offset: 0 } };
  if (options.search) body.filter = { [source.label ?? source.value]: { op: 'contains', value: options.search } };
  const result = await apiPost<QueryResult>(queryPath(appId, source), body, { signal: options.signal });
  return { choices: toChoices(source, result), total: typeof result.total === 'number' ? result.total : result.rows.length };
}

/**
 * Reads the labels of `values`, one request per value, for values restored
 * from a URL or a default that the loaded choices do not contain. A value the
 * query does not return for this user is left out of the result.
 */
export async function readChoiceLabels(appId: string, source: OptionsSource, values: string[], signal?: AbortSignal): Promise<Choice[]> {
  const found = await Promise.all(
    values.map(async (value) => {
      const body = { params: {}, filter: { [source.value]: filterValue(value) }, page: { size: 1, offset: 0 } };
      const result = await apiPost<QueryResult>(queryPath(appId, source), body, { signal });
      return toChoices(source, result).find((choice) => choice.value === value);
    }),
  );
  return found.filter((choice): choice is Choice => choice !== undefined);
}

/**
 * Sends a value in its canonical number form as a number, because SQLite
 * converts text to a number only for a column with a declared numeric type.
 * PostgreSQL gives the parameter the column's type either way.
 */
function filterValue(value: string): string | number {
  const asNumber = Number(value);
  // NOTE: a numeric text value of a computed column (no declared type) is not found on SQLite, so its label shows the raw value.
  return value.trim() !== '' && Number.isFinite(asNumber) && String(asNumber) === value ? asNumber : value;
}
