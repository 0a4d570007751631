// `opsdeck validate <dir>`: check every app spec (and opsdeck.yaml) under a folder.
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Diagnostic } from '../../core/diagnostics.js';
import { checkEnvReferences } from '../../core/env-references.js';
import { formatDiagnostic } from '../../core/format.js';
import type { LoadedDocument } from '../../core/load.js';
import { buildSettingsLayers, type SettingsLayer } from '../../core/settings.js';
import { discoverApps, findDuplicateAppIds, isDirectory, readApp, type AppFile } from '../app-files.js';
import { readSettingsLayers, UnknownEnvironment } from '../settings-file.js';
import { checkAppsAgainstDatabases } from '../spec-check-files.js';

/** Output writers of a command. The CLI passes writers for process.stdout and process.stderr. */
export interface CommandOutput {
  stdout: (text: string) => unknown;
  stderr: (text: string) => unknown;
}

/** Exit codes shared by the validate and policy commands. */
export const EXIT = { ok: 0, invalid: 1, cannotRun: 2 } as const;

const USAGE = 'Usage: opsdeck validate <dir> [--format text|json|github] [--strict] [--env <name>]';
const FORMATS = ['text', 'json', 'github'] as const;

/** Apps found under a folder, each read and built, plus settings problems. */
export interface Checked {
  root: string;
  apps: AppFile[];
  diagnostics: Diagnostic[];
  /** Source text by absolute file name, for printing the offending lines. */
  sources: Map<string, string>;
  /** The merged settings document, when the settings loaded. */
  settings?: LoadedDocument;
}

/**
 * Reads every app under `root` and the root's opsdeck.yaml. With an
 * `environment`, its overlay is merged over opsdeck.yaml. Returns an error
 * message when there is nothing to check or the environment is unknown.
 */
export function checkFolder(root: string, environment?: string): Checked | { error: string } {
  let absolute = resolve(root);
  if (basename(absolute) === 'app.yaml' && existsSync(absolute) && !isDirectory(absolute)) absolute = dirname(absolute);
  if (!isDirectory(absolute)) return { error: `folder ${root} does not exist or is not a folder; give the folder that holds app.yaml (or a folder of such folders)` };
  const dirs = discoverApps(absolute);
  if (dirs.length === 0) return { error: `no app found under ${root}: no folder there holds an app.yaml` };

  const apps = dirs.map((dir) => readApp(dir));
  const sources = new Map(apps.flatMap((app) => app.sources.map((source) => [source.file, source.text] as const)));
  for (const app of apps) if (!sources.has(app.file)) sources.set(app.file, app.text);
  const diagnostics = [...apps.flatMap((app) => app.diagnostics), ...findDuplicateAppIds(apps)];

  const settingsFile = join(absolute, 'opsdeck.yaml');
  let settings: LoadedDocument | undefined;
  if (existsSync(settingsFile) || environment !== undefined) {
    let layers: SettingsLayer[] | undefined;
    try {
      layers = readSettingsLayers(absolute, environment);
    } catch (error) {
      if (error instanceof UnknownEnvironment) return { error: error.message };
      const reason = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      diagnostics.push({ code: 'file-unreadable', severity: 'error', file: settingsFile, line: 1, col: 1, path: [], message: `cannot read the settings file (${reason})`, hint: 'Check the file permissions.' });
    }
    if (layers !== undefined) {
      for (const layer of layers) sources.set(layer.file, layer.text);
      const built = buildSettingsLayers(layers);
      diagnostics.push(...built.diagnostics);
      settings = built.loaded;
    }
  }
  return { root: absolute, apps, diagnostics, sources, settings };
}

/**
 * Reports every `${env:NAME}` that the apps' data sources and the settings
 * use but `env` does not set. Values are never printed.
 */
export function checkEnvironment(checked: Checked, env: Readonly<Record<string, string | undefined>>, environment: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const app of checked.apps) {
    if (app.loaded !== undefined) found.push(...checkEnvReferences(app.loaded, [['datasources']], env, environment));
  }
  if (checked.settings !== undefined) found.push(...checkEnvReferences(checked.settings, [[]], env, environment));
  return found;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Builds the closing line: `1 app valid`, or `2 errors in 1 app`. */
