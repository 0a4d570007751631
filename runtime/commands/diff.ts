// `opsdeck diff <base> [<head>]`: compare two versions of the apps under a
// folder, as two folders or as two git revisions of the current repository.
import { spawnSync } from 'node:child_process';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../../core/build-app.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import { diffApps, renderDiffMarkdown, renderDiffText } from '../../core/diff.js';
import { formatDiagnostic } from '../../core/format.js';
import type { AppModel } from '../../core/model.js';
import type { AppFileSet } from '../../core/includes.js';
import { APP_FILE, discoverApps, findDuplicateAppIds, isDirectory, readApp, type AppFile } from '../app-files.js';
import { expandPattern, SPEC_FILE_EXTENSIONS } from '../spec-files.js';
import { EXIT, type CommandOutput } from './validate.js';

const USAGE = `Usage: opsdeck diff <base> [<head>] [--dir <path>] [--format text|markdown|json] [--fail-on-widened-access]
  <base> <head> are two folders, or two git revisions (default head: the working tree) of the folder --dir (default: .)`;

/** Exit code when --fail-on-widened-access is set and a role, group or user gained a permission. */
export const EXIT_WIDENED = 3;

/** Output writers plus the settings `opsdeck diff` reads from its environment; tests set them explicitly. */
export interface DiffIo extends CommandOutput {
  /** Folder that relative paths and git commands start from; defaults to process.cwd(). */
  cwd?: string;
  /** Colour the text report; defaults to true when stdout is a terminal and NO_COLOR is unset or empty. */
  color?: boolean;
}

/** One version of the apps: where it came from and each app file read from it. */
interface Version {
  label: string;
  apps: AppFile[];
}

/** Raised when a version cannot be read; the message is shown as is. */
class CannotRun extends Error {}

/**
 * Runs `opsdeck diff`; resolves to 0 after printing the report, 1 when a
 * version has spec errors, 2 when it cannot run, and 3 with
 * --fail-on-widened-access when access was widened.
 */
