// Background exports: an export that runs as a job and writes its file to
// `.opsdeck/exports/<run id>.<csv|jsonl>`, to be downloaded later from the
// Jobs page. It applies the same authorization, row and column rules as the
// export endpoint, checked again when the run starts, and writes the same
// audit record before the first row is read.
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditLog } from '../audit.js';
import { MASKED_VALUE, queryAccess } from '../access/query-access.js';
import { chunkEncoder, contentDisposition, EXPORT_FORMATS, exportHeader, type ExportFormat } from '../export/encode.js';
import { exportStatement } from '../export/export-statement.js';
import { readInChunks } from '../export/read-chunks.js';
import { exportEntry, writeExportRecord } from '../export/export-audit.js';
import type { Identity } from '../identity.js';
import type { Logger } from '../log.js';
import type { RunExecutor } from './runner.js';
import { identityOfRun } from './run-state.js';

/** The options of a background export, stored with its run. */
export interface ExportRunRequest {
  format: ExportFormat;
  bom: boolean;
  sort?: unknown;
  filter?: unknown;
}

/** Id of the single step of an export run. */
export const EXPORT_STEP = 'export';

/** Raised inside the read loop when the run is to stop; the partial file is removed. */
class ExportStopped extends Error {
  constructor(readonly why: 'cancel' | 'shutdown') {
    super(`export stopped: ${why}`);
  }
}

/** Builds the executor of export runs, writing files into `folder`. */
export function exportRunExecutor(deps: { folder: string; audit: AuditLog; log: Logger }): RunExecutor {
  return async (run, app, signal) => {
    const query = app.model.queries[run.job];
    if (query === undefined || query.kind !== 'sql') return { status: 'failed', step: EXPORT_STEP, message: `query ${run.job} is not in the app's spec any more, or no longer runs SQL`, cause: undefined };
    const identity = identityOfRun(run);
    const object = `query:${query.id}` as const;
    const decision = app.enforcer.decide(identity, object, 'export');
    const runRoles = app.enforcer.grantingRoles(identity, object, 'run');
    if (!decision.allowed || runRoles.length === 0) return { status: 'failed', step: EXPORT_STEP, message: 'the user who started the export may no longer export this query', cause: undefined };

    const request = run.exportRequest as unknown as ExportRunRequest;
    const access = queryAccess(query, runRoles);
    const source = app.datasources.get(query.datasource)!;
    const name = `${run.id}.${EXPORT_FORMATS[request.format].extension}`;
    const file = join(deps.folder, name);
    let handle: FileHandle | undefined;
    let rows = 0;
    let bytes = 0;
    const write = async (data: string | Buffer): Promise<void> => {
      const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      await handle!.write(buffer);
      bytes += buffer.length;
    };
    try {
      const { sql, visible } = await exportStatement(source, query, identity, access, run.params, request);
      await mkdir(deps.folder, { recursive: true, mode: 0o700 });
      handle = await open(file, 'w', 0o600);
      await readInChunks(source, sql, {
        start: async (total) => {
          await writeExportRecord(deps.audit, deps.log, { ...exportEntry(app, identity, query, decision.rule, run.params, total), run: run.id });
          await signal.record({ type: 'step-started', id: run.id, at: new Date().toISOString(), step: EXPORT_STEP, rowsTotal: total });
          await write(exportHeader(request.format, visible, request.bom));
        },
        encoder: (result) => chunkEncoder(request.format, { result, visible, masked: access.masked, maskedValue: MASKED_VALUE }),
        csv: request.format === 'csv' ? { visible, masked: access.masked, maskedValue: MASKED_VALUE } : undefined,
        send: async (chunk, count) => {
          const stop = signal.stopRequested();
          if (stop !== undefined) throw new ExportStopped(stop);
          await write(chunk);
          rows += count;
          await signal.record({ type: 'chunk', id: run.id, at: new Date().toISOString(), step: EXPORT_STEP, after: rows, rows, changes: 0 });
        },
      });
      await handle.sync();
      await handle.close();
      handle = undefined;
      await signal.record({ type: 'step-done', id: run.id, at: new Date().toISOString(), step: EXPORT_STEP, rows });
      const filename = /filename="([^"]+)"/.exec(contentDisposition(app.id, query.id, request.format))![1];
      deps.log.info({ user: identity.id, app: app.id, object, run: run.id, rows, bytes }, 'query exported to a file');
      return { status: 'succeeded', result: { filename, bytes, rows, file: name } };
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await rm(file, { force: true });
      if (err instanceof ExportStopped) return { status: 'stopped', why: err.why };
      deps.log.error({ err, app: app.id, object, run: run.id }, 'background export failed');
      const message = (err as { status?: number }).status === 503 ? 'its audit record could not be written, so no row was read' : (err as { status?: number }).status === 400 ? (err as Error).message : 'the export failed; the details are in the server log';
      return { status: 'failed', step: EXPORT_STEP, message, cause: err };
    }
  };
}
