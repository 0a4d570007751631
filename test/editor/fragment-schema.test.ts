// The schema of files an app includes is generated from the app schema and
// committed; it accepts the includable maps and nothing else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/apps.js';
// @ts-expect-error: a plain .mjs script without type declarations.
import { FRAGMENT_FILE, renderFragmentSchema } from '../../scripts/fragment-schema.mjs';

const appSchema = readFileSync(join(REPO_ROOT, 'schemas', 'app.schema.json'), 'utf8');

describe('fragment schema', () => {
  test('committed file is up to date', () => {
    expect(readFileSync(FRAGMENT_FILE, 'utf8'), 'run `npm run docs` and commit schemas/app-fragment.schema.json').toBe(renderFragmentSchema(appSchema));
  });

  test('accepts includable maps and rejects other keys', () => {
    const ajv = new Ajv2020.default({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(FRAGMENT_FILE, 'utf8')));
    const fragment = parse('queries:\n  open:\n    datasource: main\n    sql: select 1 as one\n    allow: [viewer]\n');
    expect(validate(fragment), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...fragment, datasources: {} })).toBe(false);
    expect(validate({ pages: { broken: { title: 'B', allow: ['viewer'], components: [], colour: 'red' } } })).toBe(false);
  });
});
