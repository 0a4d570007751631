// Deployment settings (`opsdeck.yaml`): loaded and checked like a spec, with defaults filled in.
import type { Diagnostic } from './diagnostics.js';
import { diagnosticAt, loadYaml, type DocPath, type LoadedDocument } from './load.js';
import { MergedPositions } from './merged-positions.js';
import { parseIpRange } from './ip-range.js';
import { validateSettingsSchema } from './schema-validators.js';
import { schemaDiagnostics } from './validate.js';

/** Settings of a served folder after defaults are applied. `${env:NAME}` strings are left for the runtime to resolve. */
export interface Settings {
  identity: {
    mode: 'dev' | 'proxy' | 'oidc';
    proxy: {
      /** IP addresses whose identity headers are believed; empty outside proxy mode. */
      trustedProxies: string[];
      userHeader: string;
      groupsHeader: string;
      nameHeader?: string;
      /** Identity attribute name to the header that carries it, such as `region: X-Forwarded-Region`; row rules read them as `user.<name>`. */
      attributeHeaders?: Record<string, string>;
      /** Shared secret the proxy sends in `secretHeader`, normally `${env:NAME}`; without it any trusted peer is believed. */
      secret?: string;
      /** Header carrying `secret`; the runtime defaults it to `X-Opsdeck-Proxy-Secret`. */
      secretHeader?: string;
    };
    /** OpenID Connect sign-in; set only when `opsdeck.yaml` has `identity.oidc`. */
    oidc?: OidcSettings;
  };
  server: {
    host: string;
    port: number;
    /** Milliseconds that a stopping server waits for requests in flight before it closes their connections. */
    shutdownTimeoutMs: number;
  };
  audit: { file: string };
  session: { secret?: string; maxAgeHours: number };
  /** Prometheus metrics at `GET /metrics`. */
  metrics: {
    enabled: boolean;
    /** IP addresses and CIDR ranges that may read /metrics; unset means any peer. */
    allowFrom?: string[];
  };
  /** File watching of the served folder, which reloads changed specs. */
  watch: {
    /** `events`: the operating system reports changes. `poll`: the folder is read again every `intervalMs`. */
    mode: 'events' | 'poll';
    /** Milliseconds between two reads of the folder in `poll` mode. */
    intervalMs: number;
  };
  /** Where Opsdeck keeps its own records (audit log, approvals): files under `.opsdeck/`, or a PostgreSQL schema. */
  store: StoreSettings;
}

/** The system store: `files` (the default) or a PostgreSQL schema; `url` is normally `${env:NAME}` until the runtime resolves it. */
export type StoreSettings = { kind: 'files' } | { kind: 'postgres'; url: string; schema: string };

/** Schema the PostgreSQL system store uses when `store.schema` is left out. */
export const DEFAULT_STORE_SCHEMA = 'opsdeck';

/** Sign-in through an OpenID Connect provider (`identity.mode: oidc`). */
export interface OidcSettings {
  /** Issuer URL; its `/.well-known/openid-configuration` is read at start. */
  issuer: string;
  clientId: string;
  /** Client secret, usually `${env:NAME}` until the runtime resolves it. */
  clientSecret: string;
  /** Public URL of `/auth/callback`, registered at the provider. */
  redirectUrl: string;
  scopes: string[];
  groupsClaim: string;
  nameClaim: string;
  /** Claims copied into the identity's attributes, under the claim's name. */
  attributeClaims: string[];
  postLogoutRedirectUrl?: string;
}

/** Values used for the keys that `identity.oidc` leaves out. */
export const DEFAULT_OIDC = { scopes: ['openid', 'email', 'profile'], groupsClaim: 'groups', nameClaim: 'name', attributeClaims: [] as string[] };

/** Settings used for every key that `opsdeck.yaml` leaves out. */
export const DEFAULT_SETTINGS: Settings = {
  identity: { mode: 'dev', proxy: { trustedProxies: [], userHeader: 'X-Forwarded-Email', groupsHeader: 'X-Forwarded-Groups' } },
  server: { host: '127.0.0.1', port: 3000, shutdownTimeoutMs: 10_000 },
  audit: { file: '.opsdeck/audit.jsonl' },
  session: { maxAgeHours: 12 },
  metrics: { enabled: true },
  watch: { mode: 'events', intervalMs: 1000 },
  store: { kind: 'files' },
};

type SettingsFile = {
  identity?: { mode?: Settings['identity']['mode']; proxy?: Partial<Settings['identity']['proxy']>; oidc?: Partial<OidcSettings> };
  server?: Partial<Settings['server']>;
  audit?: Partial<Settings['audit']>;
  session?: Partial<Settings['session']>;
  metrics?: Partial<Settings['metrics']>;
  watch?: Partial<Settings['watch']>;
  store?: { kind?: 'files' | 'postgres'; url?: string; schema?: string };
};

