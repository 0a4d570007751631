// Reads opsdeck.yaml at the root of the served folder, applies command-line
// overrides and resolves `${env:NAME}` references. Values are never logged.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSettings } from '../core/settings.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { diagnosticAt, loadYaml } from '../core/load.js';
import type { ProxyIdentityOptions } from './http/identify.js';

export interface RuntimeSettings {
  host: string;
  port: number;
  identity: { mode: 'dev' | 'proxy'; proxy: ProxyIdentityOptions };
  /** Audit log path, relative to the served folder unless absolute. */
  auditFile: string;
  sessionSecret?: string;
  sessionMaxAgeHours: number;
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

/** Loads the settings of a served folder; a missing opsdeck.yaml means all defaults. */
export function loadSettingsFile(root: string, overrides: SettingsOverrides = {}, env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
  const file = join(root, 'opsdeck.yaml');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '{}\n';
  const { settings, diagnostics } = buildSettings(text, file);
  if (!settings || diagnostics.some((d) => d.severity === 'error')) throw new SettingsError(diagnostics);

  let sessionSecret = settings.session.secret;
  if (sessionSecret !== undefined) {
    const match = ENV_REFERENCE.exec(sessionSecret);
    if (match) {
      sessionSecret = env[match[1]];
      if (!sessionSecret) {
        const loaded = loadYaml(file, text).loaded;
        const input = { code: 'env-missing', path: ['session', 'secret'], message: `session.secret refers to the environment variable ${match[1]}, which is not set`, hint: `Set ${match[1]} before starting the server.` };
        throw new SettingsError([loaded ? diagnosticAt(file, loaded.positions, input) : { ...input, severity: 'error', file, line: 1, col: 1 }]);
      }
    }
  }

  const proxy = settings.identity.proxy;
  return {
    host: overrides.host ?? settings.server.host,
    port: overrides.port ?? settings.server.port,
    identity: {
      mode: overrides.identity ?? settings.identity.mode,
      proxy: { trustedProxies: proxy.trustedProxies, userHeader: proxy.userHeader, groupsHeader: proxy.groupsHeader, nameHeader: proxy.nameHeader },
    },
    auditFile: settings.audit.file,
    sessionSecret,
    sessionMaxAgeHours: settings.session.maxAgeHours,
  };
}
