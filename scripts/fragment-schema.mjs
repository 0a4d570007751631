// Generates schemas/app-fragment.schema.json from schemas/app.schema.json:
// the schema of a file that an app's `include:` names, which holds only
// `pages:`, `queries:`, `actions:` and `roles:` maps. The result carries its
// own copy of the definitions, so an editor resolves it without a network.
// `npm run docs` writes it; a test checks that the committed file is current.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FRAGMENT_FILE = join(ROOT, 'schemas', 'app-fragment.schema.json');
const INCLUDABLE = ['pages', 'queries', 'actions', 'roles'];

/** Renders the fragment schema text from the app schema text. */
export function renderFragmentSchema(appSchemaText) {
  const app = JSON.parse(appSchemaText);
  const properties = {};
  for (const key of INCLUDABLE) {
    // A fragment may hold any number of entries, so the app's `minProperties` does not apply.
    const { minProperties: _minimum, ...rest } = app.properties[key];
    properties[key] = rest;
  }
  const fragment = {
    $schema: app.$schema,
    $id: app.$id.replace('app.schema.json', 'app-fragment.schema.json'),
    title: 'Opsdeck app spec fragment',
    description: 'A file named by an app\'s `include:` list: `pages:`, `queries:`, `actions:` and `roles:` maps in the same form as in app.yaml, merged into the app. Generated from app.schema.json by `npm run docs`.',
    type: 'object',
    additionalProperties: false,
    properties,
    $defs: app.$defs,
  };
  return `${JSON.stringify(fragment, null, 2)}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writeFileSync(FRAGMENT_FILE, renderFragmentSchema(readFileSync(join(ROOT, 'schemas', 'app.schema.json'), 'utf8')));
  console.log(`fragment-schema: wrote ${FRAGMENT_FILE}`);
}
