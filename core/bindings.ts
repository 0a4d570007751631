// `{{ expr }}` bindings: a small expression grammar over a fixed scope, parsed
// here for both the server's load checks and the browser. The grammar has
// paths, literals, `??`, `==`, `!=`, `<`, `>`, `&&`, `||`, `!` and brackets.
// Evaluation walks the parsed tree and reads own properties only, so a
// binding never reaches globals, prototypes or functions.
import { suggestionHint } from './suggest.js';

/** A dotted path such as `customers.selected.CustomerId`; `offset` is the index of its first character in the template. */
export interface BindingPath {
  kind: 'path';
  segments: string[];
  offset: number;
}

export type BindingLiteralValue = string | number | boolean | null;

export type BindingOperator = '??' | '||' | '&&' | '==' | '!=' | '<' | '>';

export type BindingNode =
  | BindingPath
  | { kind: 'literal'; value: BindingLiteralValue; offset: number }
  | { kind: 'not'; operand: BindingNode; offset: number }
  | { kind: 'binary'; operator: BindingOperator; left: BindingNode; right: BindingNode; offset: number };

/** One well-formed `{{ … }}`; `offset` is the index of its opening `{{`. */
export interface BindingExpression {
  node: BindingNode;
  offset: number;
  length: number;
}

/** A syntax error; `offset` is the index in the template where it was found. */
export interface BindingError {
  offset: number;
  message: string;
}

export interface ParsedBindings {
  expressions: BindingExpression[];
  errors: BindingError[];
}

/** Path segments that would reach an object's prototype or constructor; a binding may not name them. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Fields of the signed-in user that `{{ user.<field> }}` may read. */
export const USER_FIELDS = ['id', 'name', 'email'] as const;

type Token =
  | { type: 'name'; text: string; offset: number }
  | { type: 'number'; value: number; offset: number }
  | { type: 'string'; value: string; offset: number }
  | { type: 'op'; text: string; offset: number }
  | { type: 'end'; offset: number };

class BindingSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const OPERATORS = ['??', '||', '&&', '==', '!=', '<', '>', '!', '(', ')', '.'];

/** Splits an expression into tokens; `base` is the expression's index in the template, so token offsets point into the template. */
function tokenize(source: string, base: number): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index];
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    const offset = base + index;
    const name = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(index));
    if (name) {
      tokens.push({ type: 'name', text: name[0], offset });
      index += name[0].length;
      continue;
    }
    const number = /^\d+(\.\d+)?/.exec(source.slice(index));
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]), offset });
      index += number[0].length;
      continue;
    }
    if (char === '"' || char === "'") {
      const [value, end] = readString(source, index, base);
      tokens.push({ type: 'string', value, offset });
      index = end;
      continue;
    }
    const operator = OPERATORS.find((candidate) => source.startsWith(candidate, index));
    if (!operator) throw new BindingSyntaxError(`unexpected character \`${char}\``, offset);
    tokens.push({ type: 'op', text: operator, offset });
    index += operator.length;
  }
  tokens.push({ type: 'end', offset: base + source.length });
  return tokens;
}

/** Reads a quoted string starting at `start`; a backslash escapes the next character. Returns the value and the index after the closing quote. */
function readString(source: string, start: number, base: number): [string, number] {
  const quote = source[start];
  let value = '';
  for (let index = start + 1; index < source.length; index++) {
    const char = source[index];
    if (char === quote) return [value, index + 1];
    if (char === '\\' && index + 1 < source.length) {
      index++;
      value += source[index];
      continue;
    }
    value += char;
  }
  throw new BindingSyntaxError(`string starting with ${quote} is never closed`, base + start);
}

/** Recursive descent parser; precedence from lowest: `??`, `||`, `&&`, `==`/`!=`, `<`/`>`, `!`. */
class Parser {
  #position = 0;

  constructor(readonly tokens: Token[]) {}

