// Starts Opsdeck on a folder of apps: settings, registry, audit log, koa app,
// metrics, file watcher and the HTTP listener, and stops them in reverse
// order, letting requests in flight finish first.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';
import type { Diagnostic } from '../core/diagnostics.js';
import { openSystemStore, type SystemStore } from './system-store/open.js';
import { AppEvents } from './events.js';
import { createKoaApp } from './http/app.js';
import { OpsdeckMetrics } from './http/metrics.js';
import { RequestDrain } from './http/request-drain.js';
import { FileRunStore } from './jobs/file-store.js';
import { JobRunner } from './jobs/runner.js';
import { exportRunExecutor } from './jobs/export-run.js';
import { Scheduler } from './jobs/scheduler.js';
import type { IdentityMode } from './http/identify.js';
import type { Identity } from './identity.js';
import type { Logger } from './log.js';
import { OidcClient } from './oidc/client.js';
import { Registry } from './registry.js';
import { loadSettingsFile, type RuntimeSettings } from './settings-file.js';
import { watchSpecs, type SpecWatcher } from './watcher.js';

export interface ServeOptions {
  root: string;
  log: Logger;
  /** Overrides of opsdeck.yaml, from command-line flags. */
  port?: number;
  host?: string;
  identity?: 'dev' | 'proxy';
  /** Environment whose overlay `opsdeck.<environment>.yaml` is merged over opsdeck.yaml. */
  environment?: string;
  /** Production mode (`--production` or NODE_ENV=production): refuses the dev identity mode. */
  production?: boolean;
  /** Watch the folder and hot-reload apps (default true). */
  watch?: boolean;
  /** Folder of the built UI (default: dist/ui next to this file's build). */
  uiDir?: string;
  /** Called after each OIDC sign-in, with the new identity. */
  onSignIn?: (identity: Identity) => void;
  /** Receives the diagnostics of each rejected spec change. */
  onSpecRejected?: (diagnostics: Diagnostic[]) => void;
  /** False: never start scheduled runs (for tests that drive the scheduler themselves). */
  schedules?: boolean;
}

export interface Opsdeck {
  app: Koa;
  registry: Registry;
  events: AppEvents;
  settings: RuntimeSettings;
  jobs: JobRunner;
  /** Prometheus metrics; undefined when opsdeck.yaml sets `metrics.enabled: false`. */
  metrics?: OpsdeckMetrics;
  /** Resolves once the watcher reports changes (immediately when not watching). */
  watching: Promise<void>;
  close(): Promise<void>;
}

export interface RunningServer extends Opsdeck {
  url: string;
  server: Server;
}

const DEFAULT_UI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'ui');