export async function runDiff(argv: string[], io: DiffIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        dir: { type: 'string', default: '.' },
        format: { type: 'string', default: 'text' },
        'fail-on-widened-access': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    io.stderr(`opsdeck diff: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  const { values, positionals } = parsed;
  const format = values.format;
  if (format !== 'text' && format !== 'markdown' && format !== 'json') {
    io.stderr(`opsdeck diff: --format must be text, markdown or json, not "${format}"\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  if (positionals.length < 1 || positionals.length > 2) {
    io.stderr(`opsdeck diff: expected a base and an optional head, got ${positionals.length} arguments\n${USAGE}\n`);
    return EXIT.cannotRun;
  }

  const cwd = io.cwd ?? process.cwd();
  let versions: [Version, Version];
  try {
    versions = readVersions(positionals, values.dir, cwd);
  } catch (error) {
    if (!(error instanceof CannotRun)) throw error;
    io.stderr(`opsdeck diff: ${error.message}\n`);
    return EXIT.cannotRun;
  }
  const [base, head] = versions;
  if (base.apps.length === 0 && head.apps.length === 0) {
    io.stderr(`opsdeck diff: no app found in either version: no folder under ${values.dir} holds an ${APP_FILE}\n`);
    return EXIT.cannotRun;
  }

  const failing = [base, head].filter((version) => reportErrors(version, cwd, io));
  if (failing.length > 0) {
    io.stderr(`opsdeck diff: fix the spec errors above in ${failing.map((v) => v.label).join(' and ')} first; \`opsdeck validate\` lists them too\n`);
    return EXIT.invalid;
  }

  const diff = diffApps(modelsOf(base), modelsOf(head));
  const labels = { base: base.label, head: head.label };
  if (format === 'json') io.stdout(`${JSON.stringify({ base: labels.base, head: labels.head, ...diff }, null, 2)}\n`);
  else if (format === 'markdown') io.stdout(renderDiffMarkdown(diff, { labels }));
  else io.stdout(renderDiffText(diff, { labels, color: io.color ?? defaultColor() }));

  return values['fail-on-widened-access'] && diff.widened ? EXIT_WIDENED : EXIT.ok;
}

function defaultColor(): boolean {
  return process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '';
}

function modelsOf(version: Version): AppModel[] {
  return version.apps.flatMap((app) => (app.model === undefined ? [] : [app.model]));
}

/** Prints a version's spec errors (and warnings next to them); returns true when there was an error. */
function reportErrors(version: Version, cwd: string, io: DiffIo): boolean {
  const diagnostics: Diagnostic[] = [...version.apps.flatMap((app) => app.diagnostics), ...findDuplicateAppIds(version.apps)];
  if (!diagnostics.some((d) => d.severity === 'error')) return false;
  const sources = new Map(version.apps.flatMap((app) => app.sources.map((source) => [source.file, source.text] as const)));
  for (const d of diagnostics) {
    const shown = d.file.startsWith(sep) ? { ...d, file: relative(cwd, d.file) || d.file } : d;
    io.stderr(`${formatDiagnostic(shown, sources.get(d.file))}\n`);
  }
  return true;
}

/** Reads both versions: two folders when both arguments are folders, else git revisions of `dir`. */
function readVersions(positionals: string[], dir: string, cwd: string): [Version, Version] {
  const [baseArg, headArg] = positionals;
  if (headArg !== undefined && isDirectory(resolve(cwd, baseArg)) && isDirectory(resolve(cwd, headArg))) {
    return [readFolder(resolve(cwd, baseArg), baseArg), readFolder(resolve(cwd, headArg), headArg)];
  }

  const repo = gitRoot(cwd);
  const folder = relative(repo, resolve(cwd, dir));
  if (folder.startsWith('..')) throw new CannotRun(`--dir ${dir} is outside the git repository at ${repo}`);
  const base = readRevision(repo, baseArg, folder);
  if (headArg !== undefined) return [base, readRevision(repo, headArg, folder)];

  const workingTree = resolve(cwd, dir);
  if (!isDirectory(workingTree)) throw new CannotRun(`folder ${dir} does not exist in the working tree; give a head revision to compare two commits`);
  return [base, readFolder(workingTree, 'working tree')];
}

function readFolder(dir: string, label: string): Version {
  return { label, apps: discoverApps(dir).map((appDir) => readApp(appDir)) };
}

function gitRoot(cwd: string): string {
  const result = git(cwd, ['rev-parse', '--show-toplevel']);
  if (result.status !== 0) {
    throw new CannotRun(`${cwd} is not inside a git repository, and the arguments are not two existing folders; give two folders or run the command inside a repository`);
  }
  return result.stdout.trim();
}

/** Reads every app.yaml under `folder` at `revision`, with the same folder rules as discoverApps. */
function readRevision(repo: string, revision: string, folder: string): Version {
  if (revision === '' || revision.startsWith('-')) {
    throw new CannotRun(`"${revision}" is not a revision; give a branch, tag or commit such as main or HEAD~1`);
  }
  const commit = git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`]);
  if (commit.status !== 0) {
    throw new CannotRun(`revision "${revision}" was not found in the git repository at ${repo}, and it is not a folder either; check the branch or commit name`);
  }
  const sha = commit.stdout.trim();

  const listing = git(repo, ['ls-tree', '-r', '-z', '--name-only', sha, '--', folder === '' ? '.' : folder]);
  if (listing.status !== 0) throw new CannotRun(`cannot list the files of ${revision}: ${listing.stderr.trim()}`);
  const prefix = folder === '' ? '' : `${folder.split(sep).join('/')}/`;
  const specs = listing.stdout
    .split('\0')
    .filter((path) => path === `${prefix}${APP_FILE}` || (path.startsWith(prefix) && path.endsWith(`/${APP_FILE}`)))
    .filter((path) => servedFolder(path.slice(prefix.length)))
    .sort();

  const paths = listing.stdout.split('\0');
  const show = (path: string): string => {
    const shown = git(repo, ['show', `${sha}:${path}`]);
    if (shown.status !== 0) throw new CannotRun(`cannot read ${path} at ${revision}: ${shown.stderr.trim()}`);
    return shown.stdout;
  };
  const apps = specs.map((path): AppFile => {
    const text = show(path);
    const file = `${revision}:${path}`;
    const { model, diagnostics, loaded, sources } = buildApp({ file, text, ...revisionSpecFiles(path, specs, paths, show) });
    return { dir: join(repo, path, '..'), file, text, model, diagnostics, loaded, sources };
  });
  return { label: revision, apps };
}

/**
 * Reads the YAML and SQL files beside the spec at `specPath` that its
 * `include:` or `sql: { file }` may name, with the same rules as
 * readSpecFiles: not in dot folders, node_modules or the folder of another app.
 */
function revisionSpecFiles(specPath: string, specs: string[], paths: string[], show: (path: string) => string): AppFileSet {
  const folder = specPath.slice(0, -APP_FILE.length);
  const otherApps = specs.filter((other) => other !== specPath && other.startsWith(folder)).map((other) => other.slice(0, -APP_FILE.length));
  const names = paths
    .filter((path) => path.startsWith(folder) && path !== specPath && SPEC_FILE_EXTENSIONS.some((extension) => path.endsWith(extension)))
    .filter((path) => !otherApps.some((other) => path.startsWith(other)))
    .map((path) => path.slice(folder.length))
    .filter((name) => servedFolder(name));
  // Only the files an include could name are read: one `git show` each.
  const files: Record<string, string> = {};
  for (const name of names) files[name] = show(`${folder}${name}`);
  return { files, expand: (pattern) => expandPattern(pattern, names) };
}

/** Returns false for specs that discoverApps skips: inside dot folders or node_modules. */
function servedFolder(pathUnderRoot: string): boolean {
  const folders = pathUnderRoot.split('/').slice(0, -1);
  return !folders.some((name) => name.startsWith('.') || name === 'node_modules');
}

function git(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error !== undefined) {
    throw new CannotRun(`cannot run git (${(result.error as NodeJS.ErrnoException).code ?? result.error.message}); install git or compare two folders instead`);
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
