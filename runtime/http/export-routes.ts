// GET /api/apps/:app/queries/:query/export: every row of a SQL query as CSV or
// JSON lines, streamed chunk by chunk (see docs/http-api.md). The request goes
// identify -> authorize (`export` and `run`) -> validate -> count -> audit ->
// stream, and applies the query's row and column rules like the query endpoint.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ServerResponse } from 'node:http';
import type { SqlQueryModel } from '../../core/model.js';
import { maskParams, type AuditLog } from '../audit.js';
import { randomUUID } from 'node:crypto';
import { JobAuditUnavailable, type JobRunner } from '../jobs/runner.js';
import type { JobRun } from '../jobs/run-state.js';
import { EXPORT_STEP } from '../jobs/export-run.js';
import { readJsonObject } from './body.js';
import { exportEntry, writeExportRecord } from '../export/export-audit.js';
import { runView } from './job-routes.js';
import { denialEntry } from '../audit-events.js';
import { MASKED_VALUE, queryAccess } from '../access/query-access.js';
import { chunkEncoder, contentDisposition, EXPORT_FORMATS, exportHeader } from '../export/encode.js';
import { parseExportRequest } from '../export/export-request.js';
import { readInChunks } from '../export/read-chunks.js';
import { exportStatement } from '../export/export-statement.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import { checkParams } from '../params.js';
import type { Registry } from '../registry.js';
import { HttpError, forbidden, invalid, notFound, type FieldError } from './errors.js';
import { executionError, rejectBlockedSearches, requireAvailable, tryAudit } from './execution-errors.js';
import { requireIdentity } from './identify.js';

export interface ExportRouteOptions {
  registry: Registry;
  audit: AuditLog;
  log: Logger;
  /** The job runner; without it background exports return 404. */
  runner?: JobRunner;
}

/**
 * Bytes an export may leave queued on the socket before it waits for the
 * client: one or two chunks, so the next chunk is read while the last one
 * is still being sent, and little enough to keep memory flat.
 */
const QUEUED_BYTES = 1 << 18;

/** Raised inside the export when the client went away; the database read stops. */
class ClientGone extends Error {}

/** Adds the export route to the /api router. */
export function addExportRoutes(router: Router, options: ExportRouteOptions): void {
  const { registry, audit, log } = options;

  router.get('/apps/:app/queries/:query/export', async (ctx) => {
    // The router answers HEAD with GET routes, and a HEAD would read every row and write an audit record for nothing.
    if (ctx.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'Exports answer GET only.');
    const identity = requireIdentity(ctx);
    // A link on another site could start a download in the user's name; browsers name such requests in Sec-Fetch-Site.
    if (ctx.get('Sec-Fetch-Site') === 'cross-site') throw new HttpError(403, 'cross_site_request', 'Exports cannot be started from another site. Open the app and use its Export button.');
    const { app, query, object, decision, runRoles } = await authorizeExport(options, identity, ctx.params.app, ctx.params.query);

    const request = parseExportRequest(ctx.query);
    const params = checkParams(query.paramsSchema, request.body.params);
    const access = queryAccess(query, runRoles);
    rejectBlockedSearches(query, access, params);
    requireAvailable(app);

    const source = app.datasources.get(query.datasource)!;
    const title = query.spec.title ?? query.id;
    const response = new ExportResponse(ctx);
    try {
      const { sql, visible } = await exportStatement(source, query, identity, access, params, request.body);
      const sent = await readInChunks(source, sql, {
        start: async (total) => {
          await writeExportRecord(audit, log, exportEntry(app, identity, query, decision.rule, params, total));
          response.open(request.format, contentDisposition(app.id, query.id, request.format));
          await response.write(exportHeader(request.format, visible, request.bom));
        },
        // The column rules of applyColumnRules, applied while encoding: only visible columns, masked values replaced.
        encoder: (result) => chunkEncoder(request.format, { result, visible, masked: access.masked, maskedValue: MASKED_VALUE }),
        // The same rules for CSV through COPY on PostgreSQL (runtime/export/pg-copy.ts).
        csv: request.format === 'csv' ? { visible, masked: access.masked, maskedValue: MASKED_VALUE } : undefined,
        send: (chunk) => response.write(chunk),
      });
      response.end();
      log.info({ user: identity.id, app: app.id, object, format: request.format, rows: sent }, 'query exported');
    } catch (err) {
      if (!response.opened) {
        if (err instanceof HttpError) throw err;
        throw executionError(err, app, `The export of "${title}"`, () => {
          log.error({ err, app: app.id, query: query.id }, 'export failed');
          return new HttpError(500, 'export_failed', `The export of "${title}" failed. The details are in the server log.`);
        });
      }
      // The status line was already sent, so the only signal left is a connection closed before the last chunk, which clients report as an incomplete download.
      if (err instanceof ClientGone) log.info({ user: identity.id, app: app.id, object }, 'export cancelled by the client');
      else log.error({ err, user: identity.id, app: app.id, object }, 'export failed after its first bytes were sent; the download is incomplete');
      response.abort();
    }
  });

  // A background export: checked now like a download, then written to a file by a job run (runtime/jobs/export-run.ts).
  router.post('/apps/:app/queries/:query/export-runs', async (ctx) => {
    const identity = requireIdentity(ctx);
    const runner = options.runner;
    if (runner === undefined) throw notFound('Background exports');
    const { app, query, runRoles } = await authorizeExport(options, identity, ctx.params.app, ctx.params.query);
    const request = parseExportRequest(exportRunRequest(await readJsonObject(ctx)));
    const params = checkParams(query.paramsSchema, request.body.params);
    const access = queryAccess(query, runRoles);
    rejectBlockedSearches(query, access, params);
    requireAvailable(app);
    // Builds the statement once now, so a bad sort or filter returns 400 instead of failing the run.
    await exportStatement(app.datasources.get(query.datasource)!, query as SqlQueryModel, identity, access, params, request.body);
    const secret = Object.entries(query.spec.params ?? {}).filter(([, param]) => param.secret === true).map(([name]) => name);
    let run: JobRun;
    try {
      run = await runner.enqueue(app, {
        id: randomUUID(),
        app: app.id,
        job: query.id,
        title: `Export of ${query.spec.title ?? query.id}`,
        kind: 'export',
        trigger: 'operator',
        startedBy: { id: identity.id, name: identity.name, groups: identity.groups, attributes: identity.attributes },
        params,
        maskedParams: maskParams(params, secret),
        createdAt: new Date().toISOString(),
        maxAttempts: 1,
        stepsHash: '',
        specVersion: app.specVersion,
        steps: [{ id: EXPORT_STEP, title: 'Write the file', status: 'pending' }],
        exportRequest: { format: request.format, bom: request.bom, sort: request.body.sort, filter: request.body.filter },
      });
    } catch (err) {
      if (err instanceof JobAuditUnavailable) throw new HttpError(503, 'audit_unavailable', 'The export was not started because its audit record could not be written. Try again later or tell an administrator.');
      throw err;
    }
    ctx.status = 202;
    ctx.body = { run: runView(run, app, identity) };
  });
}

