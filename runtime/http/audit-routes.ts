// GET /api/apps/:app/audit: an app's audit records for the roles its spec
// names under `audit: { viewers }`, newest first, filtered and paged by the
// audit log (in SQL on the PostgreSQL store).
import Router from '@koa/router';
import type { AuditLog, AuditOutcome } from '../audit.js';
import type { AuditPage, AuditSearch } from '../audit-search.js';
import { AUDIT_OBJECT, NO_RULE, denialEntry } from '../audit-events.js';
import { AuditReadFailed } from '../audit-file-read.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import type { LiveApp, Registry } from '../registry.js';
import { HttpError, forbidden, invalid, notFound, type FieldError } from './errors.js';
import { tryAudit } from './execution-errors.js';
import { requireIdentity } from './identify.js';

/** Every outcome, so a filter value can be checked; the Record type makes this fail to compile when AuditOutcome gains a member. */
const OUTCOMES: Record<AuditOutcome, true> = {
  denied: true,
  invalid: true,
  started: true,
  succeeded: true,
  failed: true,
  previewed: true,
  'signed-in': true,
  'signed-out': true,
  pending: true,
  approved: true,
  rejected: true,
  expired: true,
  queued: true,
  cancelling: true,
  cancelled: true,
  interrupted: true,
  downloaded: true,
};

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const FILTERS = ['user', 'object', 'outcome', 'from', 'to', 'limit', 'offset'];

/** Builds the router for the audit API. */
export function auditRouter(options: { registry: Registry; audit: AuditLog; log: Logger }): Router {
  const { registry, audit, log } = options;
  const router = new Router({ prefix: '/api' });

  router.get('/apps/:app/audit', async (ctx) => {
    const identity = requireIdentity(ctx);
    const app = openableApp(registry, ctx.params.app, identity);
    if (!app.enforcer.decide(identity, AUDIT_OBJECT, 'view').allowed) {
      log.warn({ user: identity.id, app: app.id, object: AUDIT_OBJECT, act: 'view', rule: NO_RULE }, 'denied');
      await tryAudit(audit, log, denialEntry(app, identity, AUDIT_OBJECT));
      throw forbidden();
    }
    const filter = parseFilter(ctx.query);
    let found: AuditPage;
    try {
      found = await audit.searchRecords(app.id, filter);
    } catch (err) {
      log.error({ err: err instanceof AuditReadFailed ? err.cause : err, app: app.id }, 'audit log read failed');
      throw new HttpError(503, 'audit_unavailable', 'The audit log cannot be read right now. Try again later or tell an administrator.');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { records: found.records, total: found.total, limit: filter.limit, offset: filter.offset };
  });

  return router;
}

/** Returns an app the user may open. Unknown and fully hidden apps both raise 404, so app ids do not leak. */
function openableApp(registry: Registry, id: string, identity: Identity): LiveApp {
  const app = registry.get(id);
  if (!app || !Object.keys(app.model.pages).some((page) => app.enforcer.allows(identity, `page:${page}`, 'view'))) throw notFound(`App "${id}"`);
  return app;
}

/** Checks the query string; every bad value is a 400 naming its field. */
function parseFilter(query: Record<string, string | string[] | undefined>): AuditSearch {
  const errors: FieldError[] = [];
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (Array.isArray(value)) {
      errors.push({ field: name, message: 'must be given once.' });
      return undefined;
    }
    return value === '' ? undefined : value;
  };

  for (const name of Object.keys(query)) {
    if (!FILTERS.includes(name)) errors.push({ field: name, message: `is not a filter of the audit API; use ${FILTERS.join(', ')}.` });
  }
  const outcome = single('outcome');
  if (outcome !== undefined && !Object.hasOwn(OUTCOMES, outcome)) {
    errors.push({ field: 'outcome', message: `must be one of ${Object.keys(OUTCOMES).join(', ')} (got ${JSON.stringify(outcome)}).` });
  }
  const time = (name: 'from' | 'to'): number | undefined => {
    const value = single(name);
    if (value === undefined) return undefined;
    const parsed = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(parsed)) errors.push({ field: name, message: `must be an ISO 8601 date or date-time such as 2026-01-31T09:00:00Z (got ${JSON.stringify(value)}).` });
    return parsed;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const value = single(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(parsed >= min && parsed <= max)) errors.push({ field: name, message: `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)}).` });
    return parsed;
  };

  const filter: AuditSearch = {
    user: single('user'),
    object: single('object'),
    outcome,
    from: time('from'),
    to: time('to'),
    limit: integer('limit', DEFAULT_LIMIT, 1, MAX_LIMIT),
    offset: integer('offset', 0, 0, Number.MAX_SAFE_INTEGER),
  };
  if (errors.length === 0 && filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
    errors.push({ field: 'from', message: 'must not be later than to.' });
  }
  if (errors.length > 0) throw invalid('invalid_filter', errors);
  return filter;
}