/** Builds everything but the listener; tests use this to send requests in-process. */
export async function createOpsdeck(options: ServeOptions): Promise<Opsdeck> {
  const root = resolve(options.root);
  const settings = loadSettingsFile(root, { port: options.port, host: options.host, identity: options.identity }, process.env, options.environment);
  if (options.production && settings.identity.mode === 'dev') throw new Error(devInProduction(root, options.identity === 'dev'));
  const { log } = options;

  const events = new AppEvents();
  const registry = new Registry(root, log, events, options.onSpecRejected);
  await registry.loadAll();

  // The audit log and approvals: files under .opsdeck/, or PostgreSQL (store: in opsdeck.yaml; see docs/system-store.md).
  let store: SystemStore;
  try {
    store = await openSystemStore(settings.store, { root, auditFile: settings.auditFile, log });
  } catch (err) {
    await registry.close();
    throw err;
  }
  const { audit } = store;
  const identity: IdentityMode = settings.identity.mode === 'proxy' ? { mode: 'proxy', ...settings.identity.proxy } : { mode: settings.identity.mode };
  let oidc: OidcClient | undefined;
  if (settings.identity.mode === 'oidc') {
    if (settings.identity.oidc === undefined) throw new Error('identity mode "oidc" needs `identity.oidc` in opsdeck.yaml: the issuer, client id, client secret and redirect URL.');
    oidc = new OidcClient(settings.identity.oidc, log);
    // An unreachable provider does not stop the start: /auth/login returns 503 and tries discovery again.
    await oidc.start();
  }
  // Jobs: runs that were going on when the server stopped become interrupted; schedules pick up missed slots.
  const runner = new JobRunner({
    registry,
    store: store.runs ?? new FileRunStore(join(root, '.opsdeck', 'jobs.jsonl'), log),
    audit,
    log,
    executors: { export: exportRunExecutor({ folder: join(root, '.opsdeck', 'exports'), audit, log }) },
    dispatch: store.dispatch,
  });
  const scheduler = options.schedules === false ? undefined : new Scheduler(store.slots ?? join(root, '.opsdeck', 'schedules.json'), registry, runner, log);
  const metrics = settings.metrics.enabled ? new OpsdeckMetrics({ jobs: runner.store }) : undefined;
  metrics?.countDenials(audit);
  const app = createKoaApp({
    registry,
    events,
    audit,
    approvalStore: store.approvals,
    log,
    jobs: { runner, scheduler },
    mode: settings.identity.mode,
    sessionMaxAgeMs: settings.sessionMaxAgeHours * 3_600_000,
    identity,
    oidc,
    onSignIn: options.onSignIn,
    keys: [settings.sessionSecret ?? devSessionSecret(root)],
    trustedProxies: settings.identity.proxy.trustedProxies,
    uiDir: options.uiDir ?? DEFAULT_UI_DIR,
    metrics,
    metricsAllowFrom: settings.metrics.allowFrom,
    sessions: store.sessions,
  });

  let watcher: SpecWatcher | undefined;
  if (options.watch !== false) {
    watcher = watchSpecs(registry, log, { mode: settings.watch.mode, intervalMs: settings.watch.intervalMs, onReload: (_dir, result) => metrics?.specReload(result) });
  }
  await runner.recover();
  await scheduler?.start();

  return {
    app,
    registry,
    events,
    settings,
    watching: watcher?.ready ?? Promise.resolve(),
    jobs: runner,
    metrics,
    async close() {
      scheduler?.stop();
      await watcher?.close();
      await runner.close();
      await registry.close();
      await store.close();
    },
  };
}

/** Starts the HTTP listener. Dev identity refuses any host but 127.0.0.1. */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const opsdeck = await createOpsdeck(options);
  const { settings, log } = { settings: opsdeck.settings, log: options.log };
  const host = settings.host === 'localhost' ? '127.0.0.1' : settings.host;
  if (settings.identity.mode === 'dev' && host !== '127.0.0.1') {
    await opsdeck.close();
    throw new Error(`the dev identity mode only listens on 127.0.0.1, not ${settings.host}; use identity mode "proxy" to serve other addresses.`);
  }

  const drain = new RequestDrain();
  const server = createServer(drain.wrap(opsdeck.app.callback()));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(settings.port, host, () => resolveListen());
  }).catch(async (err: NodeJS.ErrnoException) => {
    await opsdeck.close();
    if (err.code === 'EADDRINUSE') throw new Error(`port ${settings.port} on ${host} is already in use; stop the other server or choose another port with --port.`);
    throw err;
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  log.info({ url, apps: opsdeck.registry.list().map((app) => app.id), identity: settings.identity.mode }, 'listening');

  return {
    ...opsdeck,
    url,
    server,
    /** Stops gracefully: no new connections, requests in flight finish (up to `server.shutdownTimeoutMs`), then jobs stop at their next chunk and data sources close. */
    async close() {
      const { cut } = await drain.drain(server, settings.shutdownTimeoutMs);
      if (cut > 0) log.warn({ requests: cut, timeoutMs: settings.shutdownTimeoutMs }, 'closed connections of requests still open at shutdown');
      await opsdeck.close();
    },
  };
}

/** Message of the refusal to start the dev identity mode in production. */
function devInProduction(root: string, fromFlag: boolean): string {
  const source = fromFlag ? 'The mode comes from --identity dev.' : `The mode comes from identity.mode in ${join(root, 'opsdeck.yaml')}, which is dev when unset.`;
  return (
    `identity mode "dev" lets anyone sign in as any user, so production mode (--production or NODE_ENV=production) refuses it. ${source} ` +
    'Set `identity.mode: proxy` or `oidc` in opsdeck.yaml, or for local development run without --production and with NODE_ENV other than "production".'
  );
}

/** A random secret kept in .opsdeck/session.key, so dev sessions survive a restart. */
function devSessionSecret(root: string): string {
  const file = join(root, '.opsdeck', 'session.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
