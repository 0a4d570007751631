// Temporary copies of example apps for tests: each test gets its own folder,
// database and audit log, removed afterwards.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const EXAMPLE_DIR = join(REPO_ROOT, 'examples', 'chinook-support');

export interface TempRoot {
  root: string;
  appDir: string;
  remove(): void;
}

/** Copies the chinook-support example (without its working database) into a new temporary root. */
export function copyChinookApp(settings = 'identity:\n  mode: dev\n'): TempRoot {
  const root = mkdtempSync(join(tmpdir(), 'opsdeck-test-'));
  const appDir = join(root, 'chinook-support');
  cpSync(EXAMPLE_DIR, appDir, { recursive: true, filter: (source) => !source.startsWith(join(EXAMPLE_DIR, 'data')) });
  writeFileSync(join(root, 'opsdeck.yaml'), settings);
  return { root, appDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}