/** One settings file: `opsdeck.yaml`, or an environment overlay such as `opsdeck.staging.yaml`. */
export interface SettingsLayer {
  file: string;
  text: string;
}

/** Settings after defaults, with the merged document whose positions point into each layer's file. */
export interface SettingsResult {
  settings?: Settings;
  diagnostics: Diagnostic[];
  loaded?: LoadedDocument;
}

/**
 * Parses and checks the text of `opsdeck.yaml`, then applies defaults.
 * An empty file means all defaults. Proxy mode without `identity.proxy.trustedProxies` is an error.
 */
export function buildSettings(text: string, file: string): { settings?: Settings; diagnostics: Diagnostic[] } {
  const { settings, diagnostics } = buildSettingsLayers([{ file, text }]);
  return settings === undefined ? { diagnostics } : { settings, diagnostics };
}

/**
 * Merges settings files in order, each over the ones before it: maps merge
 * key by key, and any other value (a list included) replaces the earlier one.
 * The merged settings are checked like one file, and each diagnostic points
 * at the file that set the value.
 */
export function buildSettingsLayers(layers: SettingsLayer[]): SettingsResult {
  const failures: Diagnostic[] = [];
  let loaded: LoadedDocument | undefined;
  let positions: MergedPositions | undefined;
  for (const layer of layers) {
    const source = layer.text.trim() === '' || isOnlyComments(layer.text) ? '{}' : layer.text;
    const result = loadYaml(layer.file, source);
    if (result.loaded === undefined) {
      failures.push(...result.diagnostics);
      continue;
    }
    if (loaded === undefined || positions === undefined) {
      positions = new MergedPositions(result.loaded.positions);
      loaded = { ...result.loaded, positions };
      continue;
    }
    overlay(loaded.data, result.loaded.data, [], (path) => positions!.mount(path, layer.file, result.loaded!.positions));
  }
  if (failures.length > 0 || loaded === undefined) return { diagnostics: failures };

  const problems = schemaDiagnostics(validateSettingsSchema, loaded);
  if (problems.length > 0) return { diagnostics: problems };

  const data = loaded.data as SettingsFile;
  if (data.identity?.mode === 'proxy' && data.identity.proxy === undefined) {
    return { diagnostics: [proxyMissing(loaded)] };
  }
  const badProxies = [
    ...invalidAddresses(loaded, data.identity?.proxy?.trustedProxies ?? [], ['identity', 'proxy', 'trustedProxies'], 'trusted proxy'),
    ...invalidAddresses(loaded, data.metrics?.allowFrom ?? [], ['metrics', 'allowFrom'], 'metrics.allowFrom entry'),
  ];
  if (badProxies.length > 0) return { diagnostics: badProxies };
  const oidcProblems = oidcDiagnostics(loaded, data);
  if (oidcProblems.length > 0) return { diagnostics: oidcProblems };
  const storeProblems = storeDiagnostics(loaded, data);
  if (storeProblems.some((d) => d.severity === 'error')) return { diagnostics: storeProblems };
  const warnings: Diagnostic[] = [...storeProblems];
  const proxySecret = data.identity?.proxy?.secret;
  if (typeof proxySecret === 'string' && !/^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/.test(proxySecret)) {
    warnings.push(
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'secret-in-file',
        severity: 'warning',
        path: ['identity', 'proxy', 'secret'],
        message: 'identity.proxy.secret is written in the file, so everyone who can read the repository can send identity headers as the proxy',
        hint: 'Write `secret: ${env:OPSDECK_PROXY_SECRET}` and set that variable where the server runs.',
      }),
    );
  }
  const secret = data.session?.secret;
  if (typeof secret === 'string' && !/^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/.test(secret)) {
    warnings.push(
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'secret-in-file',
        severity: 'warning',
        path: ['session', 'secret'],
        message: 'session.secret is written in the file, so everyone who can read the repository can forge sessions',
        hint: 'Write `secret: ${env:OPSDECK_SESSION_SECRET}` and set that variable where the server runs.',
      }),
    );
  }
  const clientSecret = data.identity?.oidc?.clientSecret;
  if (typeof clientSecret === 'string' && !/^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/.test(clientSecret)) {
    warnings.push(
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'secret-in-file',
        severity: 'warning',
        path: ['identity', 'oidc', 'clientSecret'],
        message: 'identity.oidc.clientSecret is written in the file, so everyone who can read the repository can act as this client',
        hint: 'Write `clientSecret: ${env:OPSDECK_OIDC_CLIENT_SECRET}` and set that variable where the server runs.',
      }),
    );
  }
  return { settings: withDefaults(data), diagnostics: warnings, loaded };
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Writes `over` into `base`, calling `mounted` with the path of each value taken from `over`. */
function overlay(base: Record<string, unknown>, over: Record<string, unknown>, path: DocPath, mounted: (path: DocPath) => void): void {
  for (const [key, value] of Object.entries(over)) {
    const earlier = base[key];
    if (isPlainMap(earlier) && isPlainMap(value)) {
      const copy = { ...earlier };
      base[key] = copy;
      overlay(copy, value, [...path, key], mounted);
      continue;
    }
    base[key] = value;
    mounted([...path, key]);
  }
}

