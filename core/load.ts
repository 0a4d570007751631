// Load stage: YAML text to plain data, with a side table of source positions.
import { LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, Scalar } from 'yaml';
import type { Alias, Document, Node as YamlNode } from 'yaml';
import type { Diagnostic, Severity } from './diagnostics.js';
import { fastLoadYaml } from './fast-yaml.js';

/** Document path: map keys and sequence indices from the root, such as ['queries', 'customers', 'sql']. */
export type DocPath = Array<string | number>;

/** A 1-based line and column in the source text. */
export interface Position {
  line: number;
  col: number;
}

/** A position, and the file it is in when the table spans several files (an app split with `include:`). */
export interface Located extends Position {
  file?: string;
}

/** Position table of a loaded document: one file's SourcePositions, or a table that spans several files. */
export interface PositionTable {
  /** Returns true when `path` names a node that exists in the source. */
  has(path: DocPath): boolean;
  /** Returns the position of the key (`part: 'key'`) or the value at `path`. */
  locate(path: DocPath, part?: 'key' | 'value'): Located;
  /** Returns the position of character `offset` inside the string value at `path`. */
  locateInValue(path: DocPath, offset: number, value: string): Located;
}

/** Where one node sits, as source offsets; turned into line and column only when a diagnostic asks. */
interface NodeEntry {
  key?: number;
  value: number;
  /** Source offsets of a scalar value, kept so offsets inside the value can be mapped back. */
  scalar?: { type: Scalar['type']; start: number };
}

/**
 * Maps document paths to where they sit in the source. Built from the yaml
 * document's node ranges; the loaded data itself carries no positions.
 */
export class SourcePositions implements PositionTable {
  readonly #entries = new Map<string, NodeEntry>();
  readonly #text: string;
  readonly #lines: LineCounter;

  constructor(text: string, lines: LineCounter) {
    this.#text = text;
    this.#lines = lines;
  }

  /** Records where the node sits; `key` is `pathKey` of its path. Called while walking the yaml document. */
  set(key: string, entry: NodeEntry): void {
    this.#entries.set(key, entry);
  }

  /** Returns true when `path` names a node that exists in the source. */
  has(path: DocPath): boolean {
    return this.#entries.has(JSON.stringify(path));
  }

  /**
   * Returns the position of the key (`part: 'key'`) or the value at `path`.
   * A path missing from the source falls back to its nearest ancestor's key,
   * and the root falls back to line 1, column 1.
   */
  locate(path: DocPath, part: 'key' | 'value' = 'value'): Position {
    const entry = this.#entries.get(JSON.stringify(path));
    if (entry !== undefined) return this.#at(part === 'key' ? entry.key ?? entry.value : entry.value);
    if (path.length === 0) return { line: 1, col: 1 };
    return this.locate(path.slice(0, -1), 'key');
  }

  /**
   * Returns the source position of character `offset` inside the string value at `path`.
   * Exact for literal block scalars (`|`) and single-line scalars; for folded or
   * multi-line quoted scalars it falls back to the start of the value.
   */
  locateInValue(path: DocPath, offset: number, value: string): Position {
    const entry = this.#entries.get(JSON.stringify(path));
    if (entry?.scalar === undefined) return this.locate(path);
    const { type, start } = entry.scalar;

    if (type === Scalar.BLOCK_LITERAL) {
      return this.#locateInLiteralBlock(start, offset, value) ?? this.#at(entry.value);
    }
    const quoted = type === Scalar.QUOTE_DOUBLE || type === Scalar.QUOTE_SINGLE;
    const contentStart = start + (quoted ? 1 : 0);
    // Exact only when the source spells the value character for character (one line, no escapes).
    if (this.#text.slice(contentStart, contentStart + value.length) === value) {
      return this.#lines.linePos(contentStart + offset);
    }
    return this.#at(entry.value);
  }

  #at(offset: number): Position {
    return this.#lines.linePos(Math.min(offset, this.#text.length));
  }

  #locateInLiteralBlock(headerStart: number, offset: number, value: string): Position | undefined {
    const headerEnd = this.#text.indexOf('\n', headerStart);
    if (headerEnd === -1) return undefined;
    const before = value.slice(0, offset);
    const lineIndex = before.split('\n').length - 1;

    // Reads only the lines after the header that are needed, not the rest of the file: this runs once per SQL parameter.
    const sourceLines: string[] = [];
    let cursor = headerEnd + 1;
    const readLine = (): string | undefined => {
      if (cursor > this.#text.length) return undefined;
      const end = this.#text.indexOf('\n', cursor);
      const line = this.#text.slice(cursor, end === -1 ? this.#text.length : end);
      cursor = end === -1 ? this.#text.length + 1 : end + 1;
      sourceLines.push(line);
      return line;
    };
    let firstContent = readLine();
    while (firstContent !== undefined && firstContent.trim() === '') firstContent = readLine();
    if (firstContent === undefined) return undefined;
    const indent = firstContent.length - firstContent.trimStart().length;
    while (sourceLines.length <= lineIndex && readLine() !== undefined);

    const colInLine = offset - (before.lastIndexOf('\n') + 1);
    const valueLine = value.split('\n')[lineIndex] ?? '';
    const sourceLine = sourceLines[lineIndex];
    if (sourceLine === undefined || sourceLine.slice(indent, indent + valueLine.length) !== valueLine) return undefined;
    const headerLine = this.#lines.linePos(headerStart).line;
    return { line: headerLine + 1 + lineIndex, col: indent + colInLine + 1 };
  }
}

