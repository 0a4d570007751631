// The koa application: error handling, security headers, identity, the API
// and the UI. Nothing here opens a port; server.ts does.
import Koa from 'koa';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { HttpError } from './errors.js';
import { identify, type IdentityMode } from './identify.js';
import { csrfProtection } from './csrf.js';
import { markSecureRequests, TrustedProxies } from './trusted-proxies.js';
import { apiRouter, type ApiOptions } from './api.js';
import { serveUi } from './static.js';
import { healthRouter } from './health.js';
import { metricsRouter } from './metrics.js';
import { auditRouter } from './audit-routes.js';
import type { Identity } from '../identity.js';
import { oidcRouter } from '../oidc/routes.js';
import { signInOrReject } from '../audit-events.js';

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

export interface KoaAppOptions extends ApiOptions {
  identity: IdentityMode;
  /** Keys that sign the session cookie. */
  keys: string[];
  /** Proxy addresses and CIDR ranges whose `X-Forwarded-Proto` is believed (cookies get `Secure` behind an HTTPS proxy). */
  trustedProxies?: string[];
  uiDir: string;
  /** Called after each OIDC sign-in. */
  onSignIn?: (identity: Identity) => void;
  /** Addresses that may read /metrics (see `metrics.allowFrom`); unset means any peer. */
  metricsAllowFrom?: string[];
}

/** Builds the koa app. */
export function createKoaApp(options: KoaAppOptions): Koa {
  const app = new Koa({ keys: options.keys, proxy: false });
  const log: Logger = options.log;

  // Mounted outermost, so it records the final status that the error handler below sets.
  if (options.metrics !== undefined) app.use(options.metrics.middleware());
  app.use(async (ctx, next) => {
    const started = performance.now();
    // Every log line of a request and its response carry one id, so a user's report can be matched to the log.
    const requestId = randomUUID();
    ctx.state.requestId = requestId;
    ctx.set(SECURITY_HEADERS);
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new HttpError(404, 'not_found', `Nothing is served at ${ctx.path}.`);
    } catch (err) {
      const known = err instanceof HttpError ? err : clientError(err);
      const status = known?.status ?? 500;
      ctx.status = status;
      ctx.type = 'application/json';
      ctx.body = known ? known.toJSON() : { error: { code: 'internal_error', message: 'The server failed to handle this request. The details are in the server log.' } };
      if (!known) log.error({ err, requestId, method: ctx.method, path: ctx.path }, 'request failed');
      else if (status === 401 && ctx.state.identityProblem) log.warn({ requestId, path: ctx.path, problem: ctx.state.identityProblem }, 'unauthenticated');
    } finally {
      const identity = ctx.state.identity as { id?: string } | undefined;
      log.debug({ requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started), user: identity?.id }, 'request');
    }
  });

  // Health checks come before identity: probes carry no session.
  const health = healthRouter(options.audit, options.registry, options.sessions);
  app.use(health.routes());
  app.use(health.allowedMethods({ throw: true }));
  if (options.metrics !== undefined) {
    const metrics = metricsRouter(options.metrics, options.metricsAllowFrom);
    app.use(metrics.routes());
    app.use(metrics.allowedMethods({ throw: true }));
  }
  app.use(markSecureRequests(new TrustedProxies(options.trustedProxies ?? [])));
  app.use(rejectCrossSiteWrites);
  app.use(csrfProtection(options.keys));
  app.use(identify(options.identity, options.sessions));
  if (options.oidc !== undefined) {
    // The sign-in record is written before the session, so a sign-in the audit log cannot record fails (503) and sets no cookie.
    const onSignIn = async (identity: Identity): Promise<void> => {
      await signInOrReject(options.audit, log, identity, 'oidc');
      options.onSignIn?.(identity);
    };
    const auth = oidcRouter({ client: options.oidc, log, sessionMaxAgeMs: options.sessionMaxAgeMs, onSignIn });
    app.use(auth.routes());
    app.use(auth.allowedMethods({ throw: true }));
  }
  const router = apiRouter(options);
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  const auditRoutes = auditRouter(options);
  app.use(auditRoutes.routes());
  app.use(auditRoutes.allowedMethods({ throw: true }));
  app.use(serveUi(options.uiDir));
  app.on('error', (err) => log.debug({ err }, 'connection error'));
  return app;
}

const KOA_ERROR_CODES: Record<number, string> = { 404: 'not_found', 405: 'method_not_allowed', 501: 'not_implemented' };

/** Maps errors that koa, the router or decoding raise for bad requests to an HttpError. */
function clientError(err: unknown): HttpError | undefined {
  if (err instanceof URIError) return new HttpError(400, 'invalid_request', 'The URL contains an invalid percent-encoding.');
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && ((status >= 400 && status < 500) || status === 501) && (err as { expose?: boolean }).expose !== false) {
    return new HttpError(status, KOA_ERROR_CODES[status] ?? 'invalid_request', (err as Error).message);
  }
  return undefined;
}

/**
 * Rejects state-changing requests that a browser sent from another site:
 * an `Origin` whose host differs from the request's `Host`, or
 * `Sec-Fetch-Site: cross-site`. The JSON content type that every POST needs
 * already forces a CORS preflight, which the server never grants; this check
 * still applies where a browser or proxy gets that wrong.
 */
async function rejectCrossSiteWrites(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  if (ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'OPTIONS') return next();
  const origin = ctx.get('origin');
  let foreign = ctx.get('sec-fetch-site') === 'cross-site';
  if (origin !== '' && !foreign) {
    try {
      foreign = origin === 'null' || new URL(origin).host !== ctx.get('host');
    } catch {
      foreign = true;
    }
  }
  if (foreign) throw new HttpError(403, 'cross_origin', 'Requests that change data must come from pages of this server.');
  return next();
}
