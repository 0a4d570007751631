// Reads the files an app spec may include: every YAML and SQL file in the app
// folder, for core's include resolution, and expands include patterns.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppFileSet } from '../core/includes.js';

/** Extensions of the files an app spec may include or name in `sql: { file }`. */
export const SPEC_FILE_EXTENSIONS = ['.yaml', '.yml', '.sql'];

/** Most files read from one app folder; a folder with more is probably not an app folder alone. */
export const MAX_SPEC_FILES = 5000;

/**
 * Reads the YAML and SQL files under `appDir` (app.yaml itself excepted),
 * keyed by path relative to it with `/` between folders. Skips folders whose
 * name starts with a dot, node_modules, and folders that hold their own
 * app.yaml, which are other apps. Unreadable files and folders are left out,
 * so an include naming one is reported as missing.
 */
export function readSpecFiles(appDir: string): AppFileSet & { files: Record<string, string> } {
  const files: Record<string, string> = {};
  let count = 0;
  const visit = (dir: string, prefix: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (prefix !== '' && entries.some((entry) => entry.isFile() && entry.name === 'app.yaml')) return;
    entries.sort((a, b) => a.name.localeCompare(b.name, 'en'));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = `${prefix}${entry.name}`;
      if (entry.isDirectory()) {
        visit(join(dir, entry.name), `${path}/`);
      } else if (entry.isFile() && path !== 'app.yaml' && SPEC_FILE_EXTENSIONS.some((extension) => entry.name.endsWith(extension))) {
        if (++count > MAX_SPEC_FILES) return;
        try {
          files[path] = readFileSync(join(dir, entry.name), 'utf8');
        } catch {
          // Left out on purpose: an include naming it reports the file as missing.
        }
      }
    }
  };
  visit(appDir, '');
  return { files, expand: (pattern) => expandPattern(pattern, Object.keys(files)) };
}

/** Returns the names in `names` that `pattern` matches, sorted: `*` and `?` stay within a folder, `**` spans folders. */
export function expandPattern(pattern: string, names: string[]): string[] {
  const expression = patternToRegExp(pattern);
  return names.filter((name) => expression.test(name)).sort();
}

function patternToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index];
    if (character === '*' && pattern[index + 1] === '*') {
      // `**/` also matches no folder at all, so `sql/**/*.yaml` finds `sql/a.yaml`.
      const slash = pattern[index + 2] === '/';
      source += slash ? '(?:[^/]+/)*' : '.*';
      index += slash ? 2 : 1;
    } else if (character === '*') {
      source += '[^/]*';
    } else if (character === '?') {
      source += '[^/]';
    } else {
      source += character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