/** Finds the app and query and checks that `identity` may export it (`export`, and `run` for the row and column rules); audits and raises a denial. */
async function authorizeExport(options: ExportRouteOptions, identity: Identity, appId: string, queryId: string) {
  const { registry, audit, log } = options;
  const app = registry.get(appId);
  if (!app) throw notFound(`App "${appId}"`);
  const query = Object.hasOwn(app.model.queries, queryId) ? app.model.queries[queryId] : undefined;
  if (!query) throw notFound(`Query "${queryId}" of app "${app.id}"`);

  const object = `query:${query.id}` as const;
  const decision = app.enforcer.decide(identity, object, 'export');
  // The row and column rules belong to the roles that grant `run`, exactly as for the query endpoint.
  const runRoles = app.enforcer.grantingRoles(identity, object, 'run');
  if (!decision.allowed || runRoles.length === 0 || query.kind !== 'sql') {
    log.warn({ user: identity.id, app: app.id, object, act: 'export' }, 'denied');
    await tryAudit(audit, log, denialEntry(app, identity, object));
    throw forbidden();
  }
  return { app, query, object, decision, runRoles };
}

/** Reads the JSON body of a background export into the query-string form parseExportRequest reads; raises a 400 for a value of the wrong type. */
function exportRunRequest(body: Record<string, unknown>): Record<string, string> {
  const errors: FieldError[] = [];
  const fields: Record<string, string> = {};
  for (const key of Object.keys(body)) if (!['format', 'bom', 'params', 'sort', 'filter'].includes(key)) errors.push({ field: key, message: 'is not an export option; use format, bom, params, sort, filter.' });
  if (body.format !== undefined) {
    if (typeof body.format === 'string') fields.format = body.format;
    else errors.push({ field: 'format', message: 'must be "csv" or "jsonl".' });
  }
  if (body.bom !== undefined) {
    if (typeof body.bom === 'boolean') fields.bom = body.bom ? '1' : '0';
    else errors.push({ field: 'bom', message: 'must be true or false.' });
  }
  for (const key of ['params', 'sort', 'filter']) if (body[key] !== undefined) fields[key] = JSON.stringify(body[key]);
  if (errors.length > 0) throw invalid('invalid_request', errors);
  return fields;
}

/**
 * The raw response of an export. Koa sends nothing once `open` has run;
 * a write waits for the socket to drain once more than QUEUED_BYTES are
 * queued, so the database is read no faster than the client downloads.
 */
class ExportResponse {
  opened = false;
  readonly #ctx: Context;
  readonly #res: ServerResponse;

  constructor(ctx: Context) {
    this.#ctx = ctx;
    this.#res = ctx.res;
  }

  open(format: keyof typeof EXPORT_FORMATS, disposition: string): void {
    const ctx = this.#ctx;
    ctx.status = 200;
    ctx.set({ 'Content-Type': EXPORT_FORMATS[format].contentType, 'Content-Disposition': disposition, 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    ctx.respond = false;
    this.opened = true;
  }

  async write(data: string | Buffer): Promise<void> {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) throw new ClientGone();
    if (data.length === 0 || res.write(data) || res.writableLength < QUEUED_BYTES) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
    if (res.destroyed) throw new ClientGone();
  }

  end(): void {
    this.#res.end();
  }

  abort(): void {
    this.#res.destroy();
  }
}
