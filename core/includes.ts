// Apps split across files: `include:` pulls map fragments (pages, queries,
// actions, roles) from other YAML files, and `sql: { file: ... }` reads a
// statement from an SQL file. The runtime reads the files; this module only
// merges the texts it is given, so core stays free of I/O.
import type { Diagnostic } from './diagnostics.js';
import { diagnosticAt, loadYaml, type DiagnosticInput, type DocPath, type LoadedDocument, type PositionTable, type SourcePositions } from './load.js';
import { MergedPositions, TextPositions } from './merged-positions.js';
import { suggest } from './suggest.js';

/** Top-level keys an included file may hold; each is a map of entries by id. */
export const INCLUDABLE_KEYS = ['pages', 'queries', 'actions', 'jobs', 'roles'] as const;

/** Singular names of the includable kinds, for messages. */
const ENTRY_NAME: Record<string, string> = { pages: 'page', queries: 'query', actions: 'action', jobs: 'job', roles: 'role' };

/** Extensions an `include:` entry may name. */
const YAML_EXTENSION = /\.ya?ml$/;
const GLOB_CHARACTER = /[*?]/;

/** The other files of an app folder, and how to expand an include pattern against them. */
export interface AppFileSet {
  /** Texts by path relative to the app folder, with `/` between folders. */
  files?: Readonly<Record<string, string>>;
  /** Expands a pattern with `*`, `**` or `?` to the matching paths of `files`, sorted; without it a pattern must name a file exactly. */
  expand?: (pattern: string) => string[];
}

/** One file that went into a spec: its relative path, the name diagnostics show and its text. */
export interface SpecFile {
  /** Path relative to the app folder; empty for the main spec file. */
  path: string;
  file: string;
  text: string;
}

export interface IncludeResult {
  loaded?: LoadedDocument;
  diagnostics: Diagnostic[];
  /** Included YAML and SQL files that were found, in the order they were merged. */
  included: SpecFile[];
}

type Place = { file: string; line: number; col: number };

/**
 * Merges the files named by the main document's `include:` list and its
 * `sql: { file }` references into one document whose position table maps
 * each entry to its own file. Entries of the main file come first, then
 * those of each included file in include order (this is the page menu order).
 */
export function resolveIncludes(main: LoadedDocument<SourcePositions>, fileSet: AppFileSet): IncludeResult {
  const merger = new IncludeMerger(main, fileSet);
  merger.mergeIncludes();
  if (merger.diagnostics.some((d) => d.severity === 'error')) return merger.result(false);
  merger.readSqlFiles();
  return merger.result(!merger.diagnostics.some((d) => d.severity === 'error'));
}

/** Returns the name shown for a file of the app folder: the main file's folder followed by the relative path. */
export function siblingName(mainFile: string, path: string): string {
  const slash = Math.max(mainFile.lastIndexOf('/'), mainFile.lastIndexOf('\\'));
  return `${mainFile.slice(0, slash + 1)}${path}`;
}

