// Finding app folders on disk and reading their specs.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildApp } from '../core/build-app.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { SpecFile } from '../core/includes.js';
import { loadYaml, type LoadedDocument } from '../core/load.js';
import type { AppModel } from '../core/model.js';
import { readSpecFiles } from './spec-files.js';

/** The spec file every app folder holds. */
export const APP_FILE = 'app.yaml';

/** One app folder after reading and building its spec. */
export interface AppFile {
  dir: string;
  /** Absolute path of the folder's app.yaml. */
  file: string;
  text: string;
  model?: AppModel;
  diagnostics: Diagnostic[];
  /** The merged spec with positions in every file, set once loading and includes succeeded. */
  loaded?: LoadedDocument;
  /** Every file the build read: app.yaml first, then included YAML and SQL files. */
  sources: SpecFile[];
}

/**
 * Lists the absolute paths of folders under `root` (the root included) that
 * contain app.yaml, depth-first in name order. Skips node_modules, folders
 * whose name starts with a dot, and symbolic links, so a link loop cannot recurse forever.
 */
export function discoverApps(root: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const visit = (dir: string): void => {
    let entries;
    try {
      // A link back to a folder already visited would loop forever.
      const real = realpathSync(dir);
      if (seen.has(real)) return;
      seen.add(real);
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // An unreadable folder cannot be served either, so it is skipped like an empty one.
    }
    // Symbolic links count as what they point to, so a folder swapped in as a link (a Kubernetes ConfigMap) is served.
    if (entries.some((e) => e.name === APP_FILE && (e.isFile() || (e.isSymbolicLink() && isKind(join(dir, e.name), 'file'))))) found.push(dir);
    const folders = entries.filter((e) => !e.name.startsWith('.') && e.name !== 'node_modules' && (e.isDirectory() || (e.isSymbolicLink() && isKind(join(dir, e.name), 'dir'))));
    for (const folder of folders.map((e) => e.name).sort()) visit(join(dir, folder));
  };
  visit(resolve(root));
  return found;
}

/** Returns whether `path` (followed through links) is a file or a folder; a dangling link is neither. */
function isKind(path: string, kind: 'file' | 'dir'): boolean {
  try {
    const stats = statSync(path);
    return kind === 'file' ? stats.isFile() : stats.isDirectory();
  } catch {
    return false;
  }
}

/** Reads and builds the spec in `appDir`; a file that cannot be read gives a diagnostic, never an exception. */
export function readApp(appDir: string): AppFile {
  const dir = resolve(appDir);
  const file = join(dir, APP_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return {
      dir,
      file,
      text: '',
      sources: [],
      diagnostics: [{ code: 'file-unreadable', severity: 'error', file, line: 1, col: 1, path: [], message: `cannot read the spec file (${reason})`, hint: 'Check that the file exists and that the server may read it.' }],
    };
  }
  const { model, diagnostics, loaded, sources } = buildApp({ file, text, ...readSpecFiles(dir) });
  return { dir, file, text, model, diagnostics, loaded, sources };
}

/** Reports each app whose id an earlier app in `apps` already uses, at the second one's `id:` line. */
export function findDuplicateAppIds(apps: AppFile[]): Diagnostic[] {
  const firstFile = new Map<string, string>();
  const out: Diagnostic[] = [];
  for (const app of apps) {
    if (app.model === undefined) continue;
    const earlier = firstFile.get(app.model.id);
    if (earlier === undefined) {
      firstFile.set(app.model.id, app.file);
      continue;
    }
    const position = (app.loaded ?? loadYaml(app.file, app.text).loaded)?.positions.locate(['id']) ?? { line: 1, col: 1 };
    out.push({
      code: 'duplicate-app-id',
      severity: 'error',
      file: app.file,
      line: position.line,
      col: position.col,
      path: ['id'],
      message: `app id \`${app.model.id}\` is already used by ${earlier}`,
      hint: 'Give each app its own `id:`; the id appears in URLs and policies.',
    });
  }
  return out;
}

/** Returns true when `path` exists and is a folder. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
