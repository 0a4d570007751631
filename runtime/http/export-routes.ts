// GET /api/apps/:app/queries/:query/export: every row of a SQL query as CSV or
// JSON lines, streamed chunk by chunk (see docs/http-api.md). The request goes
// identify -> authorize (`export` and `run`) -> validate -> count -> audit ->
// stream, and applies the query's row and column rules like the query endpoint.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ServerResponse } from 'node:http';
import type { SqlQueryModel } from '../../core/model.js';
import type { AuditEntry, AuditLog } from '../audit.js';
import { appEntryBase, denialEntry, queryRunEntry } from '../audit-events.js';
import { MASKED_VALUE, queryAccess } from '../access/query-access.js';
import { statementFor } from '../bind.js';
import { chunkEncoder, contentDisposition, EXPORT_FORMATS, exportHeader } from '../export/encode.js';
import { parseExportRequest } from '../export/export-request.js';
import { readInChunks, withoutPaging } from '../export/read-chunks.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import { checkParams } from '../params.js';
import type { LiveApp, Registry } from '../registry.js';
import { HttpError, forbidden, notFound } from './errors.js';
import { bindOrReject, executionError, rejectBlockedSearches, requireAvailable, tryAudit } from './execution-errors.js';
import { requireIdentity } from './identify.js';
import { buildPagedSql, usableColumns } from './query-request.js';

export interface ExportRouteOptions {
  registry: Registry;
  audit: AuditLog;
  log: Logger;
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
    const app = registry.get(ctx.params.app);
    if (!app) throw notFound(`App "${ctx.params.app}"`);
    const query = Object.hasOwn(app.model.queries, ctx.params.query) ? app.model.queries[ctx.params.query] : undefined;
    if (!query) throw notFound(`Query "${ctx.params.query}" of app "${app.id}"`);

    const object = `query:${query.id}` as const;
    const decision = app.enforcer.decide(identity, object, 'export');
    // The row and column rules belong to the roles that grant `run`, exactly as for the query endpoint.
    const runRoles = app.enforcer.grantingRoles(identity, object, 'run');
    if (!decision.allowed || runRoles.length === 0 || query.kind !== 'sql') {
      log.warn({ user: identity.id, app: app.id, object, act: 'export' }, 'denied');
      await tryAudit(audit, log, denialEntry(app, identity, object));
      throw forbidden();
    }

    const request = parseExportRequest(ctx.query);
    const params = checkParams(query.paramsSchema, request.body.params);
    const access = queryAccess(query, runRoles);
    rejectBlockedSearches(query, access, params);
    requireAvailable(app);

    const source = app.datasources.get(query.datasource)!;
    const compiled = statementFor(source, query);
    const values = bindOrReject(source, query, params, identity);
    const title = query.spec.title ?? query.id;
    const response = new ExportResponse(ctx);
    try {
      const columns = await source.columnsOf(compiled.text, compiled.bindings.length);
      const visible = usableColumns(columns, access).visible;
      const sql = withoutPaging(source, buildPagedSql(source, compiled.text, values, columns, { sort: request.body.sort, filter: request.body.filter }, { access, identity }));
      const sent = await readInChunks(source, sql, {
        start: async (total) => {
          await writeExportRecord(audit, log, exportEntry(app, identity, query, decision.rule, params, total));
          response.open(request.format, contentDisposition(app.id, query.id, request.format));
          await response.write(exportHeader(request.format, visible, request.bom));
        },
        // The column rules of applyColumnRules, applied while encoding: only visible columns, masked values replaced.
        encoder: (result) => chunkEncoder(request.format, { result, visible, masked: access.masked, maskedValue: MASKED_VALUE }),
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

/** The audit record of an export: always written, whatever the query's `audit:` says, because an export sends every row. */
function exportEntry(app: LiveApp, identity: Identity, query: SqlQueryModel, rule: string | undefined, params: Record<string, unknown>, rows: number): AuditEntry {
  return queryRunEntry(app, identity, query, rule, params, rows) ?? { ...appEntryBase(app, identity), object: `query:${query.id}`, outcome: 'succeeded', rule, rows };
}

/** Writes (and fsyncs) the export's record before any row is read; without it no row leaves the server. */
async function writeExportRecord(audit: AuditLog, log: Logger, entry: AuditEntry): Promise<void> {
  try {
    await audit.append(entry);
  } catch (err) {
    log.error({ err, app: entry.app, object: entry.object }, 'audit log unavailable; export not sent');
    throw new HttpError(503, 'audit_unavailable', 'The export was not started because its audit record could not be written. Try again later or tell an administrator.');
  }
}

