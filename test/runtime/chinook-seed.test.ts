// The chinook-support seed uses the table and column names of
// Chinook_PostgreSql.sql, and scripts/chinook-snake-case.mjs, which renamed
// them, converts a CamelCase Chinook database the same way.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import initSqlJs, { type Database } from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_DIR, REPO_ROOT } from '../helpers/apps.js';

interface SnakeCaseModule {
  snakeCase(name: string): string;
  convertChinook(db: Database): void;
}

const SCRIPT = join(REPO_ROOT, 'scripts', 'chinook-snake-case.mjs');
const CHINOOK_TABLES = ['Album', 'Artist', 'Customer', 'Employee', 'Genre', 'Invoice', 'InvoiceLine', 'MediaType', 'Playlist', 'PlaylistTrack', 'Track'];

let script: SnakeCaseModule;
let SQL: Awaited<ReturnType<typeof initSqlJs>>;
let folder: string;

beforeAll(async () => {
  script = (await import(pathToFileURL(SCRIPT).href)) as SnakeCaseModule;
  SQL = await initSqlJs();
  folder = mkdtempSync(join(tmpdir(), 'opsdeck-chinook-seed-'));
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Reads table name to column names from the CREATE TABLE statements of Chinook_PostgreSql.sql. */
function postgresColumns(): Record<string, string[]> {
  const sql = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'postgres', 'chinook.sql'), 'utf8');
  const tables: Record<string, string[]> = {};
  for (const match of sql.matchAll(/CREATE TABLE (\w+)\s*\(([\s\S]*?)\n\);/g)) {
    const lines = match[2].split('\n').map((line) => line.trim());
    tables[match[1]] = lines.filter((line) => line !== '' && !line.startsWith('CONSTRAINT')).map((line) => line.split(/\s+/)[0]);
  }
  return tables;
}

function sqliteColumns(db: Database): Record<string, string[]> {
  const tables: Record<string, string[]> = {};
  const names = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")[0].values.map((row) => String(row[0]));
  for (const name of names) tables[name] = db.exec(`PRAGMA table_info("${name}")`)[0].values.map((row) => String(row[1]));
  return tables;
}

/** Builds a small database in Chinook_Sqlite.sqlite's CamelCase form, with two rows, a foreign key and an index. */
function camelCaseChinook(): Database {
  const db = new SQL.Database();
  for (const table of CHINOOK_TABLES) {
    if (table === 'Customer' || table === 'Employee') continue;
    db.run(`CREATE TABLE [${table}] ([${table}Id] INTEGER NOT NULL, [Name] NVARCHAR(120), CONSTRAINT [PK_${table}] PRIMARY KEY ([${table}Id]))`);
  }
  db.run('CREATE TABLE [Employee] ([EmployeeId] INTEGER NOT NULL, [LastName] NVARCHAR(20) NOT NULL, [ReportsTo] INTEGER, CONSTRAINT [PK_Employee] PRIMARY KEY ([EmployeeId]))');
  db.run(`CREATE TABLE [Customer] ([CustomerId] INTEGER NOT NULL, [FirstName] NVARCHAR(40) NOT NULL, [SupportRepId] INTEGER,
    CONSTRAINT [PK_Customer] PRIMARY KEY ([CustomerId]), FOREIGN KEY ([SupportRepId]) REFERENCES [Employee] ([EmployeeId]))`);
  db.run('CREATE INDEX [IFK_CustomerSupportRepId] ON [Customer] ([SupportRepId])');
  db.run("INSERT INTO [Employee] VALUES (3, 'Peacock', NULL)");
  db.run("INSERT INTO [Customer] VALUES (1, 'Luís', 3)");
  return db;
}

describe('chinook-support seed', () => {
  it('has the tables and columns of the PostgreSQL script', async () => {
    const db = new SQL.Database(readFileSync(join(EXAMPLE_DIR, 'seed', 'chinook.sqlite')));
    try {
      const expected = postgresColumns();
      expect(Object.keys(expected)).toHaveLength(11);
      expect(sqliteColumns(db)).toEqual(expected);
      expect(db.exec('SELECT count(*) FROM customer')[0].values[0][0]).toBe(59);
      expect(db.exec('SELECT count(*) FROM invoice_line')[0].values[0][0]).toBe(2240);
    } finally {
      db.close();
    }
  });
});

describe('chinook-snake-case script', () => {
  it('converts CamelCase names to snake_case', () => {
    expect(script.snakeCase('SupportRepId')).toBe('support_rep_id');
    expect(script.snakeCase('BillingPostalCode')).toBe('billing_postal_code');
    expect(script.snakeCase('PlaylistTrack')).toBe('playlist_track');
    expect(script.snakeCase('customer_id')).toBe('customer_id');
  });

  it('renames tables, columns, references and indexes and keeps rows', () => {
    const db = camelCaseChinook();
    try {
      script.convertChinook(db);
      const tables = sqliteColumns(db);
      expect(Object.keys(tables)).toEqual(CHINOOK_TABLES.map((name) => script.snakeCase(name)).sort());
      expect(tables.customer).toEqual(['customer_id', 'first_name', 'support_rep_id']);
      expect(tables.media_type).toEqual(['media_type_id', 'name']);
      expect(db.exec('SELECT c.first_name, e.last_name FROM customer c JOIN employee e ON e.employee_id = c.support_rep_id')[0].values).toEqual([['Luís', 'Peacock']]);
      const indexes = db.exec("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")[0].values;
      expect(indexes).toEqual([['customer_support_rep_id_idx', 'customer']]);
      const foreignKeys = db.exec('PRAGMA foreign_key_list(customer)')[0].values.map((row) => [row[2], row[3], row[4]]);
      expect(foreignKeys).toEqual([['employee', 'support_rep_id', 'employee_id']]);
    } finally {
      db.close();
    }
  });

  it('rejects a database that is not CamelCase Chinook', () => {
    const db = new SQL.Database();
    try {
      db.run('CREATE TABLE customer (customer_id INTEGER)');
      expect(() => script.convertChinook(db)).toThrow(/not the CamelCase Chinook database: table Album, .*Customer/);
    } finally {
      db.close();
    }
  });

  it('writes the converted file from the command line', () => {
    const input = join(folder, 'camel.sqlite');
    const output = join(folder, 'snake.sqlite');
    const db = camelCaseChinook();
    writeFileSync(input, db.export());
    db.close();

    const run = spawnSync(process.execPath, [SCRIPT, input, output], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const converted = new SQL.Database(readFileSync(output));
    try {
      expect(converted.exec('SELECT customer_id, first_name FROM customer')[0].values).toEqual([[1, 'Luís']]);
    } finally {
      converted.close();
    }
  });

  it('explains a missing or unusable argument', () => {
    const none = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('missing input file');
    const absent = spawnSync(process.execPath, [SCRIPT, join(folder, 'absent.sqlite'), join(folder, 'out.sqlite')], { encoding: 'utf8' });
    expect(absent.status).toBe(1);
    expect(absent.stderr).toContain('absent.sqlite not found');
    const input = join(folder, 'same.sqlite');
    writeFileSync(input, '');
    const same = spawnSync(process.execPath, [SCRIPT, input, input], { encoding: 'utf8' });
    expect(same.status).toBe(1);
    expect(same.stderr).toContain('is the input file');
  });
});
