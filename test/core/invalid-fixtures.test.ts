// One folder per spec mistake under test/fixtures/invalid/<code>-<slug>/:
// app.yaml contains the mistake, expected.json the diagnostics that must appear.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildApp } from '../../core/build-app.js';

interface Expected {
  code: string;
  line?: number;
  col?: number;
  /** Text the message must contain. */
  message?: string;
  /** Text the hint must contain, such as the suggested name. */
  hint?: string;
}

const root = join(import.meta.dirname, '../fixtures/invalid');
const cases = readdirSync(root).sort().map((name) => ({
  name,
  text: readFileSync(join(root, name, 'app.yaml'), 'utf8'),
  expected: JSON.parse(readFileSync(join(root, name, 'expected.json'), 'utf8')) as Expected[],
}));

describe('invalid spec fixtures', () => {
  test('fixture folder is not empty', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  test.each(cases)('$name', ({ name, text, expected }) => {
    const { model, diagnostics } = buildApp({ file: `${name}/app.yaml`, text });
    expect(model).toBeUndefined();
    expect(name.startsWith(expected[0].code)).toBe(true);
    const summary = diagnostics.map((d) => ({ code: d.code, line: d.line, col: d.col, message: d.message, hint: d.hint }));
    for (const want of expected) {
      const match = summary.find((d) =>
        d.code === want.code
        && (want.line === undefined || d.line === want.line)
        && (want.col === undefined || d.col === want.col));
      expect(match, `expected ${JSON.stringify(want)} among ${JSON.stringify(summary, null, 2)}`).toBeDefined();
      if (want.message !== undefined) expect(match?.message).toContain(want.message);
      if (want.hint !== undefined) expect(match?.hint).toContain(want.hint);
    }
  });
});