  parse(): BindingNode {
    const first = this.#peek();
    if (first.type === 'end') throw new BindingSyntaxError('empty placeholder; write a path such as `customers.selected.CustomerId`', first.offset);
    const node = this.#binary(0);
    const rest = this.#peek();
    if (rest.type !== 'end') throw new BindingSyntaxError(`unexpected ${describe(rest)} after a complete expression`, rest.offset);
    return node;
  }

  static readonly #levels: BindingOperator[][] = [['??'], ['||'], ['&&'], ['==', '!='], ['<', '>']];

  #binary(level: number): BindingNode {
    if (level === Parser.#levels.length) return this.#unary();
    let left = this.#binary(level + 1);
    for (;;) {
      const token = this.#peek();
      if (token.type !== 'op' || !Parser.#levels[level].includes(token.text as BindingOperator)) return left;
      this.#position++;
      const right = this.#binary(level + 1);
      left = { kind: 'binary', operator: token.text as BindingOperator, left, right, offset: token.offset };
    }
  }

  #unary(): BindingNode {
    const token = this.#next();
    if (token.type === 'op' && token.text === '!') return { kind: 'not', operand: this.#unary(), offset: token.offset };
    if (token.type === 'op' && token.text === '(') {
      const inner = this.#binary(0);
      const close = this.#next();
      if (close.type !== 'op' || close.text !== ')') throw new BindingSyntaxError(`expected \`)\` but found ${describe(close)}`, close.offset);
      return inner;
    }
    if (token.type === 'number' || token.type === 'string') return { kind: 'literal', value: token.value, offset: token.offset };
    if (token.type === 'name') {
      if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true', offset: token.offset };
      if (token.text === 'null') return { kind: 'literal', value: null, offset: token.offset };
      return this.#path(token);
    }
    throw new BindingSyntaxError(`expected a path or a value but found ${describe(token)}`, token.offset);
  }

  #path(first: { text: string; offset: number }): BindingPath {
    const segments = [first.text];
    checkSegment(first.text, first.offset);
    while (this.#peek().type === 'op' && (this.#peek() as { text: string }).text === '.') {
      this.#position++;
      const segment = this.#next();
      // Digits are allowed after a dot so that `rows.0` style segments give a clear error from the scope checks, not a syntax error.
      const text = segment.type === 'name' ? segment.text : segment.type === 'number' && Number.isInteger(segment.value) ? String(segment.value) : undefined;
      if (text === undefined) throw new BindingSyntaxError(`expected a name after \`.\` but found ${describe(segment)}`, segment.offset);
      checkSegment(text, segment.offset);
      segments.push(text);
    }
    return { kind: 'path', segments, offset: first.offset };
  }

  #peek(): Token {
    return this.tokens[this.#position];
  }

  #next(): Token {
    const token = this.tokens[this.#position];
    if (token.type !== 'end') this.#position++;
    return token;
  }
}

function checkSegment(text: string, offset: number): void {
  if (FORBIDDEN_SEGMENTS.has(text)) throw new BindingSyntaxError(`\`${text}\` may not appear in a binding path, because it would reach an object's prototype`, offset);
}

function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the placeholder';
    case 'name':
      return `\`${token.text}\``;
    case 'op':
      return `\`${token.text}\``;
    case 'number':
      return `number ${token.value}`;
    case 'string':
      return 'a string';
  }
}

/** Parses every `{{ … }}` in `text`. Offsets in the result are indexes into `text`. */
export function parseBindings(text: string): ParsedBindings {
  const expressions: BindingExpression[] = [];
  const errors: BindingError[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf('{{', from);
    if (open === -1) break;
    const close = findClose(text, open + 2);
    if (close === -1) {
      errors.push({ offset: open, message: 'placeholder `{{` is never closed with `}}`' });
      break;
    }
    try {
      const node = new Parser(tokenize(text.slice(open + 2, close), open + 2)).parse();
      expressions.push({ node, offset: open, length: close + 2 - open });
    } catch (error) {
      if (!(error instanceof BindingSyntaxError)) throw error;
      errors.push({ offset: error.offset, message: error.message });
    }
    from = close + 2;
  }
  return { expressions, errors };
}