function isOnlyComments(text: string): boolean {
  return text.split('\n').every((line) => line.trim() === '' || line.trim().startsWith('#'));
}

/** Reports each entry of an address list (trusted proxies, metrics.allowFrom) that is not an IP address or a valid CIDR range, at the entry. */
function invalidAddresses(loaded: LoadedDocument, entries: string[], path: DocPath, label: string): Diagnostic[] {
  return entries.flatMap((entry, index) => {
    const parsed = parseIpRange(entry);
    if (!('error' in parsed)) return [];
    return [
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'invalid-proxy-address',
        path: [...path, index],
        message: `${label} "${entry}" is invalid: ${parsed.error}`,
        hint: 'Write an IP address such as `10.0.0.5` or `::1`, or a CIDR range such as `10.0.0.0/8` or `fd00::/8`.',
      }),
    ];
  });
}

function proxyMissing(loaded: LoadedDocument): Diagnostic {
  const position = loaded.positions.locate(['identity', 'mode']);
  return {
    code: 'schema-required',
    severity: 'error',
    file: position.file ?? loaded.file,
    line: position.line,
    col: position.col,
    path: ['identity', 'mode'],
    message: '`identity.mode: proxy` needs `identity.proxy.trustedProxies`, the addresses of the proxies to believe',
    hint: 'Add `proxy: { trustedProxies: [127.0.0.1] }` under `identity:` with the address your proxy connects from.',
  };
}

/** Checks `identity.oidc` beyond the schema: present in oidc mode, and a callback URL at `/auth/callback`. */
function oidcDiagnostics(loaded: LoadedDocument, data: SettingsFile): Diagnostic[] {
  const oidc = data.identity?.oidc;
  if (data.identity?.mode === 'oidc' && oidc === undefined) {
    return [
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'schema-required',
        path: ['identity', 'mode'],
        message: '`identity.mode: oidc` needs `identity.oidc` with the provider\'s issuer, client id, client secret and redirect URL',
        hint: 'Add `oidc: { issuer: https://sso.example.com, clientId: opsdeck, clientSecret: ${env:OPSDECK_OIDC_CLIENT_SECRET}, redirectUrl: https://opsdeck.example.com/auth/callback }` under `identity:`.',
      }),
    ];
  }
  if (oidc?.redirectUrl !== undefined && urlPath(oidc.redirectUrl) !== '/auth/callback') {
    return [
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'oidc-redirect-path',
        path: ['identity', 'oidc', 'redirectUrl'],
        message: `identity.oidc.redirectUrl must end in the path /auth/callback, where Opsdeck receives the provider's response (got ${oidc.redirectUrl})`,
        hint: 'Write the public address of this server followed by /auth/callback, such as `https://opsdeck.example.com/auth/callback`, and register the same URL at the provider.',
      }),
    ];
  }
  if (oidc?.scopes !== undefined && !oidc.scopes.includes('openid')) {
    return [
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'oidc-scopes-openid',
        path: ['identity', 'oidc', 'scopes'],
        message: `identity.oidc.scopes must include openid, or the provider returns no ID token (got [${oidc.scopes.join(', ')}])`,
        hint: 'Add `openid` to the list, such as `scopes: [openid, email, profile]`.',
      }),
    ];
  }
  if (oidc?.issuer !== undefined && oidc.issuer.startsWith('http:') && !isLoopbackUrl(oidc.issuer)) {
    return [
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'oidc-insecure-issuer',
        path: ['identity', 'oidc', 'issuer'],
        message: `identity.oidc.issuer must use https, because tokens and the client secret travel to it (got ${oidc.issuer}); plain http is accepted only on 127.0.0.1, ::1 and localhost`,
        hint: 'Write the https:// issuer URL that the provider documents.',
      }),
    ];
  }
  return [];
}

/** Longest `store.schema`, so that the job queue's schema `<schema>_boss` stays within pg-boss's 50 characters. */
const MAX_STORE_SCHEMA = 45;

