// Runs the database-aware spec checks for `opsdeck validate`: each app's
// SQLite data sources are opened as in-memory copies (the database file if
// it exists, else its seed), with migrations applied, and nothing is written.
import { pino } from 'pino';
import { resolve } from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import type { AppFile } from './app-files.js';
import { MigrationError, SqliteDatasource } from './datasources/sqlite.js';
import { checkAgainstDatabases } from './spec-check.js';

/** Checks every app that has no errors yet; returns the new diagnostics. */
export async function checkAppsAgainstDatabases(apps: AppFile[], known: Diagnostic[]): Promise<Diagnostic[]> {
  const log = pino({ level: 'silent' });
  const found: Diagnostic[] = [];
  for (const app of apps) {
    if (!app.model || known.some((d) => d.file === app.file && d.severity === 'error')) continue;
    const sources = new Map<string, SqliteDatasource>();
    try {
      for (const [name, spec] of Object.entries(app.model.datasources)) {
        sources.set(
          name,
          await SqliteDatasource.openInMemory({
            file: resolve(app.dir, spec.file),
            seed: spec.seed ? resolve(app.dir, spec.seed) : undefined,
            migrations: spec.migrations ? resolve(app.dir, spec.migrations) : undefined,
            log,
          }),
        );
      }
      found.push(...checkAgainstDatabases(app.model, app.file, app.text, sources));
    } catch (err) {
      if (err instanceof MigrationError) {
        found.push({ code: 'migration-failed', severity: 'error', file: err.file, line: 1, col: 1, path: [], message: err.message, hint: 'Fix the migration; it ran in a transaction, so nothing of it was applied.' });
      } else {
        found.push({ code: 'datasource-failed', severity: 'error', file: app.file, line: 1, col: 1, path: ['datasources'], message: `a data source could not be opened: ${(err as Error).message}`, hint: 'Check the file, seed and migrations paths.' });
      }
    } finally {
      for (const source of sources.values()) source.close();
    }
  }
  return found;
}
