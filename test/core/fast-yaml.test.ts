// The fast load path must give the same data, positions and diagnostics as
// parsing with the `yaml` package, or give up: checked on every YAML file of
// the examples and tests, a generated large spec and hand-written edge cases.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fastLoadYaml } from '../../core/fast-yaml.js';
import { loadYaml, type DocPath, type LoadResult } from '../../core/load.js';

const ROOT = join(import.meta.dirname, '../..');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push(path);
  }
  return out;
}

/** Lists every path in `value` with the value there, the root first. */
function pathsOf(value: unknown, path: DocPath = []): Array<[DocPath, unknown]> {
  const out: Array<[DocPath, unknown]> = [[path, value]];
  if (Array.isArray(value)) value.forEach((item, index) => out.push(...pathsOf(item, [...path, index])));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) out.push(...pathsOf(item, [...path, key]));
  return out;
}

/** Asserts that the fast and the full load of `text` agree on diagnostics, data and every position. */
function expectSameLoad(name: string, text: string): void {
  const full: LoadResult = loadYaml(name, text, { fast: false });
  const fast: LoadResult = loadYaml(name, text);
  expect(fast.diagnostics, name).toEqual(full.diagnostics);
  expect(fast.loaded === undefined, name).toBe(full.loaded === undefined);
  if (full.loaded === undefined || fast.loaded === undefined) return;
  expect(fast.loaded.data, name).toStrictEqual(full.loaded.data);
  for (const [path, value] of pathsOf(full.loaded.data)) {
    const where = `${name} ${JSON.stringify(path)}`;
    expect(fast.loaded.positions.has(path), where).toBe(full.loaded.positions.has(path));
    expect(fast.loaded.positions.locate(path, 'key'), where).toEqual(full.loaded.positions.locate(path, 'key'));
    expect(fast.loaded.positions.locate(path, 'value'), where).toEqual(full.loaded.positions.locate(path, 'value'));
    if (typeof value === 'string') {
      for (const offset of new Set([0, Math.floor(value.length / 2), Math.max(0, value.length - 1), value.length])) {
        expect(fast.loaded.positions.locateInValue(path, offset, value), `${where} @${offset}`).toEqual(full.loaded.positions.locateInValue(path, offset, value));
      }
    }
  }
  // A path that is not in the document falls back the same way.
  expect(fast.loaded.positions.locate(['queries', 'missing', 'sql'])).toEqual(full.loaded.positions.locate(['queries', 'missing', 'sql']));
}

/** Writes a smaller spec in the shape of bench/spec-tools.bench.mjs. */
function generatedSpec(queries: number): string {
  const lines = [
    '# yaml-language-server: $schema=../../schemas/app.schema.json',
    'opsdeck: 1',
    'id: large',
    'title: Large generated app',
    'datasources:',
    '  main: { kind: sqlite, file: data/large.sqlite, migrations: migrations }',
    'roles:',
    '  viewer: { members: { groups: [staff] } }',
    '  admin: { inherits: [viewer], members: { users: [boss@example.com] } }',
    'devUsers:',
    '  - { id: ana@example.com, name: Ana, groups: [staff, agents] }',
    'queries:',
  ];
  for (let q = 0; q < queries; q++) {
    lines.push(`  q${q}:`, `    title: Query ${q}`, '    datasource: main', '    sql: |', `      select id, name from item_${q}`, `      where :search is null or name like '%' || :search || '%'`, '    params:', '      search: { type: string, maxLength: 100 }', `    allow: [viewer]`);
  }
  lines.push('actions:', '  a0:', '    sql: update item_0 set status = :status where id = :id', '    expect: { rows: 1 }', '    confirm: "Set {{ row.name }} to {{ params.status }}?"');
  lines.push('pages:', '  p0:', '    title: Page 0', '    components:');
  for (let q = 0; q < queries; q++) {
    lines.push('      - table:', `          id: t${q}`, `          query: q${q}`, '          columns: [id, name, { field: status, format: badge }]');
  }
  return `${lines.join('\n')}\n`;
}

