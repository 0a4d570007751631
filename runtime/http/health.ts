// Liveness and readiness for load balancers and orchestrators. Neither needs
// an identity, and neither response names a path, user or secret.
import Router from '@koa/router';
import type { AuditLog } from '../audit.js';

/**
 * Builds the router for `GET /livez` (the process serves requests) and
 * `GET /readyz` (it can also write audit records: each request probes the
 * log, see AuditLog.probe, and responds 503 with the reason when it fails).
 */
export function healthRouter(audit: AuditLog): Router {
  const router = new Router();

  router.get('/livez', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { live: true };
  });

  router.get('/readyz', async (ctx) => {
    const probe = await audit.probe();
    const checks = { audit: probe.available ? 'ok' : `unavailable: ${probe.reason ?? 'unknown reason'}` };
    ctx.set('Cache-Control', 'no-store');
    ctx.status = probe.available ? 200 : 503;
    ctx.body = { ready: probe.available, checks };
  });

  return router;
}
