// Runs the database-aware spec checks for `opsdeck validate`, changing no
// database: SQLite data sources are opened as in-memory copies (the database
// file if it exists, else its seed) with migrations applied. A PostgreSQL
// database is checked as it is, and only when it is reachable and has no
// pending migrations; otherwise a warning gives the reason it was skipped.
import { pino } from 'pino';
import type { Diagnostic } from '../core/diagnostics.js';
import { diagnosticAt } from '../core/load.js';
import type { AppFile } from './app-files.js';
import { DatasourceUnavailable, MigrationError, MissingEnvironmentVariable, type Datasource } from './datasources/datasource.js';
import { migrationsFolder, openDatasource } from './datasources/open.js';
import { PostgresDatasource } from './datasources/postgres.js';
import { checkAgainstDatabases } from './spec-check.js';

/** Checks every app that has no errors yet; returns the new diagnostics. */
export async function checkAppsAgainstDatabases(apps: AppFile[], known: Diagnostic[]): Promise<Diagnostic[]> {
  const log = pino({ level: 'silent' });
  const found: Diagnostic[] = [];
  for (const app of apps) {
    if (!app.model || !app.loaded || known.some((d) => d.file === app.file && d.severity === 'error')) continue;
    const spec = app.loaded;
    const sources = new Map<string, Datasource>();
    const opened: Datasource[] = [];
    const skipped = (name: string, reason: string): void => {
      const hasUrl = Object.hasOwn(app.model!.datasources[name], 'url');
      found.push(diagnosticAt(app.file, spec.positions, {
        code: 'datasource-unchecked',
        severity: 'warning',
        path: hasUrl ? ['datasources', name, 'url'] : ['datasources', name],
        part: hasUrl ? 'value' : 'key',
        message: `the SQL of data source \`${name}\` was not checked against its database: ${reason}`,
        hint: 'Run validate where the database is reachable and migrated to check the SQL before serving.',
      }));
    };
    try {
      for (const [name, spec] of Object.entries(app.model.datasources)) {
        // HTTP APIs are never called by validate: their requests are checked when the spec loads.
        if (spec.kind === 'http') continue;
        let source: Datasource;
        try {
          source = await openDatasource(spec, { name, dir: app.dir, log, inMemory: true });
        } catch (err) {
          if (!(err instanceof MissingEnvironmentVariable)) throw err;
          skipped(name, `the environment variable ${err.variable} is not set`);
          continue;
        }
        opened.push(source);
        if (source instanceof PostgresDatasource) {
          const folder = migrationsFolder(spec, app.dir);
          try {
            const pending = folder ? await source.pendingMigrations(folder) : [];
            if (pending.length > 0) {
              skipped(name, `${pending.length} migration(s) are not applied yet (${pending.join(', ')})`);
              continue;
            }
          } catch (err) {
            if (!(err instanceof DatasourceUnavailable)) throw err;
            skipped(name, err.reason);
            continue;
          }
        }
        sources.set(name, source);
      }
      found.push(...(await checkAgainstDatabases(app.model, spec, sources)));
    } catch (err) {
      if (err instanceof MigrationError) {
        found.push({ code: 'migration-failed', severity: 'error', file: err.file, line: 1, col: 1, path: [], message: err.message, hint: 'Fix the migration; it ran in a transaction, so nothing of it was applied.' });
      } else if (err instanceof DatasourceUnavailable) {
        found.push({ code: 'datasource-unchecked', severity: 'warning', file: app.file, line: 1, col: 1, path: ['datasources'], message: `the SQL was not checked against the database: ${err.reason}`, hint: 'Run validate where the database is reachable.' });
      } else {
        found.push({ code: 'datasource-failed', severity: 'error', file: app.file, line: 1, col: 1, path: ['datasources'], message: `a data source could not be opened: ${(err as Error).message}`, hint: 'Check the file, seed and migrations paths, and the URL.' });
      }
    } finally {
      for (const source of opened) await source.close();
    }
  }
  return found;
}