/** Checks `store:` beyond the schema: a PostgreSQL store needs `url`, a file store takes none, and a password belongs in the environment. */
function storeDiagnostics(loaded: LoadedDocument, data: SettingsFile): Diagnostic[] {
  const store = data.store;
  if (store === undefined) return [];
  const kind = store.kind ?? 'files';
  if (kind === 'postgres' && store.url === undefined) {
    return [
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'schema-required',
        path: ['store', 'kind'],
        message: '`store.kind: postgres` needs `store.url`, the connection URL of the database that keeps the audit log and approvals',
        hint: 'Add `url: ${env:OPSDECK_STORE_URL}` under `store:` and set that variable where the server runs.',
      }),
    ];
  }
  if (kind === 'files' && (store.url !== undefined || store.schema !== undefined)) {
    return [
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'store-files-options',
        path: ['store', store.url !== undefined ? 'url' : 'schema'],
        message: '`store.url` and `store.schema` apply only to `store.kind: postgres`; the file store keeps its records under `.opsdeck/`',
        hint: 'Write `kind: postgres` under `store:`, or remove `url` and `schema`.',
      }),
    ];
  }
  if (kind === 'postgres' && store.schema !== undefined && store.schema.length > MAX_STORE_SCHEMA) {
    return [
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'store-schema-too-long',
        path: ['store', 'schema'],
        message: `store.schema "${store.schema}" is ${store.schema.length} characters long; the job queue keeps its tables in the schema "${store.schema}_boss", which pg-boss limits to 50 characters`,
        hint: `Use a schema name of at most ${MAX_STORE_SCHEMA} characters.`,
      }),
    ];
  }
  if (store.url !== undefined && !store.url.includes('${env:') && /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(store.url)) {
    return [
      diagnosticAt(loaded.file, loaded.positions, {
        code: 'secret-in-file',
        severity: 'warning',
        path: ['store', 'url'],
        message: 'store.url contains a password written in the file, so everyone who can read the repository can write audit records',
        hint: 'Write `url: ${env:OPSDECK_STORE_URL}` and set that variable where the server runs.',
      }),
    ];
  }
  return [];
}

function isLoopbackUrl(url: string): boolean {
  try {
    return ['127.0.0.1', '[::1]', 'localhost'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

function urlPath(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

function withDefaults(data: SettingsFile): Settings {
  const proxy = { ...DEFAULT_SETTINGS.identity.proxy, ...data.identity?.proxy };
  const oidc = data.identity?.oidc;
  return {
    identity: {
      mode: data.identity?.mode ?? DEFAULT_SETTINGS.identity.mode,
      proxy: { ...proxy, trustedProxies: [...proxy.trustedProxies] },
      ...(oidc === undefined ? {} : { oidc: { ...DEFAULT_OIDC, ...oidc, scopes: [...(oidc.scopes ?? DEFAULT_OIDC.scopes)], attributeClaims: [...(oidc.attributeClaims ?? [])] } as OidcSettings }),
    },
    server: { ...DEFAULT_SETTINGS.server, ...data.server },
    audit: { ...DEFAULT_SETTINGS.audit, ...data.audit },
    session: { ...DEFAULT_SETTINGS.session, ...data.session },
    metrics: { ...DEFAULT_SETTINGS.metrics, ...data.metrics, ...(data.metrics?.allowFrom === undefined ? {} : { allowFrom: [...data.metrics.allowFrom] }) },
    watch: { ...DEFAULT_SETTINGS.watch, ...data.watch },
    store: data.store?.kind === 'postgres' && data.store.url !== undefined ? { kind: 'postgres', url: data.store.url, schema: data.store.schema ?? DEFAULT_STORE_SCHEMA } : { kind: 'files' },
  };
}

const ENV_REFERENCE = /\$\{env:([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Result of resolving `${env:NAME}` references; an error names the variable, never a value. */
export type EnvResolution =
  | { ok: true; value: string }
  | { ok: false; variable: string; message: string; hint: string };

/**
 * Replaces each `${env:NAME}` in `value` with that variable from `env`.
 * A missing or empty variable, or an invalid name, gives an error naming the variable.
 */
export function resolveEnvRefs(value: string, env: Record<string, string | undefined>): EnvResolution {
  let failure: EnvResolution | undefined;
  const resolved = value.replace(ENV_REFERENCE, (_whole, name: string) => {
    if (failure !== undefined) return '';
    if (!ENV_NAME.test(name)) {
      failure = { ok: false, variable: name, message: `\`\${env:${name}}\` does not name a valid environment variable`, hint: 'Use letters, digits and `_`, not starting with a digit, such as `${env:OPSDECK_SESSION_SECRET}`.' };
      return '';
    }
    const found = env[name];
    if (found === undefined || found === '') {
      failure = { ok: false, variable: name, message: `environment variable ${name} is not set`, hint: `Set ${name} in the environment of the server before it starts.` };
      return '';
    }
    return found;
  });
  return failure ?? { ok: true, value: resolved };
}
