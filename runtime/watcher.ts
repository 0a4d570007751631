// Watches the served folder and reloads the app whose spec or migrations
// changed. Events are debounced per app; editor temp and backup files are
// ignored; saves by rename are seen because chokidar reports the new file.
import chokidar, { type FSWatcher } from 'chokidar';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Registry } from './registry.js';
import type { Logger } from './log.js';

export const RELOAD_DEBOUNCE_MS = 50;

const WATCHED_EXTENSIONS = new Set(['.yaml', '.yml', '.sql']);

/** Returns true for editor temp and backup files: `file~`, `.file.swp`, `.file.swx`, vim's `4913`, emacs's `.#file`. */
export function isEditorTempFile(path: string): boolean {
  const name = basename(path);
  return name.endsWith('~') || /^\..*\.sw[a-p]$/.test(name) || name === '4913' || name.startsWith('.#') || /\.tmp$/.test(name);
}

export interface SpecWatcher {
  /** Resolves once the initial scan is done and changes are being reported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Starts watching `registry.root`; each change reloads the affected app after the debounce. */
export function watchSpecs(registry: Registry, log: Logger, onReload?: (dir: string, result: string) => void): SpecWatcher {
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();

  const watcher: FSWatcher = chokidar.watch(registry.root, {
    ignoreInitial: true,
    ignored: (path, stats) => {
      const name = basename(path);
      if (name === 'node_modules' || name === '.git' || name === '.opsdeck') return true;
      if (stats?.isFile()) return isEditorTempFile(path) || !WATCHED_EXTENSIONS.has(extname(name));
      return false;
    },
  });

  const schedule = (path: string): void => {
    if (isEditorTempFile(path) || !WATCHED_EXTENSIONS.has(extname(path))) return;
    const dir = registry.appDirOf(path) ?? (basename(path) === 'app.yaml' ? dirname(resolve(path)) : undefined);
    if (!dir) {
      if (basename(path) === 'opsdeck.yaml') log.warn({ file: path }, 'opsdeck.yaml changed; restart the server to apply it');
      return;
    }
    clearTimeout(timers.get(dir));
    timers.set(dir, setTimeout(() => run(dir), RELOAD_DEBOUNCE_MS));
  };

  // Reloads of one app run one after another, so two quick saves cannot swap out of order.
  const run = (dir: string): void => {
    timers.delete(dir);
    const previous = running.get(dir) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const result = await registry.reload(dir);
        onReload?.(dir, result);
      } catch (err) {
        log.error({ err, dir: join(dir, 'app.yaml') }, 'reload failed');
      }
    });
    running.set(dir, next);
  };

  watcher.on('add', schedule).on('change', schedule).on('unlink', schedule);
  watcher.on('error', (err) => log.error({ err }, 'file watcher error'));

  return {
    ready: new Promise((resolveReady) => watcher.once('ready', () => resolveReady())),
    async close() {
      for (const timer of timers.values()) clearTimeout(timer);
      await watcher.close();
      await Promise.all(running.values());
    },
  };
}
