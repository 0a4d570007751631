// Liveness and readiness for load balancers and orchestrators. None needs
// an identity, and no response names a path, user or secret.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AuditLog } from '../audit.js';
import type { Registry } from '../registry.js';
import type { SessionRevocations } from '../session-revocations.js';

/**
 * Builds the router for `GET /healthz` and its older name `GET /livez` (the
 * process serves requests) and `GET /readyz` (it can serve the apps: specs
 * loaded, audit log writable, signed-out sessions readable, every app's data
 * sources reachable). `/readyz`
 * probes the audit log on each request (see AuditLog.probe) and responds 503
 * with the list of reasons when a check fails.
 */
export function healthRouter(audit: AuditLog, registry?: Registry, sessions?: SessionRevocations): Router {
  const router = new Router();

  const live = (ctx: Context): void => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { live: true };
  };
  router.get('/healthz', live);
  router.get('/livez', live);

  router.get('/readyz', async (ctx) => {
    const probe = await audit.probe();
    const reasons: string[] = [];
    const checks: Record<string, string> = { audit: probe.available ? 'ok' : `unavailable: ${probe.reason ?? 'unknown reason'}` };
    if (!probe.available) reasons.push(`audit log ${checks.audit}`);
    // A process that cannot read sign-outs would accept cookies signed out on another process.
    const signedOut = sessions?.status();
    if (signedOut !== undefined) {
      checks.sessions = signedOut.available ? 'ok' : `unavailable: ${signedOut.reason ?? 'unknown reason'}`;
      if (!signedOut.available) reasons.push(`signed-out sessions ${checks.sessions}`);
    }
    if (registry !== undefined) {
      // The server listens only after every app folder loaded, so an empty registry means the folder contains no app.
      const apps = registry.list();
      checks.specs = apps.length > 0 ? 'ok' : 'no app is served: the folder contains no app.yaml';
      if (apps.length === 0) reasons.push(checks.specs);
      const down = apps.filter((app) => !app.health.available);
      checks.datasources = down.length === 0 ? 'ok' : `unavailable in ${down.map((app) => app.id).join(', ')}`;
      for (const app of down) reasons.push(`app ${app.id}: ${app.health.reason ?? 'its data sources cannot be reached'}`);
    }
    const ready = reasons.length === 0;
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = ready ? { ready, checks } : { ready, checks, reasons };
  });

  return router;
}
