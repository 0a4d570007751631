// Fast load path for the plain subset of YAML that specs use: block maps and
// sequences, one-line flow collections, one-line quoted and plain scalars, and
// `|` blocks. It reads the text in one pass and builds the data and the
// position entries together, with no syntax tree and no yaml Document.
// On anything outside the subset, or anything that could be a mistake, it
// gives up. core/load.ts then parses the file with the `yaml` package, which
// reports every problem.
import { Scalar } from 'yaml';

/** Source offsets of one node, in the same shape core/load.ts records. */
export interface FastEntry {
  key?: number;
  value: number;
  scalar?: { type: Scalar['type']; start: number };
}

/** Result of the fast path: the plain data, position entries keyed like core/load.ts (`JSON.stringify(path)`), and line starts. */
export interface FastLoad {
  data: Record<string, unknown>;
  entries: Array<[string, FastEntry]>;
  lineStarts: number[];
}

/** Error thrown inside the reader when the text leaves the subset. fastLoadYaml catches it. */
class GiveUp extends Error {}

function giveUp(): never {
  throw new GiveUp();
}

// Tabs, carriage returns, other control characters, a byte order mark and the Unicode line separators.
const UNSUPPORTED_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
// Plain scalars that the YAML 1.2 core schema reads as null or a boolean, and the simple numbers the fast path converts itself.
const CORE_NULL = /^(?:~|[Nn]ull|NULL)$/;
const CORE_TRUE = /^(?:[Tt]rue|TRUE)$/;
const CORE_FALSE = /^(?:[Ff]alse|FALSE)$/;
const SIMPLE_INT = /^-?[0-9]{1,15}$/;
const SIMPLE_FLOAT = /^-?[0-9]{1,15}\.[0-9]{1,15}$/;
const OTHER_CORE_NUMBERS = [
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
// Characters that may not start a plain scalar (`-`, `?` and `:` are checked separately).
const PLAIN_START_INDICATORS = '[]{},#&*!|>\'"%@`';

/**
 * Reads `text` when it stays within the plain subset and contains no mistake.
 * Returns undefined otherwise, so the caller parses it with `yaml`.
 */
export function fastLoadYaml(text: string): FastLoad | undefined {
  if (UNSUPPORTED_CHARACTERS.test(text)) return undefined;
  try {
    return new FastReader(text).read();
  } catch (error) {
    // A stack overflow on deep nesting also falls back, so the full path reports it.
    if (error instanceof GiveUp || error instanceof RangeError) return undefined;
    throw error;
  }
}

/** Returns `JSON.stringify([...parent, name])` from the parent's key, as core/load.ts builds it. */
function childKey(parent: string, name: string | number): string {
  const item = JSON.stringify(name);
  return parent === '[]' ? `[${item}]` : `${parent.slice(0, -1)},${item}]`;
}

class FastReader {
  readonly #text: string;
  readonly #lineStarts: number[] = [0];
  readonly #entries: Array<[string, FastEntry]> = [];
  /** Index of the line the reader is on. */
  #line = 0;

  constructor(text: string) {
    this.#text = text;
    for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) this.#lineStarts.push(index + 1);
  }

  read(): FastLoad {
    const first = this.#nextContentLine();
    if (first === -1 || this.#indentOf(first) !== 0) giveUp();
    const start = this.#lineStarts[first];
    const data = this.#blockMap(0, start, '[]', undefined);
    if (this.#nextContentLine() !== -1) giveUp();
    return { data, entries: this.#entries, lineStarts: this.#lineStarts };
  }

  #lineEnd(line: number): number {
    const next = this.#lineStarts[line + 1];
    return next === undefined ? this.#text.length : next - 1;
  }

  #indentOf(line: number): number {
    const start = this.#lineStarts[line];
    let index = start;
    while (this.#text.charCodeAt(index) === 32) index++;
    return index - start;
  }

  /**
   * Moves to the next line with content, skipping blank and comment
   * lines, and returns its index, or -1 at the end. Gives up on directives and
   * document markers.
   */
  #nextContentLine(): number {
    const text = this.#text;
    for (; this.#line < this.#lineStarts.length; this.#line++) {
      const start = this.#lineStarts[this.#line];
      const end = this.#lineEnd(this.#line);
      let index = start;
      while (index < end && text.charCodeAt(index) === 32) index++;
      if (index === end || text[index] === '#') continue;
      if (index === start && (text[start] === '%' || text.startsWith('---', start) || text.startsWith('...', start))) giveUp();
      return this.#line;
    }
    return -1;
  }

  /**
   * Gives up unless the next non-blank line (comments included) is indented
   * at most `indent`: a deeper line after a value would continue it or be a mistake.
   */
  #expectNothingDeeper(indent: number): void {
    const text = this.#text;
    for (let line = this.#line + 1; line < this.#lineStarts.length; line++) {
      const start = this.#lineStarts[line];
      const end = this.#lineEnd(line);
      let index = start;
      while (index < end && text.charCodeAt(index) === 32) index++;
      if (index === end) continue;
      if (index - start > indent) giveUp();
      return;
    }
  }

  /** Gives up unless only spaces, or spaces and a comment, follow `index` on its line. */
  #expectLineRest(index: number, end: number): void {
    const text = this.#text;
    if (index === end) return;
    if (text.charCodeAt(index) !== 32) giveUp();
    while (index < end && text.charCodeAt(index) === 32) index++;
    if (index < end && text[index] !== '#') giveUp();
  }

  #entry(path: string, entry: FastEntry): void {
    this.#entries.push([path, entry]);
  }

  /**
   * Reads a block map whose keys sit at column `indent`. Its first key starts
   * at `start`, on the current line, and `key` is the offset recorded as the map's key position.
   */
  #blockMap(indent: number, start: number, path: string, key: number | undefined): Record<string, unknown> {
    const text = this.#text;
    const map: Record<string, unknown> = {};
    this.#entry(path, { key, value: start });
    let keyStart = start;
    for (;;) {
      const end = this.#lineEnd(this.#line);
      const { name, after } = this.#mapKey(keyStart, end);
      if (name === '__proto__' || Object.hasOwn(map, name)) giveUp();
      const childPath = childKey(path, name);
      let index = after;
      while (index < end && text.charCodeAt(index) === 32) index++;
      if (index === end || (text[index] === '#' && index > after)) {
        // The value is on the following lines: a deeper map or sequence, or a sequence at the same indent.
        this.#line++;
        const line = this.#nextContentLine();
        if (line === -1) giveUp();
        const childIndent = this.#indentOf(line);
        const childStart = this.#lineStarts[line] + childIndent;
        const isSeq = text[childStart] === '-' && (childStart + 1 === this.#lineEnd(line) || text.charCodeAt(childStart + 1) === 32);
        if (isSeq && childIndent >= indent) map[name] = this.#blockSeq(childIndent, childPath, keyStart);
        else if (!isSeq && childIndent > indent) map[name] = this.#blockMap(childIndent, childStart, childPath, keyStart);
        else giveUp();
      } else {
        map[name] = this.#inlineValue(index, end, indent, childPath, keyStart);
        this.#line++;
      }
      const line = this.#nextContentLine();
      if (line === -1) break;
      const lineIndent = this.#indentOf(line);
      if (lineIndent < indent) break;
      if (lineIndent > indent) giveUp();
      keyStart = this.#lineStarts[line] + indent;
      // A sequence entry at the map's own indent, after a key with a value on its line, is a mistake.
      if (text[keyStart] === '-' && (keyStart + 1 === this.#lineEnd(line) || text.charCodeAt(keyStart + 1) === 32)) giveUp();
    }
    return map;
  }

  /** Reads a block sequence whose dashes sit at column `indent`, starting on the current line. */
  #blockSeq(indent: number, path: string, key: number): unknown[] {
    const text = this.#text;
    const items: unknown[] = [];
    const seqStart = this.#lineStarts[this.#line] + indent;
    this.#entry(path, { key, value: seqStart });
    for (;;) {
      const end = this.#lineEnd(this.#line);
      const dash = this.#lineStarts[this.#line] + indent;
      let index = dash + 1;
      while (index < end && text.charCodeAt(index) === 32) index++;
      if (index === end || text[index] === '#' || text[index] === '-') giveUp();
      const itemPath = childKey(path, items.length);
      if (this.#startsMapKey(index, end)) {
        items.push(this.#blockMap(index - this.#lineStarts[this.#line], index, itemPath, index));
      } else {
        items.push(this.#inlineValue(index, end, indent, itemPath, index));
        this.#line++;
      }
      const line = this.#nextContentLine();
      if (line === -1) break;
      const lineIndent = this.#indentOf(line);
      if (lineIndent < indent) break;
      if (lineIndent > indent) giveUp();
      const next = this.#lineStarts[line] + indent;
      if (text[next] !== '-' || !(next + 1 === this.#lineEnd(line) || text.charCodeAt(next + 1) === 32)) break;
    }
    return items;
  }

  /** Returns true when a block map key (`name:` then a space or the line end) starts at `index`. */
  #startsMapKey(index: number, end: number): boolean {
    const text = this.#text;
    const first = text[index];
    if (first === '"' || first === "'") {
      const close = this.#find(first, index + 1, end);
      return close !== -1 && text[close + 1] === ':' && (close + 2 === end || text.charCodeAt(close + 2) === 32);
    }
    if (first === '[' || first === '{' || first === '|' || first === '>') return false;
    for (let at = this.#find(':', index, end); at !== -1; at = this.#find(':', at + 1, end)) {
      if (at + 1 === end || text.charCodeAt(at + 1) === 32) return true;
    }
    return false;
  }

  /** Reads the block map key at `start` and returns its name and the offset after its colon. */
  #mapKey(start: number, end: number): { name: string; after: number } {
    const text = this.#text;
    const first = text[start];
    if (first === '"' || first === "'") {
      const { value, after } = this.#quoted(start, end);
      // A quoted key needs a space or the line end after its colon here. The yaml package reads `"a":1`.
      if (text[after] !== ':' || (after + 1 !== end && text.charCodeAt(after + 1) !== 32)) giveUp();
      return { name: value, after: after + 1 };
    }
    let colon = -1;
    for (let at = this.#find(':', start, end); at !== -1; at = this.#find(':', at + 1, end)) {
      if (at + 1 === end || text.charCodeAt(at + 1) === 32) {
        colon = at;
        break;
      }
    }
    if (colon === -1 || colon - start > 1024) giveUp();
    const source = text.slice(start, colon);
    if (source !== source.trimEnd() || source.includes(' #')) giveUp();
    this.#checkPlainStart(source);
    const value = this.#plainValue(source);
    if (value === null) giveUp();
    return { name: String(value), after: colon + 1 };
  }

  /** Reads a value that starts at `start` on the current line: a scalar, a `|` block or a one-line flow collection. */
  #inlineValue(start: number, end: number, indent: number, path: string, key: number): unknown {
    const text = this.#text;
    const first = text[start];
    if (first === '|') return this.#literalBlock(start, end, indent, path, key);
    if (first === '{' || first === '[') {
      const { value, after } = this.#flow(start, end, path, key);
      this.#expectLineRest(after, end);
      this.#expectNothingDeeper(indent);
      return value;
    }
    if (first === '"' || first === "'") {
      const { value, after } = this.#quoted(start, end);
      this.#entry(path, { key, value: start, scalar: { type: first === '"' ? Scalar.QUOTE_DOUBLE : Scalar.QUOTE_SINGLE, start } });
      this.#expectLineRest(after, end);
      this.#expectNothingDeeper(indent);
      return value;
    }
    // A plain scalar runs to a comment or the line end.
    let stop = start;
    while (stop < end && !(text.charCodeAt(stop) === 32 && text[stop + 1] === '#')) stop++;
    const source = text.slice(start, stop).trimEnd();
    if (source.includes(': ') || source.endsWith(':')) giveUp();
    this.#checkPlainStart(source);
    this.#entry(path, { key, value: start, scalar: { type: Scalar.PLAIN, start } });
    this.#expectNothingDeeper(indent);
    return this.#plainValue(source);
  }

  /** Gives up on a plain scalar that starts with an indicator character, or is empty. */
  #checkPlainStart(source: string): void {
    if (source === '') giveUp();
    const first = source[0];
    if (PLAIN_START_INDICATORS.includes(first)) giveUp();
    if ((first === '-' || first === '?' || first === ':') && (source.length === 1 || source[1] === ' ')) giveUp();
    if (first === '?' || first === ':') giveUp();
  }

  /** Resolves a plain scalar as the YAML 1.2 core schema does, for the forms the fast path accepts. */
  #plainValue(source: string): unknown {
    if (CORE_NULL.test(source)) return null;
    if (CORE_TRUE.test(source)) return true;
    if (CORE_FALSE.test(source)) return false;
    if (SIMPLE_INT.test(source)) {
      if (source === '-0') giveUp();
      return Number(source);
    }
    if (SIMPLE_FLOAT.test(source)) return parseFloat(source);
    // Hexadecimal, octal, exponents, `.5`, `+1`, infinities and NaN are left to the yaml package.
    if (OTHER_CORE_NUMBERS.some((pattern) => pattern.test(source))) giveUp();
    return source;
  }

  /** Reads a one-line quoted scalar at `start`. Gives up on escapes and on quotes that span lines. */
  #quoted(start: number, end: number): { value: string; after: number } {
    const text = this.#text;
    const quote = text[start];
    if (quote === '"') {
      const close = this.#find('"', start + 1, end);
      if (close === -1) giveUp();
      const value = text.slice(start + 1, close);
      if (value.includes('\\')) giveUp();
      return { value, after: close + 1 };
    }
    let value = '';
    let index = start + 1;
    for (;;) {
      const close = this.#find("'", index, end);
      if (close === -1) giveUp();
      value += text.slice(index, close);
      if (text[close + 1] !== "'") return { value, after: close + 1 };
      value += "'";
      index = close + 2;
    }
  }

  /** Reads a `|` or `|-` block scalar whose header sits at `start`, under a parent at column `indent`. */
  #literalBlock(start: number, end: number, indent: number, path: string, key: number): string {
    const text = this.#text;
    let index = start + 1;
    let strip = false;
    if (text[index] === '-') {
      strip = true;
      index++;
    }
    this.#expectLineRest(index, end);
    this.#entry(path, { key, value: start, scalar: { type: Scalar.BLOCK_LITERAL, start } });

    const firstLine = this.#line + 1;
    if (firstLine >= this.#lineStarts.length) giveUp();
    const contentIndent = this.#indentOf(firstLine);
    if (contentIndent <= indent || this.#lineStarts[firstLine] + contentIndent >= this.#lineEnd(firstLine)) giveUp();
    const lines: string[] = [];
    let line = firstLine;
    let blankRun = 0;
    for (; line < this.#lineStarts.length; line++) {
      const lineStart = this.#lineStarts[line];
      const lineEnd = this.#lineEnd(line);
      const lineIndent = this.#indentOf(line);
      if (lineStart + lineIndent === lineEnd) {
        // A blank line: kept as an empty line unless it has spaces past the content indent.
        if (lineIndent > contentIndent) giveUp();
        if (line === this.#lineStarts.length - 1) break;
        blankRun++;
        lines.push('');
        continue;
      }
      if (lineIndent < contentIndent) break;
      blankRun = 0;
      lines.push(text.slice(lineStart + contentIndent, lineEnd));
    }
    // The block must end with a line break: the last content line may not be the file's unterminated last line.
    const lastContent = line - 1 - blankRun;
    if (this.#lineStarts[lastContent + 1] === undefined) giveUp();
    lines.length -= blankRun;
    // The reader stays on the last line of the block; the caller moves past it.
    this.#line = lastContent;
    this.#expectNothingDeeper(indent);
    return strip ? lines.join('\n') : `${lines.join('\n')}\n`;
  }

  /** Reads a flow collection at `start` that closes on the same line, and returns it with the offset after its closing bracket. */
  #flow(start: number, end: number, path: string, key: number): { value: unknown; after: number } {
    const text = this.#text;
    const open = text[start];
    const close = open === '{' ? '}' : ']';
    this.#entry(path, { key, value: start });
    const map: Record<string, unknown> = {};
    const items: unknown[] = [];
    let index = this.#skipSpaces(start + 1, end);
    if (text[index] === close) return { value: open === '{' ? map : items, after: index + 1 };
    for (;;) {
      if (open === '{') {
        const keyStart = index;
        let name: string;
        if (text[index] === '"' || text[index] === "'") {
          const quoted = this.#quoted(index, end);
          name = quoted.value;
          index = quoted.after;
        } else {
          const stop = this.#flowPlainEnd(index, end, true);
          const source = text.slice(index, stop).trimEnd();
          this.#checkPlainStart(source);
          const value = this.#plainValue(source);
          if (value === null) giveUp();
          name = String(value);
          index = stop;
        }
        if (text[index] !== ':' || text.charCodeAt(index + 1) !== 32) giveUp();
        if (name === '__proto__' || Object.hasOwn(map, name)) giveUp();
        index = this.#skipSpaces(index + 1, end);
        const { value, after } = this.#flowValue(index, end, childKey(path, name), keyStart);
        map[name] = value;
        index = after;
      } else {
        const { value, after } = this.#flowValue(index, end, childKey(path, items.length), index);
        items.push(value);
        index = after;
      }
      index = this.#skipSpaces(index, end);
      if (text[index] === close) return { value: open === '{' ? map : items, after: index + 1 };
      if (text[index] !== ',') giveUp();
      index = this.#skipSpaces(index + 1, end);
      // A trailing comma or an empty entry is left to the yaml package.
      if (index >= end || text[index] === ',' || text[index] === close) giveUp();
    }
  }

  /** Reads one value inside a flow collection. */
  #flowValue(start: number, end: number, path: string, key: number): { value: unknown; after: number } {
    const text = this.#text;
    const first = text[start];
    if (start >= end) giveUp();
    if (first === '{' || first === '[') return this.#flow(start, end, path, key);
    if (first === '"' || first === "'") {
      const quoted = this.#quoted(start, end);
      this.#entry(path, { key, value: start, scalar: { type: first === '"' ? Scalar.QUOTE_DOUBLE : Scalar.QUOTE_SINGLE, start } });
      return { value: quoted.value, after: quoted.after };
    }
    const stop = this.#flowPlainEnd(start, end, false);
    const source = text.slice(start, stop).trimEnd();
    this.#checkPlainStart(source);
    this.#entry(path, { key, value: start, scalar: { type: Scalar.PLAIN, start } });
    return { value: this.#plainValue(source), after: stop };
  }

  /** Returns the end of a plain scalar inside a flow collection. Gives up on `:` (unless it ends a key), `#`, quotes and brackets inside it. */
  #flowPlainEnd(start: number, end: number, isKey: boolean): number {
    const text = this.#text;
    for (let index = start; index < end; index++) {
      const character = text[index];
      if (character === ',' || character === '}' || character === ']') return index;
      if (character === ':') {
        if (isKey) return index;
        giveUp();
      }
      if (character === '#' || character === '[' || character === '{' || character === '"' || character === "'") giveUp();
    }
    return giveUp();
  }

  /** Returns the offset of `character` in [from, end) of the text, or -1. Unlike indexOf, it stops at `end`, so a scan never runs past its line. */
  #find(character: string, from: number, end: number): number {
    const code = character.charCodeAt(0);
    for (let index = from; index < end; index++) if (this.#text.charCodeAt(index) === code) return index;
    return -1;
  }

  #skipSpaces(index: number, end: number): number {
    while (index < end && this.#text.charCodeAt(index) === 32) index++;
    return index;
  }
}
