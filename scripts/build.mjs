// Builds the server (core/ and runtime/, transpiled file by file) and the
// browser bundle (ui/) into dist/. Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { readdirSync, statSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

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
mkdirSync('dist/ui', { recursive: true });
copyFileSync('ui/index.html', 'dist/ui/index.html');
copyFileSync('ui/styles.css', 'dist/ui/styles.css');
mkdirSync('dist/schemas', { recursive: true });
for (const name of readdirSync('schemas')) copyFileSync(join('schemas', name), join('dist/schemas', name));
console.log(`build: dist/ ready in ${Date.now() - started} ms`);
