// Row rules: the small expression language that limits which rows a role
// sees, such as `Country = user.country and Status != 'closed'`. Parsed once
// at load into a tree; the runtime turns the tree into SQL with bound values,
// or evaluates it on rows held in memory. Nothing here ever evaluates code.
//
//   rule       := or
//   or         := and ("or" and)*
//   and        := not ("and" not)*
//   not        := "not" not | "(" rule ")" | test
//   test       := column op operand
//               | column ["not"] "in" (user-value | "(" operand ("," operand)* ")")
//               | column "is" ["not"] "null"
//   op         := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//   operand    := 'text' | number | true | false | user-value
//   user-value := "user." name      (id, email, name, groups, or an identity attribute)
//   column     := name | "quoted name"

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A value a rule compares with: a literal, or a value of the signed-in user that the server fills in. */
export type Operand = { kind: 'literal'; value: string | number | boolean } | { kind: 'user'; name: string };

export type RowRule =
  | { kind: 'and' | 'or'; items: RowRule[] }
  | { kind: 'not'; item: RowRule }
  | { kind: 'compare'; column: string; op: CompareOp; value: Operand }
  | { kind: 'in'; column: string; negated: boolean; values: Operand[] | { kind: 'user'; name: string } }
  | { kind: 'null'; column: string; negated: boolean };

/** A rule that does not parse: what is wrong, and the character offset in the rule text. */
export class RowRuleError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

type Token =
  | { type: 'name'; text: string; offset: number; quoted: boolean }
  | { type: 'text'; text: string; offset: number }
  | { type: 'number'; value: number; offset: number }
  | { type: 'op'; text: string; offset: number }
  | { type: 'end'; offset: number };

/** Longest rule text accepted; a row rule is a line or two, never a program. */
export const MAX_RULE_LENGTH = 2000;

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'null', 'true', 'false']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (/\s/.test(char)) {
      i++;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      tokens.push({ type: 'name', text: match, offset: i, quoted: false });
      i += match.length;
    } else if (char === '"') {
      const end = text.indexOf('"', i + 1);
      if (end === -1) throw new RowRuleError('a quoted column name is not closed; add the closing `"`', i);
      if (end === i + 1) throw new RowRuleError('a quoted column name is empty', i);
      tokens.push({ type: 'name', text: text.slice(i + 1, end), offset: i, quoted: true });
      i = end + 1;
    } else if (char === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new RowRuleError("a text value is not closed; add the closing `'`", i);
        if (text[j] === "'" && text[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (text[j] === "'") {
          break;
        } else {
          value += text[j++];
        }
      }
      tokens.push({ type: 'text', text: value, offset: i });
      i = j + 1;
    } else if (/[0-9-]/.test(char)) {
      const match = /^-?(?:\d+(?:\.\d+)?)/.exec(text.slice(i));
      if (!match) throw new RowRuleError(`\`${char}\` does not start a number`, i);
      tokens.push({ type: 'number', value: Number(match[0]), offset: i });
      i += match[0].length;
    } else {
      const op = ['<=', '>=', '!=', '<>', '=', '<', '>', '(', ')', ',', '.'].find((candidate) => text.startsWith(candidate, i));
      if (op === undefined) throw new RowRuleError(`\`${char}\` is not part of the row rule language; compare a column with =, !=, <, <=, >, >=, in or is null`, i);
      tokens.push({ type: 'op', text: op === '<>' ? '!=' : op, offset: i });
      i += op.length;
    }
  }
  tokens.push({ type: 'end', offset: text.length });
  return tokens;
}

class Parser {
  #at = 0;
  constructor(readonly tokens: Token[]) {}

  get #next(): Token {
    return this.tokens[this.#at];
  }

