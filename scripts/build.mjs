// Builds the server (core/ and runtime/, transpiled file by file) and the
// browser bundle (ui/) into dist/. Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, statSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';

function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const started = Date.now();
await build({
  entryPoints: [...tsFiles('core'), ...tsFiles('runtime')],
  outdir: 'dist',
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  sourcemap: true,
  logLevel: 'warning',
});
await build({
  entryPoints: ['ui/main.ts'],
  bundle: true,
  outfile: 'dist/ui/app.js',
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
// Precompiled schema validators: the same schemas and options as core/schema-validators.ts,
// as ajv standalone code, so the server does not compile them at start.
{
  const readSchema = (name) => JSON.parse(readFileSync(join('schemas', name), 'utf8'));
  const ajv = new Ajv2020.default({
    allErrors: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
    code: { source: true, esm: true },
  });
  addFormats.default(ajv);
  ajv.addSchema(readSchema('app.schema.json'), 'app');
  ajv.addSchema(readSchema('opsdeck.schema.json'), 'settings');
  const code = standaloneCode.default(ajv, { validateAppSchema: 'app', validateSettingsSchema: 'settings' });
  // ajv's ESM output still calls require() for its runtime helpers.
  const prelude = "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n";
  writeFileSync('dist/core/schema-validators.js', prelude + code);
}

mkdirSync('dist/ui', { recursive: true });
copyFileSync('ui/index.html', 'dist/ui/index.html');
copyFileSync('ui/styles.css', 'dist/ui/styles.css');
copyFileSync('ui/favicon.svg', 'dist/ui/favicon.svg');
mkdirSync('dist/schemas', { recursive: true });
for (const name of readdirSync('schemas')) copyFileSync(join('schemas', name), join('dist/schemas', name));
// The `opsdeck` command as a bundle: Node loads a few modules several times
// faster than it resolves the few hundred files of the server and its
// packages, which is most of the start-up time. Each command is imported
// lazily, so splitting puts it in its own chunk and `opsdeck validate` does
// not evaluate the server's code. sql.js stays external because it loads its
// WebAssembly file from its own folder; the schema validators are the
// precompiled ones written above.
rmSync('dist/bin', { recursive: true, force: true });
await build({
  entryPoints: { opsdeck: 'runtime/cli.ts' },
  bundle: true,
  splitting: true,
  outdir: 'dist/bin',
  outExtension: { '.js': '.mjs' },
  // Chunks sit next to opsdeck.mjs, so paths taken from import.meta.url (the UI folder, the schemas) resolve as from the entry.
  chunkNames: '[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: ['sql.js'],
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module';\nconst require = createRequireForBundle(import.meta.url);" },
  plugins: [
    {
      name: 'precompiled-schema-validators',
      setup(builder) {
        builder.onResolve({ filter: /\/schema-validators\.js$/ }, () => ({ path: resolve('dist/core/schema-validators.js') }));
      },
    },
  ],
  sourcemap: true,
  logLevel: 'warning',
});
console.log(`build: dist/ ready in ${Date.now() - started} ms`);
