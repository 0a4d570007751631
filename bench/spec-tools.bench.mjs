// Spec tool benchmarks on a generated large app (200 pages, 1,000 queries,
// 500 actions, 20 migrated tables) and a test file with 500 assertions:
//   1. `opsdeck validate` of the large app (schema, references, database checks);
//   2. `opsdeck diff` of the large app against a changed copy;
//   3. `opsdeck test` running the 500 assertions.
// Each is timed as a whole process, start included: the median of 5 runs,
// next to the median of `node -e 0` measured in the same run as the baseline.
// Run with `npm run bench` (it builds first) or `node bench/spec-tools.bench.mjs` after `npm run build`.
// SPEC_BENCH_KEEP=1 keeps the generated folders for profiling and prints where they are.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'bin', 'opsdeck.mjs');
const RUNS = 5;
const SIZE = { pages: 200, queries: 1000, actions: 500, tables: 20, accessTests: 80, objectsPerAccessTest: 5, queryTests: 100 };
const TARGETS_MS = { validate: 1000, diff: 2000, test: 2000 };

/** Writes the large app into `dir`: app.yaml, migrations and a tests/ file. */
function writeLargeApp(dir) {
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  mkdirSync(join(dir, 'tests'), { recursive: true });
  const migration = [];
  for (let t = 0; t < SIZE.tables; t++) {
    migration.push(`CREATE TABLE item_${t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', amount REAL);`);
    migration.push(`INSERT INTO item_${t} (name, amount) VALUES ('first', 1.5), ('second', 2.5), ('third', 3.5);`);
  }
  writeFileSync(join(dir, 'migrations', '001_items.sql'), `${migration.join('\n')}\n`);

  const lines = [
    '# yaml-language-server: $schema=../../schemas/app.schema.json',
    'opsdeck: 1',
    'id: large',
    'title: Large generated app',
    'datasources:',
    '  main: { kind: sqlite, file: data/large.sqlite, migrations: migrations }',
    'roles:',
    '  viewer: { members: { groups: [staff] } }',
    '  agent: { inherits: [viewer], members: { groups: [agents] } }',
    '  admin: { inherits: [agent], members: { users: [boss@example.com] } }',
    'devUsers:',
    '  - { id: ana@example.com, name: Ana, groups: [staff, agents] }',
    'queries:',
  ];
  for (let q = 0; q < SIZE.queries; q++) {
    const table = `item_${q % SIZE.tables}`;
    lines.push(
      `  q${q}:`,
      `    title: Query ${q}`,
      '    datasource: main',
      '    sql: |',
      `      select id, name, status, amount from ${table}`,
      `      where :search is null or name like '%' || :search || '%'`,
      '    params:',
      '      search: { type: string, maxLength: 100 }',
      `    allow: [${q % 3 === 0 ? 'agent' : 'viewer'}]`,
    );
  }
  lines.push('actions:');
  for (let a = 0; a < SIZE.actions; a++) {
    const table = `item_${a % SIZE.tables}`;
    lines.push(
      `  a${a}:`,
      `    title: Action ${a}`,
      '    datasource: main',
      `    sql: update ${table} set status = :status where id = :id`,
      '    params:',
      '      id: { type: integer, minimum: 1 }',
      `      status: { type: string, enum: [open, closed] }`,
      '    required: [id, status]',
      '    expect: { rows: 1 }',
      `    confirm: "Set {{ row.name }} to {{ params.status }}?"`,
      `    allow: [${a % 2 === 0 ? 'agent' : 'admin'}]`,
    );
  }
  lines.push('pages:');
  const queriesPerPage = SIZE.queries / SIZE.pages;
  const actionsPerPage = SIZE.actions / SIZE.pages;
  for (let p = 0; p < SIZE.pages; p++) {
    lines.push(`  p${p}:`, `    title: Page ${p}`, '    allow: [viewer]', '    components:');
    for (let k = 0; k < queriesPerPage; k++) {
      const q = p * queriesPerPage + k;
      lines.push('      - table:', `          id: t${k}`, `          query: q${q}`, '          search: search', '          rowKey: id', '          columns: [id, name, { field: status, format: badge }, { field: amount, format: number }]');
      // Row actions go on the first table of each page: two or three per page, 500 in all.
      if (k === 0) {
        const first = Math.floor(p * actionsPerPage);
        const last = Math.floor((p + 1) * actionsPerPage);
        const names = [];
        for (let a = first; a < last; a++) names.push(`a${a}`);
        lines.push(`          rowActions: [${names.join(', ')}]`);
      }
    }
  }
  writeFileSync(join(dir, 'app.yaml'), `${lines.join('\n')}\n`);

  const tests = ['# yaml-language-server: $schema=../../../schemas/app-test.schema.json', 'tests:'];
  let assertions = 0;
  for (let t = 0; t < SIZE.accessTests; t++) {
    const objects = [];
    for (let k = 0; k < SIZE.objectsPerAccessTest; k++) objects.push(`query:q${((t * SIZE.objectsPerAccessTest + k) % 333) * 3 + 1}`);
    tests.push(`  - name: viewer access ${t}`, '    as: { user: victor@example.com, groups: [staff] }', `    allowed: [${objects.join(', ')}]`);
    assertions += objects.length;
  }
  for (let t = 0; t < SIZE.queryTests; t++) {
    tests.push(`  - name: query ${t} finds second`, '    as: { user: ana@example.com, groups: [staff, agents] }', `    query: q${t}`, '    params: { search: second }', '    expect: { total: 1 }');
    assertions += 1;
  }
  writeFileSync(join(dir, 'tests', 'large.test.yaml'), `${tests.join('\n')}\n`);
  return assertions;
}