/** A spec file after the load stage: plain data plus the position side table. */
export interface LoadedDocument<P extends PositionTable = PositionTable> {
  file: string;
  text: string;
  data: Record<string, unknown>;
  positions: P;
}

export interface LoadResult {
  loaded?: LoadedDocument<SourcePositions>;
  diagnostics: Diagnostic[];
}

/** Input for placing one diagnostic at a node: code, path, message and optional exact position. */
export interface DiagnosticInput {
  code: string;
  path: DocPath;
  /** Point at the key (for unknown or misplaced keys) or at the value (the default). */
  part?: 'key' | 'value';
  /** Exact position, when the caller knows better than the node's start (such as a parameter inside SQL). */
  at?: Located;
  message: string;
  hint?: string;
  severity?: Severity;
}

/** Builds a Diagnostic placed at a node of the loaded document; `file` is used unless the position names another file. */
export function diagnosticAt(file: string, positions: PositionTable, input: DiagnosticInput): Diagnostic {
  const position = input.at ?? positions.locate(input.path, input.part ?? 'value');
  const diagnostic: Diagnostic = {
    code: input.code,
    severity: input.severity ?? 'error',
    file: position.file ?? file,
    line: position.line,
    col: position.col,
    path: input.path,
    message: input.message,
  };
  if (input.hint !== undefined) diagnostic.hint = input.hint;
  return diagnostic;
}

/** Alias expansions allowed while converting to plain data; a billion-laughs file needs millions. */
export const MAX_ALIAS_COUNT = 1000;

// Always YAML 1.2 core: an explicit schema keeps a `%YAML 1.1` directive from turning `NO` or `on` into booleans.
const PARSE_OPTIONS = { version: '1.2', schema: 'core', merge: false, uniqueKeys: false, prettyErrors: false } as const;

/** Options of loadYaml. */
export interface LoadOptions {
  /** Whether to try the fast path of core/fast-yaml.ts first (the default). Tests pass false to compare both paths. */
  fast?: boolean;
}

/**
 * Parses one YAML document into plain data. Rejects empty files, several
 * documents in one file, a top level that is not a map, duplicate keys, tabs
 * used as indentation, unresolved aliases and alias expansion past MAX_ALIAS_COUNT.
 * A file in the plain subset that core/fast-yaml.ts reads is loaded without
 * the `yaml` package; the result is the same either way.
 */
export function loadYaml(file: string, text: string, options: LoadOptions = {}): LoadResult {
  if (options.fast !== false) {
    const fast = fastLoadYaml(text);
    if (fast !== undefined) {
      const lineCounter = new LineCounter();
      for (const start of fast.lineStarts) lineCounter.addNewLine(start);
      const positions = new SourcePositions(text, lineCounter);
      for (const [key, entry] of fast.entries) positions.set(key, entry);
      return { loaded: { file, text, data: fast.data, positions }, diagnostics: [] };
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter: lines });
  const positions = new SourcePositions(text, lines);
  const at = (offset: number): Position => lines.linePos(Math.min(offset, text.length));
  const fail = (code: string, position: Position, message: string, hint?: string): LoadResult => ({
    diagnostics: [{ code, severity: 'error', file, line: position.line, col: position.col, path: [], message, ...(hint ? { hint } : {}) }],
  });

  const syntax = syntaxDiagnostics(file, text, doc, at);
  if (syntax.length > 0) return { diagnostics: syntax };

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return fail('yaml-empty', { line: 1, col: 1 }, 'the file holds no YAML document', 'Start the spec with `opsdeck: 1`, `id:` and `title:`.');
  }
  if (!isMap(doc.contents)) {
    return fail('yaml-not-a-map', at(doc.contents.range?.[0] ?? 0), 'the top level of the file must be a map of keys such as `opsdeck:`, `id:` and `title:`', 'Remove the leading `-` or other value and write `key: value` lines.');
  }

  const walk = new DocumentWalk(file, doc, positions, at);
  let data: unknown;
  try {
    walk.visit(doc.contents, '[]');
    if (walk.diagnostics.length > 0) return { diagnostics: walk.diagnostics };
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof RangeError) {
      // The call stack overflowed on a document nested thousands of levels deep.
      return fail('yaml-too-deep', { line: 1, col: 1 }, 'the document is nested too deeply to load', 'Flatten the nesting of maps and lists.');
    }
    // Unresolved aliases were reported by the walk, so a ReferenceError here is the alias limit.
    if (!(error instanceof ReferenceError)) throw error;
    const first = walk.firstAlias ?? { line: 1, col: 1 };
    return fail('yaml-alias-limit', first, `aliases expand to more than ${MAX_ALIAS_COUNT} nodes, which looks like an alias bomb`, 'Write the repeated values out, or use fewer nested aliases.');
  }
  return { loaded: { file, text, data: data as Record<string, unknown>, positions }, diagnostics: [] };
}