describe('fast YAML load path agrees with yaml', () => {
  test('every example and test file', () => {
    const files = [...yamlFiles(join(ROOT, 'examples')), ...yamlFiles(join(ROOT, 'test'))];
    expect(files.length).toBeGreaterThan(20);
    let fastCount = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (fastLoadYaml(text) !== undefined) fastCount++;
      expectSameLoad(relative(ROOT, file), text);
    }
    // Most spec files are in the subset; if none were, this test would compare nothing.
    expect(fastCount).toBeGreaterThan(files.length / 2);
  });

  test('generated benchmark-shaped spec', () => {
    const text = generatedSpec(40);
    expect(fastLoadYaml(text)).toBeDefined();
    expectSameLoad('generated.yaml', text);
  });

  const edgeCases: Record<string, string> = {
    'plain kinds': 'a: 1\nb: -2\nc: 1.5\nd: true\ne: False\nf: null\ng: ~\nh: 007\ni: 0x1F\nj: 0o17\nk: 1e3\nl: .5\nm: +1\nn: .inf\no: .NaN\np: -0\nq: 1_000\nr: yes\ns: 12345678901234567890\n',
    'keys that look like numbers': '200: ok\ntrue: yes\n1.50: x\n',
    'null key': 'null: x\n',
    'quoted': 'a: "x: y # z"\nb: \'it\'\'s\'\nc: "tab\\tescape"\n"quoted key": 1\n\'single key\': 2\n',
    'comments': '# head\na: b # tail\n# between\nc:\n  # inside\n  d: e\n    # deeper comment\n',
    'colon in plain': 'a: http://x.test/a:b\nb: x:y\nc: x: y\n',
    'hash in plain': 'a: b#c\nb: b #c\n',
    'literal blocks': 'a: |\n  one\n\n  two\n\n\nb: |-\n  x\n   y\nc: |\n  last\n',
    'literal at end without newline': 'a: |\n  one',
    'literal with indicator': 'a: |2\n    x\nb: |+\n  y\n\nc: >\n  folded\n',
    'literal with leading blank': 'a: |\n\n  x\n',
    'literal with deep blank': 'a: |\n  x\n     \n  y\n',
    'empty literal': 'a: |\nb: 1\n',
    'sequences': 'a:\n- x\n- y\nb:\n  - 1\n  - { k: v }\n  - [1, [2]]\n  - k: v\n    l: w\n  - "q"\n',
    'nested compact maps': 'a:\n  - b:\n      - c: 1\n        d: 2\n    e: 3\n',
    'empty values': 'a:\nb: 1\n',
    'empty flow': 'a: {}\nb: []\n',
    'trailing comma': 'a: [1, 2, ]\n',
    'multi-line flow': 'a: [1,\n  2]\n',
    'multi-line plain': 'a: one\n  two\n',
    'duplicate key': 'a: 1\na: 2\n',
    'duplicate flow key': 'a: { x: 1, x: 2 }\n',
    'anchor and alias': 'a: &x 1\nb: *x\n',
    'tag': 'a: !!str 1\n',
    'tab indent': 'a:\n\tb: 1\n',
    'document marker': '---\na: 1\n',
    'two documents': 'a: 1\n---\nb: 2\n',
    'directive': '%YAML 1.2\n---\na: 1\n',
    'bad indent': 'a:\n  b: 1\n c: 2\n',
    'deeper after scalar': 'a: 1\n  b: 2\n',
    'sequence after scalar': 'a: 1\n- b\n',
    'top-level sequence': '- a\n- b\n',
    'empty file': '',
    'only comments': '# nothing\n',
    'proto key': '__proto__: 1\nb: { __proto__: 2 }\n',
    'explicit key': '? a\n: b\n',
    'flow plain with colon': 'a: [x:y, b]\nb: { k: v:w }\n',
    'flow without space': 'a: {k:v}\n',
    'indicators': 'a: @x\nb: `x`\nc: - x\nd: ? x\ne: :x\nf: -x\n',
    'crlf': 'a: 1\r\nb: 2\r\n',
    'no final newline': 'a: 1\nb: [x]',
    'unicode': 'title: Café — ünïcode ✓\nb: "日本"\n',
    'long key': `${'k'.repeat(1100)}: 1\n`,
    'seq items with comments': 'a:\n  # first\n  - x # one\n  # second\n  - y\n',
    'comment right after flow': 'a: [x]#c\n',
    'seq dash then empty': 'a:\n  -\n  - x\n',
    'quoted key without space': '"a":1\nb: 2\n',
    'text after a quoted value': "a: 'x' y\nb: \"x\" # c\n",
    'trailing blank lines': 'a: b\n\n\n',
    'comment that ends a literal block': 'a: |\n  x\n# c\n  y\n',
    'comment inside a literal block': 'a: |\n  x\n\n  # note\nb: 1\n',
    'literal block in a sequence': 'a:\n  - |\n    x\n  - y\n',
    'deep nesting': `${Array.from({ length: 60 }, (_, depth) => `${'  '.repeat(depth)}k${depth}:`).join('\n')} 1\n`,
  };
  for (const [name, text] of Object.entries(edgeCases)) {
    test(`edge case: ${name}`, () => expectSameLoad(name, text));
  }

  test('1,500 generated documents, some damaged', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const scalars = ['x', 'a b', '1', '-2', '1.5', 'true', 'null', '~', "'q'", '"d q"', "'it''s'", 'http://h.test/a:b', 'x # c', ':p', '0x1F', '1e3', '"esc\\n"', 'é', '', '{}', '[]', '[1, x]', '{ k: v, l: [m] }', '{k: v}', '[a, ]'];
    const keys = ['k', 'key two', '"quoted"', "'single'", '1', 'true', 'k', '-k', 'x:y'];
    const node = (indent: number, depth: number, lines: string[], lead: string): void => {
      const pad = ' '.repeat(indent);
      const count = 1 + Math.floor(random() * 3);
      const asSeq = random() < 0.3;
      for (let item = 0; item < count; item++) {
        const head = item === 0 ? lead : pad;
        if (random() < 0.1) lines.push(`${pad}# comment`);
        const prefix = asSeq ? `${head}- ` : `${head}${pick(keys)}:`;
        const roll = random();
        if (depth < 3 && roll < 0.3) {
          if (asSeq) node(indent + 2, depth + 1, lines, prefix);
          else {
            lines.push(prefix);
            node(indent + 2, depth + 1, lines, ' '.repeat(indent + 2));
          }
        } else if (roll < 0.4) {
          lines.push(`${prefix}${asSeq ? '' : ' '}|${pick(['', '-', '+', '2'])}`, `${pad}  line one`, pick(['', `${pad}    more`, `${pad}  `]), `${pad}  line three`);
        } else {
          lines.push(`${prefix}${asSeq ? '' : ' '}${pick(scalars)}`);
        }
      }
    };
    let fastCount = 0;
    for (let doc = 0; doc < 1500; doc++) {
      const lines: string[] = [];
      node(0, 0, lines, '');
      let text = `${lines.join('\n')}\n`;
      if (random() < 0.3) {
        const at = Math.floor(random() * text.length);
        text = pick([text.slice(0, at) + text.slice(at + 1), text.slice(0, at) + pick([' ', '-', ':', '#', '\n', '"']) + text.slice(at)]);
      }
      if (fastLoadYaml(text) !== undefined) fastCount++;
      expectSameLoad(`generated ${doc}:\n${text}`, text);
    }
    expect(fastCount).toBeGreaterThan(100);
  });

  test('gives up outside the subset', () => {
    for (const text of ['a: &x 1\nb: *x\n', 'a: 1\na: 2\n', 'a: "x\\ty"\n', 'a: >\n  x\n', '- a\n', 'a: [1,\n 2]\n']) {
      expect(fastLoadYaml(text), text).toBeUndefined();
    }
  });
});