  #keyword(word: string): boolean {
    const token = this.#next;
    if (token.type === 'name' && !token.quoted && token.text.toLowerCase() === word) {
      this.#at++;
      return true;
    }
    return false;
  }

  #op(text: string): boolean {
    const token = this.#next;
    if (token.type === 'op' && token.text === text) {
      this.#at++;
      return true;
    }
    return false;
  }

  #fail(expected: string): never {
    const token = this.#next;
    const found = token.type === 'end' ? 'the end of the rule' : token.type === 'text' ? `'${token.text}'` : token.type === 'number' ? String(token.value) : `\`${token.text}\``;
    throw new RowRuleError(`expected ${expected}, found ${found}`, token.offset);
  }

  parse(): RowRule {
    const rule = this.#or();
    if (this.#next.type !== 'end') this.#fail('`and`, `or` or the end of the rule');
    return rule;
  }

  #or(): RowRule {
    const items = [this.#and()];
    while (this.#keyword('or')) items.push(this.#and());
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  #and(): RowRule {
    const items = [this.#not()];
    while (this.#keyword('and')) items.push(this.#not());
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  #not(): RowRule {
    if (this.#keyword('not')) return { kind: 'not', item: this.#not() };
    if (this.#op('(')) {
      const inner = this.#or();
      if (!this.#op(')')) this.#fail('`)`');
      return inner;
    }
    return this.#test();
  }

  #column(): string {
    const token = this.#next;
    if (token.type !== 'name' || (!token.quoted && KEYWORDS.has(token.text.toLowerCase()))) this.#fail('a column name');
    if (!token.quoted && token.text === 'user' && this.tokens[this.#at + 1]?.type === 'op' && (this.tokens[this.#at + 1] as { text: string }).text === '.') {
      throw new RowRuleError('a rule starts with the column, then the user value, as in `Region = user.region`', token.offset);
    }
    this.#at++;
    return token.text;
  }

  #test(): RowRule {
    const column = this.#column();
    if (this.#keyword('is')) {
      const negated = this.#keyword('not');
      if (!this.#keyword('null')) this.#fail('`null` after `is`');
      return { kind: 'null', column, negated };
    }
    const negatedIn = this.#keyword('not');
    if (this.#keyword('in')) {
      if (this.#op('(')) {
        const values = [this.#operand()];
        while (this.#op(',')) values.push(this.#operand());
        if (!this.#op(')')) this.#fail('`,` or `)`');
        return { kind: 'in', column, negated: negatedIn, values };
      }
      const user = this.#userValue();
      if (user === undefined) this.#fail('a list such as `(\'a\', \'b\')` or a user value such as `user.groups`');
      return { kind: 'in', column, negated: negatedIn, values: user };
    }
    if (negatedIn) this.#fail('`in` after `not`');
    const token = this.#next;
    if (token.type !== 'op' || !['=', '!=', '<', '<=', '>', '>='].includes(token.text)) this.#fail('=, !=, <, <=, >, >=, in, or is null');
    this.#at++;
    return { kind: 'compare', column, op: token.text as CompareOp, value: this.#operand() };
  }

  #userValue(): { kind: 'user'; name: string } | undefined {
    const token = this.#next;
    if (token.type !== 'name' || token.quoted || token.text !== 'user') return undefined;
    this.#at++;
    if (!this.#op('.')) this.#fail('`.` and a name after `user`, such as `user.email`');
    const name = this.#next;
    if (name.type !== 'name' || name.quoted) this.#fail('a name after `user.`, such as `user.email`');
    this.#at++;
    return { kind: 'user', name: name.text };
  }

  #operand(): Operand {
    const token = this.#next;
    if (token.type === 'text') {
      this.#at++;
      return { kind: 'literal', value: token.text };
    }
    if (token.type === 'number') {
      this.#at++;
      return { kind: 'literal', value: token.value };
    }
    if (this.#keyword('true')) return { kind: 'literal', value: true };
    if (this.#keyword('false')) return { kind: 'literal', value: false };
    const user = this.#userValue();
    if (user !== undefined) return user;
    if (token.type === 'name' && !token.quoted && !KEYWORDS.has(token.text.toLowerCase())) {
      throw new RowRuleError(`\`${token.text}\` is not a value; write text in single quotes ('${token.text}') or a user value such as user.${token.text}`, token.offset);
    }
    this.#fail("a value: 'text', a number, true, false or user.<name>");
  }
}

/** Parses a row rule; raises RowRuleError with the offset of the problem. */
export function parseRowRule(text: string): RowRule {
  if (text.length > MAX_RULE_LENGTH) throw new RowRuleError(`the rule is ${text.length} characters long; at most ${MAX_RULE_LENGTH} are allowed`, 0);
  if (text.trim() === '') throw new RowRuleError('the rule is empty; write a condition such as `Region = user.region`', 0);
  return new Parser(tokenize(text)).parse();
}

/** Returns the columns a rule reads, in order of first use. */
export function ruleColumns(rule: RowRule): string[] {
  const columns: string[] = [];
  const visit = (node: RowRule): void => {
    switch (node.kind) {
      case 'and':
      case 'or':
        node.items.forEach(visit);
        break;
      case 'not':
        visit(node.item);
        break;
      default:
        if (!columns.includes(node.column)) columns.push(node.column);
    }
  };
  visit(rule);
  return columns;
}

/** Returns the user values a rule reads (`id`, `email`, `groups`, attribute names), in order of first use. */
export function ruleUserValues(rule: RowRule): string[] {
  const names: string[] = [];
  const add = (operand: Operand | { kind: 'user'; name: string }): void => {
    if (operand.kind === 'user' && !names.includes(operand.name)) names.push(operand.name);
  };
  const visit = (node: RowRule): void => {
    if (node.kind === 'and' || node.kind === 'or') node.items.forEach(visit);
    else if (node.kind === 'not') visit(node.item);
    else if (node.kind === 'compare') add(node.value);
    else if (node.kind === 'in') (Array.isArray(node.values) ? node.values : [node.values]).forEach(add);
  };
  visit(rule);
  return names;
}

/** Writes a rule back as text, in one canonical form, for `opsdeck explain` and diffs. */
export function formatRowRule(rule: RowRule): string {
  const column = (name: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toLowerCase()) ? name : `"${name}"`);
  const operand = (value: Operand): string =>
    value.kind === 'user' ? `user.${value.name}` : typeof value.value === 'string' ? `'${value.value.replace(/'/g, "''")}'` : String(value.value);
  const visit = (node: RowRule, parent?: 'and' | 'or' | 'not'): string => {
    switch (node.kind) {
      case 'and':
      case 'or': {
        const text = node.items.map((item) => visit(item, node.kind)).join(` ${node.kind} `);
        return parent !== undefined && parent !== node.kind ? `(${text})` : text;
      }
      case 'not':
        return `not ${visit(node.item, 'not')}`;
      case 'compare':
        return `${column(node.column)} ${node.op} ${operand(node.value)}`;
      case 'null':
        return `${column(node.column)} is ${node.negated ? 'not ' : ''}null`;
      case 'in':
        return `${column(node.column)} ${node.negated ? 'not ' : ''}in ${Array.isArray(node.values) ? `(${node.values.map(operand).join(', ')})` : operand(node.values)}`;
    }
  };
  return visit(rule);
}
