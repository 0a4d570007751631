// Throwaway in-memory copies of an app's databases for tests: the seed (or an
// empty database) with the migrations applied. Each test opens its own copy,
// so tests never see each other's rows, and the app's working database is
// never opened.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AppModel } from '../../core/model.js';
import type { Datasource } from '../datasources/datasource.js';
import { SqliteDatasource } from '../datasources/sqlite.js';
import type { Logger } from '../log.js';

/** Opens the databases for the tests of one run; call remove() when done. */
export class ScratchDatabases {
  // openInMemory reads an existing database file before the seed, so each copy
  // is named after a file in an empty folder of its own, which is never written.
  readonly #folder = mkdtempSync(join(tmpdir(), 'opsdeck-test-db-'));
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /**
   * Opens a fresh copy of each data source of the app: its seed database when
   * it has one and `seed` is true, else an empty database, with the
   * migrations applied either way.
   */
  async open(app: AppModel, appDir: string, seed: boolean): Promise<Map<string, Datasource>> {
    const out = new Map<string, Datasource>();
    try {
      for (const [id, spec] of Object.entries(app.datasources)) {
        // HTTP APIs are never called from tests, so tests of the app's SQLite queries and actions still run.
        if (spec.kind === 'http') continue;
        // NOTE: app tests need a throwaway copy of each database; PostgreSQL data sources have none yet, so their apps cannot be tested here.
        if (spec.kind !== 'sqlite') throw new Error(`data source \`${id}\` is of kind ${String(spec.kind)}, and opsdeck test opens only sqlite data sources`);
        const seedFile = seed && spec.seed !== undefined ? resolve(appDir, spec.seed) : undefined;
        // openInMemory falls back to an empty database when the seed is missing, which would make every row check fail for an unclear reason.
        if (seedFile !== undefined && !existsSync(seedFile)) throw new Error(`the seed database ${spec.seed} of data source \`${id}\` was not found; fix \`seed:\` or add \`seed: false\` to the test`);
        const source = await SqliteDatasource.openInMemory({
          file: join(this.#folder, `${id}.sqlite`),
          seed: seedFile,
          migrations: spec.migrations === undefined ? undefined : resolve(appDir, spec.migrations),
          log: this.#log,
        });
        out.set(id, source);
      }
    } catch (error) {
      for (const source of out.values()) await source.close();
      throw error;
    }
    return out;
  }

  /** Deletes the run's temporary folder. */
  remove(): void {
    rmSync(this.#folder, { recursive: true, force: true });
  }
}