function summaryLine(checked: Checked, diagnostics: Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const warnings = diagnostics.length - errors.length;
  const warningText = warnings > 0 ? `, ${plural(warnings, 'warning')}` : '';
  if (errors.length === 0) return `${plural(checked.apps.length, 'app')} valid${warningText}`;

  const appFiles = new Set(checked.apps.flatMap((app) => [app.file, ...app.sources.map((source) => source.file)]));
  const appOf = new Map(checked.apps.flatMap((app) => [app.file, ...app.sources.map((source) => source.file)].map((file) => [file, app.file] as const)));
  const failingApps = new Set(errors.filter((d) => appFiles.has(d.file)).map((d) => appOf.get(d.file)));
  const places: string[] = [];
  if (failingApps.size > 0) places.push(plural(failingApps.size, 'app'));
  if (errors.some((d) => !appFiles.has(d.file))) places.push('opsdeck.yaml');
  return `${plural(errors.length, 'error')} in ${places.join(' and ')}${warningText}`;
}

/** Escapes the message of a GitHub Actions workflow command. */
function escapeGithubData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value (`file=`, `title=`) of a GitHub Actions workflow command. */
function escapeGithubProperty(text: string): string {
  return escapeGithubData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * Formats a diagnostic as a GitHub Actions workflow command, which GitHub
 * shows as an annotation on the file and line in a pull request:
 * `::error file=F,line=L,col=C,title=CODE::message hint`.
 */
export function formatGithubAnnotation(d: Diagnostic): string {
  const properties = [`file=${escapeGithubProperty(d.file)}`, `line=${d.line}`, `col=${d.col}`, `title=${escapeGithubProperty(d.code)}`].join(',');
  const text = d.hint === undefined ? d.message : `${d.message} ${d.hint}`;
  return `::${d.severity} ${properties}::${escapeGithubData(text)}`;
}

/** Runs `opsdeck validate`; resolves to 0 when clean, 1 on any error (or, with --strict, any warning), 2 when it cannot run. */
export async function runValidate(argv: string[], out: CommandOutput): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { format: { type: 'string', default: 'text' }, strict: { type: 'boolean', default: false }, env: { type: 'string' } } });
  } catch (error) {
    out.stderr(`opsdeck validate: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  const format = parsed.values.format;
  if (!(FORMATS as readonly string[]).includes(format)) {
    out.stderr(`opsdeck validate: --format must be text, json or github, not "${format}"\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  if (parsed.positionals.length !== 1) {
    out.stderr(`opsdeck validate: expected one folder, got ${parsed.positionals.length}\n${USAGE}\n`);
    return EXIT.cannotRun;
  }

  const environment = parsed.values.env ?? (process.env.OPSDECK_ENV || undefined);
  const checked = checkFolder(parsed.positionals[0], environment);
  if ('error' in checked) {
    out.stderr(`opsdeck validate: ${checked.error}\n`);
    return EXIT.cannotRun;
  }

  if (environment !== undefined) checked.diagnostics.push(...checkEnvironment(checked, process.env, environment));
  checked.diagnostics.push(...(await checkAppsAgainstDatabases(checked.apps, checked.diagnostics)));
  if (parsed.values.strict) {
    checked.diagnostics = checked.diagnostics.map((d) => (d.severity === 'warning' ? { ...d, severity: 'error' } : d));
  }

  const cwd = process.cwd();
  const shown = checked.diagnostics.map((d) => ({ ...d, file: relative(cwd, d.file) || d.file }));
  const failed = shown.some((d) => d.severity === 'error');

  if (format === 'json') {
    const apps = checked.apps.map((app) => ({
      dir: relative(cwd, app.dir) || '.',
      id: app.model?.id ?? null,
      ok: app.model !== undefined && !checked.diagnostics.some((d) => d.severity === 'error' && (d.file === app.file || app.sources.some((source) => source.file === d.file))),
    }));
    out.stdout(`${JSON.stringify({ apps, diagnostics: shown }, null, 2)}\n`);
  } else if (format === 'github') {
    for (const d of shown) out.stdout(`${formatGithubAnnotation(d)}\n`);
    out.stdout(`${summaryLine(checked, checked.diagnostics)}\n`);
  } else {
    checked.diagnostics.forEach((d, index) => {
      out.stdout(`${formatDiagnostic(shown[index], checked.sources.get(d.file))}\n`);
    });
    out.stdout(`${summaryLine(checked, checked.diagnostics)}\n`);
  }
  return failed ? EXIT.invalid : EXIT.ok;
}