function syntaxDiagnostics(file: string, text: string, doc: Document, at: (offset: number) => Position): Diagnostic[] {
  const sourceLines = text.split('\n');
  const seenLines = new Set<number>();
  const out: Diagnostic[] = [];
  for (const error of doc.errors) {
    const position = at(error.pos[0]);
    // One error per line: a tab or a bad indent makes the parser report follow-on errors at the same spot.
    if (seenLines.has(position.line)) continue;
    seenLines.add(position.line);

    const lineText = sourceLines[position.line - 1] ?? '';
    const indent = /^[ \t]*/.exec(lineText)?.[0] ?? '';
    const tabIndex = indent.indexOf('\t');
    if (error.code === 'TAB_AS_INDENT' || (tabIndex !== -1 && indent.length < lineText.length)) {
      const col = tabIndex === -1 ? position.col : tabIndex + 1;
      out.push(syntaxError(file, 'yaml-tab-indent', { line: position.line, col }, 'a tab is used as indentation; YAML allows only spaces there', 'Replace the tab with spaces.'));
    } else if (error.code === 'MULTIPLE_DOCS') {
      out.push(syntaxError(file, 'yaml-multiple-documents', position, 'the file holds more than one YAML document (a `---` line starts a second one)', 'Keep one app per file: remove the `---` line and what follows, or move it to its own app folder.'));
    } else {
      out.push(syntaxError(file, 'yaml-syntax', position, `invalid YAML: ${lowerFirst(error.message)}`, 'Check the indentation, quotes and brackets around this spot.'));
    }
  }
  return out;
}

function syntaxError(file: string, code: string, position: Position, message: string, hint: string): Diagnostic {
  return { code, severity: 'error', file, line: position.line, col: position.col, path: [], message, hint };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Walks the yaml node tree once: fills the position table and finds duplicate keys and unresolved aliases. */
class DocumentWalk {
  readonly diagnostics: Diagnostic[] = [];
  firstAlias: Position | undefined;
  readonly #file: string;
  readonly #doc: Document;
  readonly #positions: SourcePositions;
  readonly #at: (offset: number) => Position;

  constructor(file: string, doc: Document, positions: SourcePositions, at: (offset: number) => Position) {
    this.#file = file;
    this.#doc = doc;
    this.#positions = positions;
    this.#at = at;
  }

  /**
   * Visits a node whose path has the key `path` (see pathKey). Keys are built
   * by appending to the parent's, because turning every path into JSON anew
   * cost a noticeable part of loading a large spec.
   */
  visit(node: YamlNode | null, path: string, key?: number): void {
    if (node === null) return;
    const value = node.range?.[0] ?? 0;
    const entry: NodeEntry = { key, value };
    if (isScalar(node) && node.range) entry.scalar = { type: node.type, start: node.range[0] };
    this.#positions.set(path, entry);

    if (isAlias(node)) {
      this.#visitAlias(node, this.#at(value));
    } else if (isMap(node)) {
      // Key name to the source offset of its first occurrence.
      const firstLine = new Map<string, number>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const keyOffset = keyNode?.range?.[0] ?? node.range?.[0] ?? 0;
        const childPath = childKey(path, name);
        const earlier = firstLine.get(name);
        if (earlier !== undefined) {
          const keyPosition = this.#at(keyOffset);
          this.diagnostics.push(diagnosticAt(this.#file, this.#positions, {
            code: 'yaml-duplicate-key',
            path: JSON.parse(childPath) as DocPath,
            at: keyPosition,
            message: `duplicate key \`${name}\`: it is already defined at line ${this.#at(earlier).line}`,
            hint: `Keep one \`${name}:\` and merge or delete the other.`,
          }));
          continue;
        }
        firstLine.set(name, keyOffset);
        const valueNode = pair.value as YamlNode | null;
        if (valueNode === null) {
          this.#positions.set(childPath, { key: keyOffset, value: keyOffset });
        } else {
          this.visit(valueNode, childPath, keyOffset);
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        if (item === null) return;
        const itemNode = item as YamlNode;
        this.visit(itemNode, childKey(path, index), itemNode.range?.[0] ?? 0);
      });
    }
  }

  #visitAlias(node: Alias, position: Position): void {
    this.firstAlias ??= position;
    if (node.resolve(this.#doc) === undefined) {
      this.diagnostics.push({
        code: 'yaml-unresolved-alias',
        severity: 'error',
        file: this.#file,
        line: position.line,
        col: position.col,
        path: [],
        message: `alias \`*${node.source}\` refers to no anchor defined before it`,
        hint: `Define \`&${node.source}\` on a value above this line, or fix the alias name.`,
      });
    }
  }
}

/** Returns `JSON.stringify([...parent, name])` from `parent`, the same text for a parent path: `childKey('["a"]', 0)` is `'["a",0]'`. */
function childKey(parent: string, name: string | number): string {
  const item = JSON.stringify(name);
  return parent === '[]' ? `[${item}]` : `${parent.slice(0, -1)},${item}]`;
}