/** Finds the `}}` that closes a placeholder, skipping `}}` inside quoted strings; -1 when there is none. */
function findClose(text: string, from: number): number {
  let quote: string | undefined;
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (quote) {
      if (char === '\\') index++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '}' && text[index + 1] === '}') {
      return index;
    }
  }
  return -1;
}

/** Lists the paths an expression reads, in source order. */
export function bindingPaths(node: BindingNode): BindingPath[] {
  switch (node.kind) {
    case 'path':
      return [node];
    case 'literal':
      return [];
    case 'not':
      return bindingPaths(node.operand);
    case 'binary':
      return [...bindingPaths(node.left), ...bindingPaths(node.right)];
  }
}

/**
 * Reads a path from the scope, following own properties only; undefined when a step is missing.
 * A name after a list reads that field of each item, so `t.selectedRows.Id` gives the list of `Id` values (items without it are left out).
 */
export function readPath(scope: unknown, segments: readonly string[]): unknown {
  let current = scope;
  for (const [index, segment] of segments.entries()) {
    if (FORBIDDEN_SEGMENTS.has(segment)) return undefined;
    if (Array.isArray(current) && !/^\d+$/.test(segment)) {
      const rest = segments.slice(index);
      return current.map((item) => readPath(item, rest)).filter((value) => value !== undefined);
    }
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return typeof current === 'function' ? undefined : current;
}

/** Evaluates a parsed expression against a scope. A missing path gives undefined; operators never throw. */
export function evaluateBinding(node: BindingNode, scope: unknown): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'path':
      return readPath(scope, node.segments);
    case 'not':
      return !evaluateBinding(node.operand, scope);
    case 'binary': {
      const left = evaluateBinding(node.left, scope);
      switch (node.operator) {
        case '??':
          return left ?? evaluateBinding(node.right, scope);
        case '||':
          return left || evaluateBinding(node.right, scope);
        case '&&':
          return left && evaluateBinding(node.right, scope);
      }
      const right = evaluateBinding(node.right, scope);
      switch (node.operator) {
        case '==':
          return looseEqual(left, right);
        case '!=':
          return !looseEqual(left, right);
        case '<':
          return compare(left, right) < 0;
        case '>':
          return compare(left, right) > 0;
      }
    }
  }
}

/** Converts numeric text to a number, because values from the URL and inputs arrive as text. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** Equality without JavaScript's coercions, except that a number equals its decimal text (`7 == "7"`). Missing equals null. */
function looseEqual(left: unknown, right: unknown): boolean {
  if ((left === undefined || left === null) && (right === undefined || right === null)) return true;
  if (typeof left === 'number' || typeof right === 'number') {
    const a = asNumber(left);
    const b = asNumber(right);
    return a !== undefined && b !== undefined && a === b;
  }
  return left === right;
}

/** Orders two numbers (or numeric text) or two strings; other pairs are unordered and give NaN, so both `<` and `>` are false. */
function compare(left: unknown, right: unknown): number {
  const a = asNumber(left);
  const b = asNumber(right);
  if (a !== undefined && b !== undefined && (typeof left === 'number' || typeof right === 'number')) return a - b;
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  return Number.NaN;
}

/** Ids a binding may name on one page, by kind. `tables` maps a table id to its columns, or undefined when they are not known. */
export interface BindingScope {
  tables: ReadonlyMap<string, readonly string[] | undefined>;
  forms: ReadonlySet<string>;
  /**
   * Fields of each form of the page, which are its action's parameters. A form in `forms` but missing here accepts any field.
   * A form listed here but not in `forms` is placed too low to be read.
   */
  formFields?: ReadonlyMap<string, readonly string[]>;
  /** Filter bars by id, each with the fields of its inputs. */
  filters: ReadonlyMap<string, readonly string[]>;
}

/** A path that does not fit the binding scope; the codes are those of the load diagnostics. */
export interface BindingPathProblem {
  code: 'template-unknown-table' | 'template-unknown-scope' | 'unknown-column';
  message: string;
  hint: string;
}

