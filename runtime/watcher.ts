// Watches the served folder and reloads the app whose spec or migrations
// changed. Events are debounced per app; editor temp and backup files are
// ignored; saves by rename are seen because chokidar reports the new file.
// `poll` mode reads the folder at an interval, for file systems that send no
// events; swapped symbolic links (ConfigMap volumes) reload once.
import chokidar, { type FSWatcher } from 'chokidar';
import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { discoverApps } from './app-files.js';
import type { Registry, ReloadResult } from './registry.js';
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

/** Options of watchSpecs: the watch mode (opsdeck.yaml `watch:`) and the listener of reload results. */
export interface WatchOptions {
  /** `events` (default): the operating system reports changes. `poll`: the folder is read again every `intervalMs`. */
  mode?: 'events' | 'poll';
  /** Milliseconds between two reads in `poll` mode (default 1000). */
  intervalMs?: number;
  /** Receives the result of each reload; `failed` when the reload raised. */
  onReload?: (dir: string, result: ReloadResult | 'failed') => void;
}

/**
 * Starts watching `registry.root`; each change reloads the affected app after
 * the debounce. Symbolic links (the served folder itself, or folders in it)
 * are followed. When a link is swapped to a new target, as Kubernetes does
 * with ConfigMap volumes, the apps under it reload once and the watch
 * restarts on the new target.
 */
export function watchSpecs(registry: Registry, log: Logger, options: WatchOptions = {}): SpecWatcher {
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  const polling = options.mode === 'poll';
  const chokidarOptions = { ignoreInitial: true, usePolling: polling, interval: options.intervalMs ?? 1000, binaryInterval: options.intervalMs ?? 1000 };
  let closed = false;

  const scheduleDir = (dir: string): void => {
    clearTimeout(timers.get(dir));
    timers.set(dir, setTimeout(() => run(dir), RELOAD_DEBOUNCE_MS));
  };

  const schedule = (path: string): void => {
    links.check();
    if (isEditorTempFile(path) || !WATCHED_EXTENSIONS.has(extname(path))) return;
    // Folders whose name starts with a dot are never served (see discoverApps), such as ConfigMap's `..2026_12_05_...` targets.
    if (relative(registry.root, path).split(sep).some((part) => part.startsWith('.') && part !== '..')) return;
    const dir = registry.appDirOf(path) ?? (basename(path) === 'app.yaml' ? dirname(resolve(path)) : undefined);
    if (!dir) {
      if (basename(path) === 'opsdeck.yaml') log.warn({ file: path }, 'opsdeck.yaml changed; restart the server to apply it');
      return;
    }
    scheduleDir(dir);
  };

  // Reloads of one app run one after another, so two quick saves cannot swap out of order.
  const run = (dir: string): void => {
    timers.delete(dir);
    const previous = running.get(dir) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const result = await registry.reload(dir);
        options.onReload?.(dir, result);
      } catch (err) {
        log.error({ err, dir: join(dir, 'app.yaml') }, 'reload failed');
        options.onReload?.(dir, 'failed');
      }
    });
    running.set(dir, next);
  };

  const start = (): FSWatcher => {
    const watcher = chokidar.watch(registry.root, {
      ...chokidarOptions,
      ignored: (path, stats) => {
        const name = basename(path);
        if (name === 'node_modules' || name === '.git' || name === '.opsdeck') return true;
        if (stats?.isFile()) return isEditorTempFile(path) || !WATCHED_EXTENSIONS.has(extname(name));
        return false;
      },
    });
    watcher.on('add', schedule).on('change', schedule).on('unlink', schedule);
    watcher.on('addDir', () => links.check()).on('unlinkDir', () => links.check());
    watcher.on('error', (err) => log.error({ err }, 'file watcher error'));
    return watcher;
  };

  // A swapped link: reload every app under it once, and watch the new target from now on.
  const onSwap = (changed: string[]): void => {
    const dirs = new Set<string>();
    for (const link of changed) {
      // A linked file, such as app.yaml -> ..data/app.yaml, belongs to the app around it.
      const owner = registry.appDirOf(link);
      if (owner !== undefined) dirs.add(owner);
      for (const app of registry.list()) if (app.dir === link || app.dir.startsWith(`${link}/`)) dirs.add(app.dir);
      for (const dir of discoverApps(link)) dirs.add(resolve(dir));
    }
    log.info({ links: changed.length, apps: dirs.size }, 'symbolic link swapped; reloading the apps under it');
    for (const dir of dirs) scheduleDir(dir);
    if (closed) return;
    const old = watcher;
    watcher = start();
    void old.close();
  };

  const links = new LinkTargets(registry.root, () => registry.list().map((app) => app.dir), onSwap);
  let watcher = start();
  // The served folder itself may be a link, whose swap is a rename in its parent folder.
  const parent = links.rootIsLink ? chokidar.watch(dirname(registry.root), { ...chokidarOptions, depth: 0, followSymlinks: false }).on('all', () => links.check()) : undefined;
  const pollTimer = polling ? setInterval(() => links.check(), options.intervalMs ?? 1000) : undefined;
  pollTimer?.unref();

  return {
    ready: new Promise((resolveReady) => watcher.once('ready', () => resolveReady())),
    async close() {
      closed = true;
      clearInterval(pollTimer);
      links.stop();
      for (const timer of timers.values()) clearTimeout(timer);
      await Promise.all([watcher.close(), parent?.close()]);
      await Promise.all(running.values());
    },
  };
}

/**
 * The targets of the symbolic links that decide what is served: the served
 * folder, the entries directly in it and those directly in each app folder
 * (`app.yaml -> ..data/app.yaml` in a ConfigMap volume). `check` (debounced)
 * compares them with the last seen targets and reports the links whose
 * target changed.
 */
class LinkTargets {
  readonly #root: string;
  readonly #appDirs: () => string[];
  readonly #onSwap: (changed: string[]) => void;
  #targets: Map<string, string>;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(root: string, appDirs: () => string[], onSwap: (changed: string[]) => void) {
    this.#root = root;
    this.#appDirs = appDirs;
    this.#onSwap = onSwap;
    this.#targets = this.#read();
  }

  get rootIsLink(): boolean {
    return this.#targets.has(this.#root);
  }

  /** Looks at the links again after the debounce, so one swap that fires many events is one check. */
  check(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#compare(), RELOAD_DEBOUNCE_MS);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #compare(): void {
    if (this.#stopped) return;
    const now = this.#read();
    const changed = [...new Set([...now.keys(), ...this.#targets.keys()])].filter((link) => now.get(link) !== this.#targets.get(link));
    this.#targets = now;
    if (changed.length === 0) return;
    // The served folder swapped: everything under it is new.
    this.#onSwap(changed.includes(this.#root) ? [this.#root] : changed);
  }

  #read(): Map<string, string> {
    const targets = new Map<string, string>();
    const add = (path: string): void => {
      try {
        if (lstatSync(path).isSymbolicLink()) targets.set(path, realpathSync(path));
      } catch {
        // Gone or dangling: not a target.
      }
    };
    add(this.#root);
    for (const dir of new Set([this.#root, ...this.#appDirs()])) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) if (!name.startsWith('.')) add(join(dir, name));
    }
    return targets;
  }
}