/** Changes the copy the diff compares against: titles, SQL, a role's members and a removed page. */
function changeCopy(dir) {
  const file = join(dir, 'app.yaml');
  let text = readFileSync(file, 'utf8');
  for (let p = 0; p < 10; p++) text = text.replace(`    title: Page ${p}\n`, `    title: Page ${p} renamed\n`);
  for (let q = 0; q < 20; q++) text = text.replace(`  q${q}:\n    title: Query ${q}\n    datasource: main\n    sql: |\n      select id, name, status, amount`, `  q${q}:\n    title: Query ${q}\n    datasource: main\n    sql: |\n      select id, name, status`);
  text = text.replace('  viewer: { members: { groups: [staff] } }', '  viewer: { members: { groups: [staff, contractors] } }');
  writeFileSync(file, text);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs a command RUNS times; returns the median wall time in ms and checks the exit code of every run. */
function time(args, expectedStatus, cwd) {
  const samples = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    samples.push(performance.now() - started);
    if (result.status !== expectedStatus) {
      throw new Error(`${args.join(' ')} exited with ${result.status}, expected ${expectedStatus}:\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
    }
  }
  return median(samples);
}

const root = mkdtempSync(join(tmpdir(), 'opsdeck-spec-bench-'));
try {
  const base = join(root, 'base');
  const head = join(root, 'head');
  const assertions = writeLargeApp(join(base, 'large'));
  cpSync(base, head, { recursive: true });
  changeCopy(join(head, 'large'));

  // One validate first creates and migrates the database, so every timed run measures a warm data folder.
  spawnSync(process.execPath, [CLI, 'validate', base]);

  const results = {
    size: { ...SIZE, assertions, specBytes: readFileSync(join(base, 'large', 'app.yaml')).length },
    baselineMs: time(['-e', '0'], 0, root),
    validateMs: time([CLI, 'validate', base, '--strict'], 0, root),
    diffMs: time([CLI, 'diff', base, head], 0, root),
    testMs: time([CLI, 'test', base], 0, root),
  };
  console.log(JSON.stringify(results, null, 2));
  const line = (name, ms, target) => `${name.padEnd(9)} ${ms.toFixed(0).padStart(5)} ms  (${(ms / results.baselineMs).toFixed(1)}x node -e 0; target < ${target} ms${ms < target ? '' : ', MISSED'})`;
  console.log(`
baseline  ${results.baselineMs.toFixed(0).padStart(5)} ms  (node -e 0)
${line('validate', results.validateMs, TARGETS_MS.validate)}
${line('diff', results.diffMs, TARGETS_MS.diff)}
${line('test', results.testMs, TARGETS_MS.test)}   ${assertions} assertions`);
} finally {
  if (process.env.SPEC_BENCH_KEEP) console.log(`generated apps kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
