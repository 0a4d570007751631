import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildApp, type AppSource } from '../../core/build-app.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/split-app');
const read = (path: string): string => readFileSync(join(FIXTURE, path), 'utf8');
const MAIN = '/apps/split/app.yaml';

/** The split fixture as the runtime would pass it, with files replaced or added by `changes`. */
function splitApp(changes: Record<string, string> = {}, main = read('app.yaml')): AppSource {
  const files: Record<string, string> = {
    'pages/customers.yaml': read('pages/customers.yaml'),
    'queries/customers.yaml': read('queries/customers.yaml'),
    'sql/customers.sql': read('sql/customers.sql'),
    'migrations/001_customer.sql': read('migrations/001_customer.sql'),
    ...changes,
  };
  const expand = (pattern: string): string[] => {
    const expression = new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
    return Object.keys(files).filter((name) => expression.test(name)).sort();
  };
  return { file: MAIN, text: main, files, expand };
}

describe('includes', () => {
  test('split app merges into one model', () => {
    const { model, diagnostics, sources } = buildApp(splitApp());
    expect(diagnostics).toEqual([]);
    expect(Object.keys(model!.pages)).toEqual(['customers']);
    expect(model!.queries.customers.spec.sql).toBe(read('sql/customers.sql'));
    expect(model!.queries.customers.kind === 'sql' && model!.queries.customers.sql.bindings).toEqual(['search', 'search']);
    expect(sources.map((source) => source.file)).toEqual([MAIN, '/apps/split/pages/customers.yaml', '/apps/split/queries/customers.yaml', '/apps/split/sql/customers.sql']);
  });

  test('included YAML diagnostic position', () => {
    const pages = read('pages/customers.yaml').replace('allow: [viewer]', 'allow: [viewr]');
    const { diagnostics } = buildApp(splitApp({ 'pages/customers.yaml': pages }));
    expect(diagnostics).toMatchObject([{ code: 'unknown-role', file: '/apps/split/pages/customers.yaml', line: 4, col: 13, hint: 'Did you mean `viewer`?' }]);
  });

  test('included SQL parameter position', () => {
    const sql = 'select id, name from customer\nwhere :search is null or id = :customerId\n';
    const { diagnostics } = buildApp(splitApp({ 'sql/customers.sql': sql }));
    expect(diagnostics).toMatchObject([{ code: 'sql-undeclared-param', file: '/apps/split/sql/customers.sql', line: 2, col: 31 }]);
  });

  test('missing include names both files', () => {
    const main = read('app.yaml').replace('queries/customers.yaml', 'queries/customer.yaml');
    const { model, diagnostics } = buildApp(splitApp({}, main));
    expect(model).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'include-missing', file: MAIN, line: 4, col: 25, hint: 'Did you mean `queries/customers.yaml`?' });
    expect(diagnostics[0].message).toContain('/apps/split/queries/customer.yaml');
  });

  test('pattern matching nothing', () => {
    const main = read('app.yaml').replace('pages/*.yaml', 'page/*.yaml');
    const { diagnostics } = buildApp(splitApp({}, main));
    expect(diagnostics).toMatchObject([{ code: 'include-missing', file: MAIN, line: 4, col: 11 }]);
  });

  test('missing SQL file', () => {
    const queries = read('queries/customers.yaml').replace('sql/customers.sql', 'sql/customer.sql');
    const { diagnostics } = buildApp(splitApp({ 'queries/customers.yaml': queries }));
    expect(diagnostics).toMatchObject([{ code: 'include-missing', file: '/apps/split/queries/customers.yaml', line: 5, col: 18, hint: 'Did you mean `sql/customers.sql`?' }]);
  });

  test('duplicate ids across files', () => {
    const main = `${read('app.yaml')}queries:\n  customers:\n    datasource: main\n    sql: select 1\n    allow: [viewer]\n`;
    const { model, diagnostics } = buildApp(splitApp({}, main));
    expect(model).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'duplicate-id', file: '/apps/split/queries/customers.yaml', line: 2, col: 3 });
    expect(diagnostics[0].message).toContain(`${MAIN}:12:3`);
  });

  test('other keys rejected in an included file', () => {
    const pages = `${read('pages/customers.yaml')}datasources:\n  other: { kind: sqlite, file: x.sqlite }\n`;
    const { diagnostics } = buildApp(splitApp({ 'pages/customers.yaml': pages }));
    expect(diagnostics).toMatchObject([{ code: 'include-invalid-key', file: '/apps/split/pages/customers.yaml', line: 7, col: 1 }]);
  });

  test('paths outside the app folder rejected', () => {
    const main = read('app.yaml').replace('queries/customers.yaml', '../other/queries.yaml');
    const { diagnostics } = buildApp(splitApp({}, main));
    expect(diagnostics).toMatchObject([{ code: 'include-invalid', file: MAIN, line: 4 }]);
  });

  test('content hash covers included files', () => {
    const before = buildApp(splitApp()).model!.version;
    const after = buildApp(splitApp({ 'sql/customers.sql': `${read('sql/customers.sql')}-- reviewed\n` })).model!.version;
    expect(after).not.toBe(before);
    expect(buildApp(splitApp()).model!.version).toBe(before);
  });
});
