// The apps being served. Each app has one live version (model, enforcer, data
// sources); a reload builds the next version beside it and swaps it in whole,
// and a version that fails to load, validate or compile never replaces it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppModel } from '../core/model.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { contentOf } from '../core/build-app.js';
import { diagnosticAt, loadYaml, type DocPath } from '../core/load.js';
import type { DevUserSpec } from '../core/spec.js';
import { discoverApps, readApp, type AppFile } from './app-files.js';
import { AppHealth, DEFAULT_RETRY, type RetryOptions } from './app-health.js';
import { AppEnforcer } from './enforcer.js';
import { DatasourceUnavailable, MigrationError, MissingEnvironmentVariable, type Datasource } from './datasources/datasource.js';
import { migrationsFolder, openDatasource, openHttpDatasource } from './datasources/open.js';
import type { HttpDatasource } from './datasources/http.js';
import { PostgresDatasource } from './datasources/postgres.js';
import { SqliteDatasource } from './datasources/sqlite.js';
import { checkAgainstDatabases } from './spec-check.js';
import { specVersionOf } from './spec-version.js';
import type { AppEvents } from './events.js';
import type { Logger } from './log.js';

export interface LiveApp {
  id: string;
  dir: string;
  model: AppModel;
  enforcer: AppEnforcer;
  datasources: Map<string, Datasource>;
  /** HTTP data sources by id; they hold no connections, so a reload builds them anew. */
  services: Map<string, HttpDatasource>;
  /** Whether the app's databases can be reached; an unavailable app responds 503 until they can. */
  health: AppHealth;
  /** Diagnostics of the last rejected change, cleared by the next good one. */
  rejected?: Diagnostic[];
  /** Fingerprint of the spec, included and migration files of the live version. */
  fingerprint: string;
  /** Version shown to people and written to audit records: the git commit (with `-dirty`) or, outside git, the content hash `model.version`. */
  specVersion: string;
}

export type ReloadResult = 'unchanged' | 'reloaded' | 'rejected' | 'removed';

/** Raised at startup when an app cannot be served; carries the diagnostics. */
export class AppLoadError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`${diagnostics.filter((d) => d.severity === 'error').length} error(s) in the app specs`);
  }
}

export class Registry {
  readonly root: string;
  #apps = new Map<string, LiveApp>();
  #byDir = new Map<string, string>();
  #rejectedFingerprints = new Map<string, string>();
  #log: Logger;
  #events: AppEvents;

  #onRejected?: (diagnostics: Diagnostic[]) => void;
  #retry: RetryOptions;

  /**
   * `onRejected` receives the diagnostics of each change that was not swapped
   * in, such as for printing them to a terminal; `retry` sets how often an app
   * whose database is unreachable tries again.
   */
  constructor(root: string, log: Logger, events: AppEvents, onRejected?: (diagnostics: Diagnostic[]) => void, retry: RetryOptions = DEFAULT_RETRY) {
    this.root = resolve(root);
    this.#log = log;
    this.#events = events;
    this.#onRejected = onRejected;
    this.#retry = retry;
  }

  /** Loads every app under the root; throws AppLoadError listing all diagnostics when any app fails. */
  async loadAll(): Promise<void> {
    const dirs = discoverApps(this.root);
    const failures: Diagnostic[] = [];
    for (const dir of dirs) {
      const loaded = readApp(dir);
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      if (!loaded.model || errors.length > 0) {
        failures.push(...loaded.diagnostics);
        continue;
      }
      const clash = this.#apps.get(loaded.model.id);
      if (clash) {
        failures.push(diagnosticIn(loaded.file, loaded.text, ['id'], 'duplicate-app-id', `app id \`${loaded.model.id}\` is already used by ${join(clash.dir, 'app.yaml')}`, 'Give each app its own `id:`; the id appears in URLs and policies.'));
        continue;
      }
      try {
        const live = await this.#build(dir, loaded.model, loaded, new Map());
        this.#install(live);
      } catch (err) {
        failures.push(...buildDiagnostics(loaded.file, loaded.text, err));
      }
    }
    if (failures.some((d) => d.severity === 'error')) {
      await this.close();
      throw new AppLoadError(failures);
    }
  }

  get(id: string): LiveApp | undefined {
    return this.#apps.get(id);
  }

