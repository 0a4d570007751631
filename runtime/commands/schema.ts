// `opsdeck schema [app|settings|tests|fragment]`: print one of the JSON Schemas, for
// editors and tools that cannot read them from the installed package.
import { readFileSync } from 'node:fs';
import { EXIT, type CommandOutput } from './validate.js';

/** Schema file of each name the command accepts; `app` is the default. */
export const SCHEMA_FILES = {
  app: 'app.schema.json',
  settings: 'opsdeck.schema.json',
  tests: 'app-test.schema.json',
  fragment: 'app-fragment.schema.json',
} as const;

const USAGE = 'Usage: opsdeck schema [app|settings|tests|fragment]';

/** Runs `opsdeck schema`; resolves to 0 after printing the schema, 2 for an unknown name or extra arguments. */
export async function runSchema(argv: string[], out: CommandOutput): Promise<number> {
  if (argv.length > 1 || argv.some((arg) => arg.startsWith('-'))) {
    out.stderr(`opsdeck schema: expected at most one schema name, got ${argv.map((arg) => `"${arg}"`).join(' ')}\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  const name = argv[0] ?? 'app';
  if (!Object.hasOwn(SCHEMA_FILES, name)) {
    out.stderr(`opsdeck schema: unknown schema "${name}"; use app (app.yaml), settings (opsdeck.yaml), tests (*.test.yaml) or fragment (files an app includes)\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  // The path is the same from runtime/commands/ in the sources and from dist/runtime/commands/, where the build copies schemas/ to dist/schemas/.
  const file = new URL(`../../schemas/${SCHEMA_FILES[name as keyof typeof SCHEMA_FILES]}`, import.meta.url);
  out.stdout(readFileSync(file, 'utf8'));
  return EXIT.ok;
}
