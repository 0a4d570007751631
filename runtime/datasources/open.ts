// Opens the data source a spec describes. `${env:NAME}` references in a
// PostgreSQL URL, an HTTP base URL or HTTP header values are resolved here,
// from the server's environment, so the resolved values exist only inside
// the data source object.
import { resolve } from 'node:path';
import type { DatasourceSpec, HttpDatasourceSpec, PostgresDatasourceSpec } from '../../core/spec.js';
import type { Logger } from '../log.js';
import { MissingEnvironmentVariable, type Datasource } from './datasource.js';
import { HttpDatasource } from './http.js';
import { PostgresDatasource } from './postgres.js';
import { SqliteDatasource } from './sqlite.js';

/** Default of `statementTimeoutMs`. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
/** Default of `pool.max`. */
export const DEFAULT_POOL_MAX = 10;

const ENV_REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface OpenOptions {
  /** Data source id. */
  name: string;
  /** App folder that relative paths start from. */
  dir: string;
  log: Logger;
  /** Environment that `${env:NAME}` reads; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Opens SQLite as a throwaway in-memory copy that never writes its file. */
  inMemory?: boolean;
}

/**
 * Opens a data source. SQLite files are opened, seeded and migrated at once;
 * a PostgreSQL pool connects on first use, so an unreachable server does not
 * fail here, and its migrations run through `migrate()`.
 */
export async function openDatasource(spec: DatasourceSpec, options: OpenOptions): Promise<Datasource> {
  if (spec.kind === 'http') throw new Error(`data source \`${options.name}\` is of kind http; open it with openHttpDatasource`);
  if (spec.kind === 'postgres') return openPostgres(spec, options);
  const sqliteOptions = {
    file: resolve(options.dir, spec.file),
    seed: spec.seed ? resolve(options.dir, spec.seed) : undefined,
    migrations: spec.migrations ? resolve(options.dir, spec.migrations) : undefined,
    log: options.log,
  };
  return options.inMemory ? SqliteDatasource.openInMemory(sqliteOptions) : SqliteDatasource.open(sqliteOptions);
}

function openPostgres(spec: PostgresDatasourceSpec, options: OpenOptions): PostgresDatasource {
  return new PostgresDatasource({
    name: options.name,
    url: resolveEnvReferences(options.name, spec.url, options.env ?? process.env),
    schema: spec.schema,
    statementTimeoutMs: spec.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    poolMax: spec.pool?.max ?? DEFAULT_POOL_MAX,
    log: options.log,
  });
}

/** Opens an HTTP data source; `${env:…}` in its base URL and header values are resolved here. */
export function openHttpDatasource(spec: HttpDatasourceSpec, options: OpenOptions): HttpDatasource {
  const env = options.env ?? process.env;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.headers ?? {})) headers[name] = resolveEnvReferences(options.name, value, env, `header ${name}`);
  return HttpDatasource.fromSpec(options.name, spec, resolveEnvReferences(options.name, spec.baseUrl, env, 'base URL'), headers, options.log);
}

/**
 * Replaces each `${env:NAME}` by the variable's value, and each
 * `${env:NAME:-default}` by the value or, when the variable is unset or
 * empty, the default. Raises MissingEnvironmentVariable for the first
 * variable without a value or default; `setting` names what it fills in.
 */
export function resolveEnvReferences(datasource: string, text: string, env: NodeJS.ProcessEnv, setting = 'URL'): string {
  return text.replace(ENV_REFERENCE, (_reference, variable: string, fallback: string | undefined) => {
    const value = env[variable];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new MissingEnvironmentVariable(datasource, variable, setting);
  });
}

/** Returns the migrations folder of a spec as an absolute path, if it has one. */
export function migrationsFolder(spec: DatasourceSpec, dir: string): string | undefined {
  return spec.migrations === undefined ? undefined : resolve(dir, spec.migrations);
}