  list(): LiveApp[] {
    return [...this.#apps.values()];
  }

  /** Returns the app folder that contains `path`, if it belongs to a served app. */
  appDirOf(path: string): string | undefined {
    const absolute = resolve(path);
    let best: string | undefined;
    for (const dir of this.#byDir.keys()) {
      if ((absolute === dir || absolute.startsWith(`${dir}/`)) && (!best || dir.length > best.length)) best = dir;
    }
    return best;
  }

  /** Development users of every app, each id once. */
  devUsers(): DevUserSpec[] {
    const users = new Map<string, DevUserSpec>();
    for (const app of this.#apps.values()) for (const user of app.model.devUsers) if (!users.has(user.id)) users.set(user.id, user);
    return [...users.values()];
  }

  /** Loads the app folder again and swaps the new version in if it is valid and differs. */
  async reload(dir: string): Promise<ReloadResult> {
    const appDir = resolve(dir);
    const currentId = this.#byDir.get(appDir);
    const current = currentId ? this.#apps.get(currentId) : undefined;

    if (!existsSync(join(appDir, 'app.yaml'))) {
      // NOTE: a deleted app.yaml keeps the last version serving; removing an app takes a restart.
      this.#log.warn({ dir: appDir }, 'app.yaml removed; the last good version keeps serving until restart');
      return 'unchanged';
    }

    const loaded = readApp(appDir);
    const fingerprint = fingerprintOf(loaded, loaded.model, appDir);
    if (current && fingerprint === current.fingerprint) {
      // The files are back to the served version after a rejected change: tell open pages the errors are gone.
      if (current.rejected) {
        current.rejected = undefined;
        this.#rejectedFingerprints.delete(appDir);
        this.#log.info({ app: current.id }, 'spec restored to the served version');
        this.#events.publish(current.id, 'reload', { version: current.model.version });
        return 'reloaded';
      }
      return 'unchanged';
    }
    if (this.#rejectedFingerprints.get(appDir) === fingerprint) return 'unchanged';

    let problems = loaded.diagnostics.filter((d) => d.severity === 'error');
    if (loaded.model && problems.length === 0) {
      const other = this.#apps.get(loaded.model.id);
      if (other && other.dir !== appDir) {
        problems = [diagnosticIn(loaded.file, loaded.text, ['id'], 'duplicate-app-id', `app id \`${loaded.model.id}\` is already used by ${join(other.dir, 'app.yaml')}`, 'Give each app its own `id:`; the id appears in URLs and policies.')];
      } else if (current && loaded.model.id !== current.id) {
        // NOTE: renaming an app's id while serving would orphan open sessions and URLs; it takes a restart.
        problems = [diagnosticIn(loaded.file, loaded.text, ['id'], 'app-id-changed', `the app id changed from \`${current.id}\` to \`${loaded.model.id}\` while serving`, 'Restart the server to rename an app.')];
      }
    }

    if (!loaded.model || problems.length > 0) return this.#reject(appDir, current, fingerprint, problems.length > 0 ? problems : loaded.diagnostics);

    let next: LiveApp;
    try {
      next = await this.#build(appDir, loaded.model, loaded, current?.datasources ?? new Map());
    } catch (err) {
      return this.#reject(appDir, current, fingerprint, buildDiagnostics(loaded.file, loaded.text, err));
    }

    this.#install(next);
    this.#rejectedFingerprints.delete(appDir);
    if (current) {
      current.health.stop();
      for (const [name, source] of current.datasources) if (next.datasources.get(name) !== source) await closeQuietly(source, this.#log);
    }
    this.#log.info({ app: next.id, version: next.specVersion }, current ? 'app reloaded' : 'app added');
    this.#events.publish(next.id, 'reload', { version: next.model.version });
    return 'reloaded';
  }

  async close(): Promise<void> {
    for (const app of this.#apps.values()) {
      app.health.stop();
      for (const source of app.datasources.values()) await closeQuietly(source, this.#log);
    }
    this.#apps.clear();
    this.#byDir.clear();
  }

  #reject(appDir: string, current: LiveApp | undefined, fingerprint: string, diagnostics: Diagnostic[]): ReloadResult {
    this.#rejectedFingerprints.set(appDir, fingerprint);
    for (const d of diagnostics) {
      this.#log.error({ app: current?.id, file: d.file, line: d.line, col: d.col, code: d.code }, `spec rejected: ${d.message}`);
    }
    this.#onRejected?.(diagnostics);
    if (current) {
      current.rejected = diagnostics;
      this.#events.publish(current.id, 'invalid', { diagnostics });
    }
    return 'rejected';
  }

  #install(live: LiveApp): void {
    this.#apps.set(live.id, live);
    this.#byDir.set(live.dir, live.id);
  }

  /**
   * Builds a version: enforcer plus data sources, reusing data sources of the
   * previous version whose settings did not change. A version whose database
   * cannot be reached is still built, as unavailable; its migrations and
   * database checks run once the database answers.
   */
  async #build(dir: string, model: AppModel, files: AppFile, previous: Map<string, Datasource>): Promise<LiveApp> {
    const enforcer = await AppEnforcer.build(model.policy, this.#log);
    const datasources = new Map<string, Datasource>();
    const services = new Map<string, HttpDatasource>();
    const opened: Datasource[] = [];
    const closeOpened = async (): Promise<void> => {
      for (const source of opened) await closeQuietly(source, this.#log);
    };
    // A data source whose settings name an unset environment variable is left out, and the app is served as unavailable with the reason.
    const missing: MissingEnvironmentVariable[] = [];
    try {
      for (const [name, spec] of Object.entries(model.datasources)) {
        let source: Datasource;
        try {
          if (spec.kind === 'http') {
            services.set(name, openHttpDatasource(spec, { name, dir, log: this.#log }));
            continue;
          }
          source = await openDatasource(spec, { name, dir, log: this.#log });
        } catch (err) {
          if (!(err instanceof MissingEnvironmentVariable)) throw err;
          missing.push(err);
          continue;
        }
        const reuse = previous.get(name);
        if (reuse && sameSettings(reuse, source)) {
          await source.close();
          datasources.set(name, reuse);
          continue;
        }
        opened.push(source);
        datasources.set(name, source);
      }
    } catch (err) {
      await closeOpened();
      throw err;
    }

    const prepare = async (): Promise<void> => {
      for (const [name, source] of datasources) {
        await source.ping();
        const folder = migrationsFolder(model.datasources[name], dir);
        if (folder) await source.migrate(folder);
      }
      const problems = files.loaded === undefined ? [] : await checkAgainstDatabases(model, files.loaded, datasources);
      if (problems.length > 0) throw new SpecCheckError(problems);
    };
    const recover = async (): Promise<void> => {
      try {
        await prepare();
      } catch (err) {
        if (err instanceof SpecCheckError) this.#onRejected?.(err.diagnostics);
        throw err;
      }
    };
    const health = new AppHealth(model.id, this.#log, recover, this.#retry);
    if (missing.length > 0) {
      health.markMisconfigured(missingVariablesReason(missing));
      const specVersion = await specVersionOf(dir, model.version);
      return { id: model.id, dir, model, enforcer, datasources, services, health, fingerprint: fingerprintOf(files, model, dir), specVersion };
    }
    try {
      await prepare();
    } catch (err) {
      if (!(err instanceof DatasourceUnavailable)) {
        await closeOpened();
        throw err;
      }
      health.markUnavailable(err.reason);
    }
    const specVersion = await specVersionOf(dir, model.version);
    return { id: model.id, dir, model, enforcer, datasources, services, health, fingerprint: fingerprintOf(files, model, dir), specVersion };
  }
}

/** Explains which environment variables an app lacks and how to serve it; names variables only, never values. */
function missingVariablesReason(missing: MissingEnvironmentVariable[]): string {
  const variables = [...new Set(missing.map((err) => err.variable))];
  const details = missing.map((err) => err.message).join('; ');
  return `${details}. Set ${variables.join(' and ')} in the environment of the server and restart it`;
}

/** Returns true when a freshly opened data source has the same settings as one already open, so the open one can stay. */
function sameSettings(open: Datasource, fresh: Datasource): boolean {
  if (open instanceof SqliteDatasource && fresh instanceof SqliteDatasource) return open.file === fresh.file;
  if (open instanceof PostgresDatasource && fresh instanceof PostgresDatasource) return open.settingsKey === fresh.settingsKey;
  return false;
}

async function closeQuietly(source: Datasource, log: Logger): Promise<void> {
  try {
    await source.close();
  } catch (err) {
    log.warn({ err }, 'closing a data source failed');
  }
}

/** Hash of the spec, the files it includes and every migration file, so an unchanged save is not a reload. */
function fingerprintOf(files: AppFile, model: AppModel | undefined, dir: string): string {
  const hash = createHash('sha256').update(contentOf(files.sources));
  for (const spec of Object.values(model?.datasources ?? {})) {
    if (!spec.migrations) continue;
    const folder = resolve(dir, spec.migrations);
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder).filter((file) => file.endsWith('.sql')).sort()) {
      hash.update(`\0${name}\0`).update(readFileSync(join(folder, name)));
    }
  }
  return hash.digest('hex');
}

/** Builds a diagnostic at a node of the spec text, for problems only the runtime can see. */
function diagnosticIn(file: string, text: string, path: DocPath, code: string, message: string, hint: string): Diagnostic {
  const loaded = loadYaml(file, text).loaded;
  if (!loaded) return { code, severity: 'error', file, line: 1, col: 1, path, message, hint };
  return diagnosticAt(file, loaded.positions, { code, path, message, hint });
}

/** Raised by #build when the database-aware checks find problems. */
class SpecCheckError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`${diagnostics.length} problem(s) found against the database`);
  }
}

function buildDiagnostics(file: string, text: string, err: unknown): Diagnostic[] {
  if (err instanceof SpecCheckError) return err.diagnostics;
  if (err instanceof MigrationError) {
    return [{ code: 'migration-failed', severity: 'error', file: err.file, line: 1, col: 1, path: [], message: err.message, hint: 'Fix the migration; it ran in a transaction, so nothing of it was applied.' }];
  }
  return [datasourceDiagnostic(file, text, err)];
}

function datasourceDiagnostic(file: string, text: string, err: unknown): Diagnostic {
  const failure = err as Error & { datasource?: string };
  return diagnosticIn(file, text, ['datasources'], 'datasource-failed', `a data source could not be opened: ${failure.message}`, 'Check the file, seed and migrations paths, the URL and the migration SQL.');
}
