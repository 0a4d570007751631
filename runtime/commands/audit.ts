// `opsdeck audit verify|repair`: check the audit log's hash chain, or move a
// torn last line aside so the server can append again.
import { existsSync, readFileSync } from 'node:fs';
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSettingsLayers } from '../../core/settings.js';
import { verifyAuditFile, type VerifyResult } from '../audit-verify.js';
import { resolveStore } from '../settings-file.js';
import { verifyStore } from '../system-store/audit-command.js';
import type { StoreSettings } from '../../core/settings.js';
import { EXIT, type CommandOutput } from './validate.js';

const USAGE = `Usage: opsdeck audit verify [--file F] [<dir>]
       opsdeck audit repair [--file F] [<dir>]
  verify   check the hash chain of the audit log; exit 0 when intact, 1 at the first bad record
  repair   move a torn last line (one without a final newline) to <file>.torn-<time> and cut it off
  --file F audit log to read (default: audit.file of <dir>/opsdeck.yaml, <dir> defaulting to .)
With \`store: { kind: postgres }\` in <dir>/opsdeck.yaml and no --file, verify checks the chain in that store.`;

/** Lines between progress messages on stderr. */
const PROGRESS_EVERY = 100_000;

/** Runs `opsdeck audit`; resolves to 0 when the chain is intact (or repaired), 1 when it is broken, 2 when it cannot run. */
export async function runAudit(argv: string[], out: CommandOutput): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { file: { type: 'string' } } });
  } catch (error) {
    out.stderr(`opsdeck audit: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  const [subcommand, ...folders] = parsed.positionals;
  if ((subcommand !== 'verify' && subcommand !== 'repair') || folders.length > 1) {
    out.stderr(`opsdeck audit: expected "verify" or "repair" and at most one folder\n${USAGE}\n`);
    return EXIT.cannotRun;
  }

  let file: string;
  try {
    const target = parsed.values.file === undefined ? auditTargetOf(folders[0] ?? '.') : { file: resolve(parsed.values.file) };
    if ('store' in target) return await auditStore(subcommand, target.store, out);
    file = target.file;
  } catch (error) {
    out.stderr(`opsdeck audit: ${(error as Error).message}\n`);
    return EXIT.cannotRun;
  }
  if (!existsSync(file)) {
    out.stderr(`opsdeck audit: the audit log ${file} does not exist; pass --file or the served folder\n`);
    return EXIT.cannotRun;
  }
  return subcommand === 'verify' ? verify(file, out) : repair(file, out);
}

/** Resolves the audit log of a served folder from its opsdeck.yaml: its PostgreSQL store, or its file (the default path when there is none). */
function auditTargetOf(folder: string): { file: string } | { store: StoreSettings & { kind: 'postgres' } } {
  const root = resolve(folder);
  const settingsFile = join(root, 'opsdeck.yaml');
  const text = existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8') : '{}\n';
  const { settings, diagnostics, loaded } = buildSettingsLayers([{ file: settingsFile, text }]);
  if (!settings || !loaded || diagnostics.some((d) => d.severity === 'error')) {
    throw new Error(`${settingsFile} is invalid; run "opsdeck validate ${folder}" for details, or pass --file`);
  }
  if (settings.store.kind === 'postgres') {
    const store = resolveStore(settings.store, loaded, process.env);
    if (store.kind === 'postgres') return { store };
  }
  return { file: resolve(root, settings.audit.file) };
}

async function verify(file: string, out: CommandOutput): Promise<number> {
  const result = await verifyAuditFile(file, (lines) => out.stderr(`opsdeck audit: ${lines} lines read\n`), PROGRESS_EVERY);
  return reportVerify(file, result, out);
}

/** The store's chain; repair has nothing to do there, because each record is written in a transaction and never torn. */
async function auditStore(subcommand: 'verify' | 'repair', store: StoreSettings & { kind: 'postgres' }, out: CommandOutput): Promise<number> {
  const where = `PostgreSQL schema "${store.schema}"`;
  if (subcommand === 'repair') {
    out.stdout(`the audit log in ${where} has no torn records to repair: each record is written in a transaction. Run "opsdeck audit verify" to check the chain.\n`);
    return EXIT.ok;
  }
  let reported = 0;
  const result = await verifyStore(store, (records) => {
    if (records - reported < PROGRESS_EVERY) return;
    reported = records;
    out.stderr(`opsdeck audit: ${records} records read\n`);
  });
  return reportVerify(where, result, out);
}

/** Prints the outcome of a verification of the log in `file` (or a PostgreSQL schema, where `line` is the record's position). */
function reportVerify(file: string, result: VerifyResult, out: CommandOutput): number {
  const unchained = result.unchained > 0 ? ` (${result.unchained} older unchained record(s) before them were not verified)` : '';
  if (result.problem === undefined) {
    out.stdout(`${result.records} records, chain intact${unchained}\n`);
    return EXIT.ok;
  }
  const { kind, line, seq, id, message } = result.problem;
  const where = [`line ${line}`, seq === undefined ? undefined : `seq ${seq}`, id === undefined ? undefined : `id ${id}`].filter((part) => part !== undefined).join(', ');
  out.stdout(`${file}:${line}: ${kind}: ${where}: ${message}\n`);
  out.stdout(`${result.records} records verified before it${unchained}; chain broken\n`);
  if (kind === 'torn') out.stdout('A torn last line comes from a crash while writing; "opsdeck audit repair" moves it aside.\n');
  return EXIT.invalid;
}

/** Cuts a torn last line off the log and keeps it in a side file. Any other damage is left alone, because a person has to look at it. */
async function repair(file: string, out: CommandOutput): Promise<number> {
  const handle = await open(file, 'r+');
  try {
    const { size } = await handle.stat();
    const last = Buffer.alloc(1);
    if (size > 0) await handle.read(last, 0, 1, size - 1);
    if (size === 0 || last[0] === 0x0a) {
      out.stdout(`${file} ends with a complete line; nothing to repair. Run "opsdeck audit verify" to check the chain.\n`);
      return EXIT.ok;
    }
    const cut = await startOfLastLine(handle, size);
    const torn = Buffer.alloc(size - cut);
    await handle.read(torn, 0, torn.length, cut);
    const aside = `${file}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await writeFile(aside, torn, { mode: 0o600, flag: 'wx' });
    await handle.truncate(cut);
    await handle.sync();
    out.stdout(`moved the torn last line (${size - cut} bytes) to ${aside}; run "opsdeck audit verify" to check the rest\n`);
    return EXIT.ok;
  } finally {
    await handle.close();
  }
}

/** Returns the offset just after the last newline of the file (0 when there is none), reading backwards in growing chunks. */
async function startOfLastLine(handle: FileHandle, size: number): Promise<number> {
  let length = Math.min(64 * 1024, size);
  for (;;) {
    const start = size - length;
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, start);
    const newline = buffer.lastIndexOf(0x0a);
    if (newline >= 0) return start + newline + 1;
    if (start === 0) return 0;
    length = Math.min(length * 2, size);
  }
}
