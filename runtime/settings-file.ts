// Reads opsdeck.yaml at the root of the served folder, applies command-line
// overrides and resolves `${env:NAME}` references. Values are never logged.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSettingsLayers, resolveEnvRefs, type OidcSettings, type SettingsLayer, type StoreSettings } from '../core/settings.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { diagnosticAt, type LoadedDocument } from '../core/load.js';
import type { ProxyIdentityOptions } from './http/identify.js';

export interface RuntimeSettings {
  host: string;
  port: number;
  identity: { mode: 'dev' | 'proxy' | 'oidc'; proxy: ProxyIdentityOptions; oidc?: OidcSettings };
  /** Audit log path, relative to the served folder unless absolute. */
  auditFile: string;
  sessionSecret?: string;
  sessionMaxAgeHours: number;
  /** Milliseconds a stopping server waits for requests in flight. */
  shutdownTimeoutMs: number;
  metrics: { enabled: boolean; allowFrom?: string[] };
  watch: { mode: 'events' | 'poll'; intervalMs: number };
  /** The system store, with `${env:NAME}` in its URL resolved; the URL is never logged. */
  store: StoreSettings;
}

/** Raised when opsdeck.yaml is invalid or names an unset environment variable. */
export class SettingsError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
  }
}

export interface SettingsOverrides {
  port?: number;
  host?: string;
  identity?: 'dev' | 'proxy';
}

const ENV_REFERENCE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Names an environment may have: it becomes part of the file name `opsdeck.<name>.yaml`. */
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Raised when `--env` (or OPSDECK_ENV) names an environment without an overlay file; the message lists the environments that exist. */
export class UnknownEnvironment extends Error {}

/** Returns the environments that have an overlay file `opsdeck.<name>.yaml` in `root`, sorted. */
export function listEnvironments(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .map((name) => /^opsdeck\.(.+)\.yaml$/.exec(name)?.[1])
    .filter((name): name is string => name !== undefined && ENVIRONMENT_NAME.test(name))
    .sort();
}

/**
 * Reads `opsdeck.yaml` of a served folder (`{}` when missing) and, with an
 * environment, the overlay `opsdeck.<environment>.yaml` merged over it.
 * Raises UnknownEnvironment for an invalid name or a missing overlay.
 */
export function readSettingsLayers(root: string, environment?: string): SettingsLayer[] {
  const file = join(root, 'opsdeck.yaml');
  const layers = [{ file, text: existsSync(file) ? readFileSync(file, 'utf8') : '{}\n' }];
  if (environment === undefined) return layers;

  const known = listEnvironments(root);
  const available = known.length === 0 ? 'there is no overlay file yet' : `the environments there are ${known.join(', ')}`;
  if (!ENVIRONMENT_NAME.test(environment)) {
    throw new UnknownEnvironment(`environment name "${environment}" is invalid: use letters, digits, \`-\` and \`_\`, starting with a letter or digit (${available})`);
  }
  const overlay = join(root, `opsdeck.${environment}.yaml`);
  if (!existsSync(overlay)) {
    throw new UnknownEnvironment(`unknown environment "${environment}": ${overlay} does not exist (${available}); create it or pick another --env`);
  }
  layers.push({ file: overlay, text: readFileSync(overlay, 'utf8') });
  return layers;
}

/**
 * Loads the settings of a served folder; a missing opsdeck.yaml means all
 * defaults. With `environment`, its overlay is merged over opsdeck.yaml.
 */
export function loadSettingsFile(root: string, overrides: SettingsOverrides = {}, env: NodeJS.ProcessEnv = process.env, environment?: string): RuntimeSettings {
  const { settings, diagnostics, loaded } = buildSettingsLayers(readSettingsLayers(root, environment));
  if (!settings || !loaded || diagnostics.some((d) => d.severity === 'error')) throw new SettingsError(diagnostics);

  let sessionSecret = settings.session.secret;
  if (sessionSecret !== undefined) {
    const match = ENV_REFERENCE.exec(sessionSecret);
    if (match) {
      sessionSecret = env[match[1]];
      if (!sessionSecret) {
        const input = { code: 'env-missing', path: ['session', 'secret'], message: `session.secret refers to the environment variable ${match[1]}, which is not set`, hint: `Set ${match[1]} before starting the server.` };
        throw new SettingsError([diagnosticAt(loaded.file, loaded.positions, input)]);
      }
    }
  }

  let oidc = settings.identity.oidc;
  if (oidc !== undefined) {
    const secret = resolveEnvRefs(oidc.clientSecret, env);
    if (!secret.ok) {
      const input = { code: 'env-missing', path: ['identity', 'oidc', 'clientSecret'], message: `identity.oidc.clientSecret: ${secret.message}`, hint: secret.hint };
      throw new SettingsError([diagnosticAt(loaded.file, loaded.positions, input)]);
    }
    oidc = { ...oidc, clientSecret: secret.value };
  }

  const proxy = settings.identity.proxy;
  const proxySecret = resolveSecret(proxy.secret, ['identity', 'proxy', 'secret'], loaded, env);
  return {
    host: overrides.host ?? settings.server.host,
    port: overrides.port ?? settings.server.port,
    identity: {
      mode: overrides.identity ?? settings.identity.mode,
      proxy: { trustedProxies: proxy.trustedProxies, userHeader: proxy.userHeader, groupsHeader: proxy.groupsHeader, nameHeader: proxy.nameHeader, attributeHeaders: proxy.attributeHeaders, secret: proxySecret, secretHeader: proxy.secretHeader },
      oidc,
    },
    auditFile: settings.audit.file,
    sessionSecret,
    sessionMaxAgeHours: settings.session.maxAgeHours,
    shutdownTimeoutMs: settings.server.shutdownTimeoutMs,
    metrics: settings.metrics,
    watch: settings.watch,
    store: resolveStore(settings.store, loaded, env),
  };
}

/** Returns the store settings with `${env:NAME}` in `store.url` replaced; raises SettingsError naming the variable (never a value) when it is unset. */
export function resolveStore(store: StoreSettings, loaded: LoadedDocument, env: NodeJS.ProcessEnv): StoreSettings {
  if (store.kind !== 'postgres') return store;
  const url = resolveEnvRefs(store.url, env);
  if (url.ok) return { ...store, url: url.value };
  const input = { code: 'env-missing', path: ['store', 'url'], message: `store.url: ${url.message}`, hint: url.hint };
  throw new SettingsError([diagnosticAt(loaded.file, loaded.positions, input)]);
}

/** Returns a secret setting with a whole-value `${env:NAME}` replaced by that variable; raises SettingsError when the variable is unset. */
function resolveSecret(value: string | undefined, path: string[], loaded: LoadedDocument, env: NodeJS.ProcessEnv): string | undefined {
  const match = value === undefined ? null : ENV_REFERENCE.exec(value);
  if (!match) return value;
  const resolved = env[match[1]];
  if (resolved) return resolved;
  const input = { code: 'env-missing', path, message: `${path.join('.')} refers to the environment variable ${match[1]}, which is not set`, hint: `Set ${match[1]} before starting the server.` };
  throw new SettingsError([diagnosticAt(loaded.file, loaded.positions, input)]);
}