const PATH_FORMS = '`<tableId>.selected.<column>`, `<tableId>.selectedRows`, `<tableId>.selectedRows.<column>`, `<tableId>.selectedCount`, `<formId>.values.<field>`, `<filtersId>.<field>`, `url.<param>` or `user.id|name|email`';

/**
 * Checks one path against the ids of a page: unknown roots, tables that are
 * not placed above, unknown table columns (when known), filter fields and user fields.
 * Returns undefined for a path that fits.
 */
export function checkBindingPath(segments: readonly string[], scope: BindingScope): BindingPathProblem | undefined {
  const [root, second, third] = segments;
  const shown = `\`{{ ${segments.join('.')} }}\``;
  if (root === 'url') {
    if (segments.length === 2) return undefined;
    return { code: 'template-unknown-scope', message: `${shown} must name one URL parameter`, hint: 'Write `{{ url.<param> }}`, such as `{{ url.country }}`.' };
  }
  if (root === 'user') {
    if (segments.length === 2 && (USER_FIELDS as readonly string[]).includes(second)) return undefined;
    return { code: 'template-unknown-scope', message: `${shown} is not a field of the signed-in user`, hint: suggestionHint(second ?? '', USER_FIELDS, 'User fields') };
  }
  if (scope.filters.has(root)) {
    const fields = scope.filters.get(root)!;
    if (segments.length === 2 && fields.includes(second)) return undefined;
    return { code: 'template-unknown-scope', message: `${shown} is not a field of filters \`${root}\``, hint: suggestionHint(second ?? '', fields, `Fields of \`${root}\``) };
  }
  if (!scope.forms.has(root) && scope.formFields?.has(root)) {
    return {
      code: 'template-unknown-scope',
      message: `${shown} reads form \`${root}\`, which does not come earlier on this page`,
      hint: 'Form defaults read only forms placed above them, so that two forms never reset each other in a loop. Move the form up, or read another value.',
    };
  }
  if (scope.forms.has(root)) {
    if (segments.length !== 3 || second !== 'values') {
      return { code: 'template-unknown-scope', message: `${shown} does not read a form value`, hint: `Write \`{{ ${root}.values.<field> }}\`.` };
    }
    const fields = scope.formFields?.get(root);
    if (fields === undefined || fields.includes(third)) return undefined;
    return { code: 'template-unknown-scope', message: `${shown} is not a field of form \`${root}\``, hint: suggestionHint(third, fields, `Fields of \`${root}\``) };
  }
  if (second === 'selected' || second === 'selectedRows' || second === 'selectedCount' || scope.tables.has(root)) {
    if (!scope.tables.has(root)) {
      return {
        code: 'template-unknown-table',
        message: `${shown} names table \`${root}\`, but no table with that id comes earlier on this page`,
        hint: suggestionHint(root, scope.tables.keys(), 'Table ids above this one') + ' A table can only follow the selection of a table placed above it.',
      };
    }
    if ((second === 'selectedRows' || second === 'selectedCount') && segments.length === 2) return undefined;
    if ((second !== 'selected' && second !== 'selectedRows') || segments.length !== 3) {
      return {
        code: 'template-unknown-scope',
        message: `${shown} does not read a selection of table \`${root}\``,
        hint: `Write \`{{ ${root}.selected.<column> }}\`, \`{{ ${root}.selectedRows }}\`, \`{{ ${root}.selectedRows.<column> }}\` or \`{{ ${root}.selectedCount }}\`.`,
      };
    }
    const columns = scope.tables.get(root);
    if (columns === undefined || columns.includes(third)) return undefined;
    return { code: 'unknown-column', message: `\`${third}\` is not a column of table \`${root}\``, hint: suggestionHint(third, columns, `Columns of \`${root}\``) };
  }
  const roots = [...scope.tables.keys(), ...scope.forms, ...scope.filters.keys(), 'url', 'user'];
  return { code: 'template-unknown-scope', message: `${shown} starts with \`${root}\`, which is not a component id of this page, \`url\` or \`user\``, hint: `${suggestionHint(root, roots, 'Known roots')} Bindings read ${PATH_FORMS}.` };
}
