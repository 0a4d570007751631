// Keyset and offset paging of rows held in memory (queries on HTTP data
// sources): the same order and cursor rules as the SQL wrapper.
import { describe, expect, it } from 'vitest';
import { describePage, parseQueryRequest } from '../../runtime/http/query-request.js';
import { evaluateRows, type MemoryRow } from '../../runtime/http/query-rows.js';

const COLUMNS = ['id', 'grp', 'score'];

function makeRows(count: number): MemoryRow[] {
  return Array.from({ length: count }, (_, index) => ({ id: index + 1, grp: ['b', 'a', 'c'][index % 3], score: index % 4 === 0 ? null : index % 3 }));
}

/** Reads every page by cursor, calling `between` after each page. */
function walk(rows: MemoryRow[], body: Record<string, unknown>, between: (seen: MemoryRow[]) => void = () => {}): MemoryRow[] {
  const seen: MemoryRow[] = [];
  let after: string | undefined;
  for (let page = 0; page < 100; page++) {
    const parts = parseQueryRequest({ ...body, page: { size: 3, ...(after ? { after } : {}) } }, COLUMNS);
    const result = evaluateRows(rows, parts);
    seen.push(...result.rows);
    after = describePage(parts, result.rows).next;
    if (after === undefined) break;
    between(seen);
  }
  return seen;
}

describe('in-memory paging', () => {
  it('orders ties by the key, NULL first', () => {
    const parts = parseQueryRequest({ key: 'id', sort: [{ field: 'score', dir: 'asc' }], page: { size: 500 } }, COLUMNS);
    const ids = evaluateRows(makeRows(9), parts).rows.map((row) => row.id);
    expect(ids).toEqual([1, 5, 9, 4, 7, 2, 8, 3, 6]);
  });

  it('puts NULL last when descending', () => {
    const parts = parseQueryRequest({ key: 'id', sort: [{ field: 'score', dir: 'desc' }], page: { size: 500 } }, COLUMNS);
    const ids = evaluateRows(makeRows(9), parts).rows.map((row) => row.id);
    expect(ids).toEqual([3, 6, 2, 8, 4, 7, 1, 5, 9]);
  });

  it('keyset paging skips and repeats nothing', () => {
    const rows = makeRows(20);
    const initial = rows.map((row) => row.id as number);
    const removed: number[] = [];
    let nextId = 100;
    const seen = walk(rows, { key: 'id', sort: [{ field: 'grp', dir: 'desc' }, { field: 'score', dir: 'asc' }] }, (sofar) => {
      rows.push({ id: nextId++, grp: 'a', score: null }, { id: nextId++, grp: 'z', score: 1 });
      const unread = rows.findIndex((row) => (row.id as number) < 100 && !sofar.includes(row));
      if (unread !== -1) removed.push(rows.splice(unread, 1)[0].id as number);
    });
    const ids = seen.map((row) => row.id as number);
    expect(new Set(ids).size).toBe(ids.length);
    expect(initial.filter((id) => !removed.includes(id) && !ids.includes(id))).toEqual([]);
    expect(removed.length).toBeGreaterThan(0);
  });

  it('keeps the total of all matching rows', () => {
    const rows = makeRows(10);
    const first = parseQueryRequest({ key: 'id', filter: { grp: 'a' }, page: { size: 2 } }, COLUMNS);
    const next = describePage(first, evaluateRows(rows, first).rows).next;
    const second = parseQueryRequest({ key: 'id', filter: { grp: 'a' }, page: { size: 2, after: next } }, COLUMNS);
    const result = evaluateRows(rows, second);
    expect(result.total).toBe(3);
    expect(result.rows.map((row) => row.id)).toEqual([8]);
  });

  it('sends no cursor for long sort values', () => {
    const rows = [{ id: 1, grp: 'x'.repeat(10_000), score: 1 }, { id: 2, grp: 'y', score: 1 }];
    const parts = parseQueryRequest({ key: 'id', sort: [{ field: 'grp', dir: 'desc' }], page: { size: 1 } }, COLUMNS);
    const page = evaluateRows(rows, parts).rows;
    expect(page.map((row) => row.id)).toEqual([2]);
    expect(describePage(parts, page).next).toBeDefined();
    const longFirst = parseQueryRequest({ key: 'id', sort: [{ field: 'grp', dir: 'asc' }], page: { size: 1 } }, COLUMNS);
    expect(describePage(longFirst, evaluateRows(rows, longFirst).rows).next).toBeUndefined();
  });

  it('rejects a cursor for another key', () => {
    const parts = parseQueryRequest({ key: 'id', page: { size: 2 } }, COLUMNS);
    const next = describePage(parts, evaluateRows(makeRows(5), parts).rows).next;
    expect(() => parseQueryRequest({ key: 'grp', page: { after: next } }, COLUMNS)).toThrow(/another sort or key/);
  });
});
