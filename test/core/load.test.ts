import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadYaml } from '../../core/load.js';

const fixtures = join(import.meta.dirname, '../fixtures');

describe('loadYaml', () => {
  test('Norway values stay strings under %YAML 1.1', () => {
    const text = readFileSync(join(fixtures, 'valid/norway-strings/app.yaml'), 'utf8');
    expect(text.startsWith('%YAML 1.1')).toBe(true);
    const { loaded, diagnostics } = loadYaml('app.yaml', text);
    expect(diagnostics).toEqual([]);
    expect(loaded?.data.title).toBe('NO');
    expect(loaded?.data.description).toBe('on');
    const roles = loaded?.data.roles as { viewer: { members: { groups: unknown[] } } };
    expect(roles.viewer.members.groups).toEqual(['yes', 'off']);
  });

  test('YAML 1.1 octal and sexagesimal are not numbers', () => {
    const { loaded } = loadYaml('a.yaml', '%YAML 1.1\n---\na: 0755\nb: 1:20\nc: 0o17\n');
    expect(loaded?.data).toEqual({ a: 755, b: '1:20', c: 15 });
  });

  test('billion laughs rejected quickly', () => {
    const text = readFileSync(join(fixtures, 'invalid/yaml-alias-limit-billion-laughs/app.yaml'), 'utf8');
    const started = performance.now();
    const { loaded, diagnostics } = loadYaml('app.yaml', text);
    const elapsed = performance.now() - started;
    expect(loaded).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toEqual(['yaml-alias-limit']);
    // Measured, not asserted: timing varies with the machine's load.
    console.info(`billion laughs rejected in ${elapsed.toFixed(1)} ms`);
  });

  test('a few aliases are expanded', () => {
    const { loaded, diagnostics } = loadYaml('a.yaml', 'base: &b { x: 1 }\ncopy: *b\n');
    expect(diagnostics).toEqual([]);
    expect(loaded?.data.copy).toEqual({ x: 1 });
  });

  test('unresolved alias is a diagnostic', () => {
    const { diagnostics } = loadYaml('a.yaml', 'a: 1\nb: *missing\n');
    expect(diagnostics).toMatchObject([{ code: 'yaml-unresolved-alias', line: 2, col: 4 }]);
  });

  test('duplicate key names the first line', () => {
    const { diagnostics } = loadYaml('a.yaml', 'a:\n  x: 1\n  y: 2\n  x: 3\n');
    expect(diagnostics).toMatchObject([{ code: 'yaml-duplicate-key', line: 4, col: 3, path: ['a', 'x'] }]);
    expect(diagnostics[0].message).toContain('line 2');
  });

  test('tab indentation reported at the tab', () => {
    const { diagnostics } = loadYaml('a.yaml', 'a:\n  b: 1\n  \tc: 2\n');
    expect(diagnostics).toMatchObject([{ code: 'yaml-tab-indent', line: 3, col: 3 }]);
  });

  test('tab inside a literal block is content', () => {
    const { loaded, diagnostics } = loadYaml('a.yaml', 'a: |\n  x\n  \ty\n');
    expect(diagnostics).toEqual([]);
    expect(loaded?.data.a).toBe('x\n\ty\n');
  });

  test('empty, scalar and list documents rejected', () => {
    expect(loadYaml('a.yaml', '').diagnostics.map((d) => d.code)).toEqual(['yaml-empty']);
    expect(loadYaml('a.yaml', 'hello\n').diagnostics.map((d) => d.code)).toEqual(['yaml-not-a-map']);
    expect(loadYaml('a.yaml', '- 1\n').diagnostics.map((d) => d.code)).toEqual(['yaml-not-a-map']);
  });

  test('syntax error has a position', () => {
    const { diagnostics } = loadYaml('a.yaml', 'a: [1, 2\nb: 3\n');
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics[0].code).toBe('yaml-syntax');
    expect(diagnostics[0].line).toBeGreaterThan(0);
  });

  test('positions of keys and values', () => {
    const { loaded } = loadYaml('a.yaml', 'top:\n  list:\n    - first\n    - { name: x }\n');
    const positions = loaded!.positions;
    expect(positions.locate(['top', 'list'], 'key')).toEqual({ line: 2, col: 3 });
    expect(positions.locate(['top', 'list', 1, 'name'], 'value')).toEqual({ line: 4, col: 15 });
    expect(positions.locate(['top', 'list', 1, 'name'], 'key')).toEqual({ line: 4, col: 9 });
    // A missing child falls back to its parent's key.
    expect(positions.locate(['top', 'missing', 'deeper'])).toEqual({ line: 1, col: 1 });
  });

  test('offsets inside literal, quoted and folded scalars', () => {
    const text = 'lit: |\n  select 1\n  where x = :p\nq: "a :p"\nfold: >\n  a\n  :p\n';
    const { loaded } = loadYaml('a.yaml', text);
    const positions = loaded!.positions;
    const lit = loaded!.data.lit as string;
    expect(positions.locateInValue(['lit'], lit.indexOf(':p'), lit)).toEqual({ line: 3, col: 13 });
    expect(positions.locateInValue(['q'], 2, 'a :p')).toEqual({ line: 4, col: 7 });
    const fold = loaded!.data.fold as string;
    expect(positions.locateInValue(['fold'], fold.indexOf(':p'), fold)).toEqual({ line: 5, col: 7 });
  });

  test('loaded data holds no positions', () => {
    const { loaded } = loadYaml('a.yaml', 'a: { b: 1 }\n');
    expect(JSON.stringify(loaded?.data)).toBe('{"a":{"b":1}}');
  });
});

describe('loadYaml hostile input', () => {
  test('deep nesting gives a diagnostic', () => {
    const text = `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const { loaded, diagnostics } = loadYaml('a.yaml', text);
    expect(loaded).toBeUndefined();
    expect(diagnostics.length).toBeGreaterThan(0);
  });

  test('__proto__ key stays plain data', () => {
    const { loaded } = loadYaml('a.yaml', '__proto__: { polluted: true }\n');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(loaded!.data)).toEqual(['__proto__']);
  });
});