/** Normalises a relative path from a spec (`./sql/a.sql` to `sql/a.sql`); returns undefined when it leaves the app folder or is absolute. */
export function normaliseSpecPath(path: string): string | undefined {
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path)) return undefined;
  const parts: string[] = [];
  for (const part of path.split(/[/\\]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

class IncludeMerger {
  readonly diagnostics: Diagnostic[] = [];
  readonly #main: LoadedDocument<SourcePositions>;
  readonly #files: Readonly<Record<string, string>>;
  readonly #expand: (pattern: string) => string[];
  readonly #data: Record<string, unknown>;
  readonly #positions: MergedPositions;
  readonly #included: SpecFile[] = [];
  /** First definition place of each entry, keyed by `kind/id`. */
  readonly #owners = new Map<string, Place>();

  constructor(main: LoadedDocument<SourcePositions>, fileSet: AppFileSet) {
    this.#main = main;
    this.#files = fileSet.files ?? {};
    this.#expand = fileSet.expand ?? ((pattern) => (Object.hasOwn(this.#files, pattern) ? [pattern] : []));
    this.#data = { ...main.data };
    this.#positions = new MergedPositions(main.positions);
    for (const kind of INCLUDABLE_KEYS) {
      const entries = main.data[kind];
      if (!isMap(entries)) continue;
      this.#data[kind] = { ...entries };
      for (const id of Object.keys(entries)) this.#owners.set(`${kind}/${id}`, this.#placeIn(main.file, main.positions, [kind, id]));
    }
  }

  result(ok: boolean): IncludeResult {
    if (!ok) return { diagnostics: this.diagnostics, included: this.#included };
    const loaded: LoadedDocument = { file: this.#main.file, text: this.#main.text, data: this.#data, positions: this.#positions };
    return { loaded, diagnostics: this.diagnostics, included: this.#included };
  }

  #report(input: DiagnosticInput, positions: PositionTable = this.#main.positions, file = this.#main.file): void {
    this.diagnostics.push(diagnosticAt(file, positions, input));
  }

  #placeIn(file: string, positions: PositionTable, path: DocPath): Place {
    const at = positions.locate(path, 'key');
    return { file: at.file ?? file, line: at.line, col: at.col };
  }

  mergeIncludes(): void {
    const list = this.#main.data.include;
    if (list === undefined) return;
    if (!Array.isArray(list) || list.some((entry) => typeof entry !== 'string')) {
      this.#report({ code: 'include-invalid', path: ['include'], message: '`include:` must be a list of file paths', hint: 'Write `include: [pages/*.yaml, queries/customers.yaml]`, with paths relative to the app folder.' });
      return;
    }
    const seen = new Set<string>();
    (list as string[]).forEach((pattern, index) => {
      for (const path of this.#matches(pattern, index)) {
        if (seen.has(path)) continue;
        seen.add(path);
        this.#mergeFile(path);
      }
    });
  }

  /** Returns the files an include entry names, reporting an entry that names none. */
  #matches(pattern: string, index: number): string[] {
    const path = ['include', index];
    const normalised = normaliseSpecPath(pattern);
    if (normalised === undefined) {
      this.#report({ code: 'include-invalid', path, message: `include \`${pattern}\` is not a path inside the app folder`, hint: 'Give a path relative to the folder that holds app.yaml, without `..`.' });
      return [];
    }
    if (!YAML_EXTENSION.test(normalised)) {
      const sql = normalised.endsWith('.sql');
      this.#report({
        code: 'include-invalid',
        path,
        message: `include \`${pattern}\` does not name a YAML file`,
        hint: sql ? 'Name an SQL file from the query or action that runs it: `sql: { file: ' + normalised + ' }`.' : 'Include `.yaml` or `.yml` files that hold `pages:`, `queries:`, `actions:` or `roles:`.',
      });
      return [];
    }
    const yamlFiles = Object.keys(this.#files).filter((name) => YAML_EXTENSION.test(name));
    const glob = GLOB_CHARACTER.test(normalised);
    const found = (glob ? this.#expand(normalised) : Object.hasOwn(this.#files, normalised) ? [normalised] : []).filter((name) => YAML_EXTENSION.test(name));
    if (found.length > 0) return found;

    const near = glob ? undefined : suggest(normalised, yamlFiles);
    const listed = yamlFiles.slice(0, 8).map((name) => `\`${name}\``).join(', ');
    this.#report({
      code: 'include-missing',
      path,
      message: glob
        ? `include \`${pattern}\` matches no file in the app folder`
        : `included file \`${normalised}\` does not exist in the app folder (${siblingName(this.#main.file, normalised)})`,
      hint: near !== undefined
        ? `Did you mean \`${near}\`?`
        : yamlFiles.length === 0 ? 'The app folder holds no other YAML file yet; create the file or remove the entry.' : `YAML files in the app folder: ${listed}${yamlFiles.length > 8 ? ', ...' : ''}.`,
    });
    return [];
  }

  #mergeFile(path: string): void {
    const text = this.#files[path];
    const file = siblingName(this.#main.file, path);
    this.#included.push({ path, file, text });
    const { loaded, diagnostics } = loadYaml(file, text);
    if (loaded === undefined) {
      this.diagnostics.push(...diagnostics);
      return;
    }
    for (const [key, entries] of Object.entries(loaded.data)) {
      if (!(INCLUDABLE_KEYS as readonly string[]).includes(key)) {
        const hint = key === 'include'
          ? 'Included files cannot include others: list every file in the `include:` of app.yaml.'
          : `An included file may hold only ${INCLUDABLE_KEYS.map((k) => `\`${k}:\``).join(', ')}; move \`${key}:\` to app.yaml.`;
        this.#report({ code: 'include-invalid-key', path: [key], part: 'key', message: `\`${key}:\` cannot be in an included file`, hint }, loaded.positions, file);
        continue;
      }
      if (!isMap(entries)) {
        this.#report({ code: 'include-invalid', path: [key], message: `\`${key}:\` in an included file must be a map of entries by id`, hint: `Write \`${key}:\` followed by indented \`<id>:\` entries.` }, loaded.positions, file);
        continue;
      }
      const target = isMap(this.#data[key]) ? (this.#data[key] as Record<string, unknown>) : {};
      this.#data[key] = target;
      for (const [id, entry] of Object.entries(entries)) this.#mergeEntry(key, id, entry, target, file, loaded.positions);
    }
  }

  #mergeEntry(kind: string, id: string, entry: unknown, target: Record<string, unknown>, file: string, positions: SourcePositions): void {
    const owner = this.#owners.get(`${kind}/${id}`);
    if (owner !== undefined) {
      this.#report({
        code: 'duplicate-id',
        path: [kind, id],
        part: 'key',
        message: `${ENTRY_NAME[kind]} \`${id}\` is defined twice: here and at ${owner.file}:${owner.line}:${owner.col}`,
        hint: `Keep one definition of \`${id}\`, or rename one of them.`,
      }, positions, file);
      return;
    }
    this.#owners.set(`${kind}/${id}`, this.#placeIn(file, positions, [kind, id]));
    target[id] = entry;
    this.#positions.mount([kind, id], file, positions);
  }

  /** Replaces each `sql: { file }` of a query or action by the text of that file. */
  readSqlFiles(): void {
    const sqlFiles = Object.keys(this.#files).filter((name) => name.endsWith('.sql'));
    for (const kind of ['queries', 'actions']) {
      const statements = this.#data[kind];
      if (!isMap(statements)) continue;
      for (const [id, statement] of Object.entries(statements)) {
        if (!isMap(statement) || !isMap(statement.sql) || typeof statement.sql.file !== 'string') continue;
        const reference = statement.sql.file;
        const path: DocPath = [kind, id, 'sql', 'file'];
        const normalised = normaliseSpecPath(reference);
        if (normalised === undefined || !normalised.endsWith('.sql')) {
          this.#report({ code: 'include-invalid', path, message: `\`${reference}\` is not an SQL file inside the app folder`, hint: 'Name a `.sql` file by its path relative to the folder that holds app.yaml, without `..`.' }, this.#positions);
          continue;
        }
        const text = this.#files[normalised];
        if (text === undefined) {
          const near = suggest(normalised, sqlFiles);
          this.#report({
            code: 'include-missing',
            path,
            message: `SQL file \`${normalised}\` of ${ENTRY_NAME[kind]} \`${id}\` does not exist in the app folder (${siblingName(this.#main.file, normalised)})`,
            hint: near !== undefined ? `Did you mean \`${near}\`?` : 'Create the file, or write the SQL inline as `sql: |`.',
          }, this.#positions);
          continue;
        }
        const file = siblingName(this.#main.file, normalised);
        if (!this.#included.some((included) => included.path === normalised)) this.#included.push({ path: normalised, file, text });
        statements[id] = { ...statement, sql: text };
        this.#positions.mount([kind, id, 'sql'], file, new TextPositions(text), 3);
      }
    }
  }
}
