// A small, safe subset of Markdown for help text: headings, paragraphs, lists,
// emphasis, inline code and links. The result is a tree of plain values that
// the UI renders through text bindings, so HTML in the source stays text.

/** Inline content: text, emphasis, code or a link. */
export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'strong' | 'em'; children: Inline[] }
  | { kind: 'code'; text: string }
  | { kind: 'link'; href: string; children: Inline[] };

/** A block: a heading (levels 1 to 3 after shifting, see `parseMarkdown`), a paragraph or a list. */
export type Block =
  | { kind: 'heading'; level: number; children: Inline[] }
  | { kind: 'paragraph'; children: Inline[] }
  | { kind: 'list'; ordered: boolean; items: Inline[][] };

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

/** Tells whether a link target may be followed: `http:`, `https:` and `mailto:` only. */
export function isSafeHref(href: string): boolean {
  return SAFE_LINK.test(href.trim());
}

/** Parses Markdown text into blocks. Lines starting with `#` to `######` are headings; every other construct not listed above stays text. */
export function parseMarkdown(source: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;

  const flush = (): void => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', children: parseInline(paragraph.join(' ')) });
    if (list) blocks.push({ kind: 'list', ordered: list.ordered, items: list.items.map(parseInline) });
    paragraph = [];
    list = undefined;
  };

  for (const raw of source.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    if (line === '') {
      flush();
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      blocks.push({ kind: 'heading', level: heading[1].length, children: parseInline(heading[2].replace(/\s+#+$/, '')) });
      continue;
    }
    const item = /^(?:([-*+])|(\d{1,9})[.)])\s+(.*)$/.exec(line);
    if (item) {
      const ordered = item[2] !== undefined;
      if (paragraph.length > 0 || (list && list.ordered !== ordered)) flush();
      list ??= { ordered, items: [] };
      list.items.push(item[3]);
      continue;
    }
    if (list) {
      // A line under a list item continues that item.
      list.items[list.items.length - 1] += ` ${line}`;
      continue;
    }
    paragraph.push(line);
  }
  flush();
  return blocks;
}

/** Parses inline Markdown: `**strong**`, `*em*` or `_em_`, `` `code` `` and `[text](url)`; a backslash escapes the next punctuation mark. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = '';
  const pushText = (): void => {
    if (plain !== '') out.push({ kind: 'text', text: plain });
    plain = '';
  };

  let index = 0;
  while (index < text.length) {
    const char = text[index];
    const rest = text.slice(index);

    if (char === '\\' && index + 1 < text.length && /[\\`*_[\]()#+\-.!]/.test(text[index + 1])) {
      plain += text[index + 1];
      index += 2;
      continue;
    }
    if (char === '`') {
      const end = text.indexOf('`', index + 1);
      if (end > index + 1) {
        pushText();
        out.push({ kind: 'code', text: text.slice(index + 1, end) });
        index = end + 1;
        continue;
      }
    }
    if (rest.startsWith('**')) {
      const end = text.indexOf('**', index + 2);
      if (end > index + 2) {
        pushText();
        out.push({ kind: 'strong', children: parseInline(text.slice(index + 2, end)) });
        index = end + 2;
        continue;
      }
    }
    if ((char === '*' || char === '_') && text[index + 1] !== undefined && text[index + 1] !== ' ') {
      const end = text.indexOf(char, index + 1);
      if (end > index + 1 && text[end - 1] !== ' ') {
        pushText();
        out.push({ kind: 'em', children: parseInline(text.slice(index + 1, end)) });
        index = end + 1;
        continue;
      }
    }
    if (char === '[') {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)/.exec(rest);
      if (link) {
        pushText();
        const children = parseInline(link[1]);
        // A link to any other scheme (`javascript:`, `data:`, a relative path) is shown as its text only.
        if (isSafeHref(link[2])) out.push({ kind: 'link', href: link[2], children });
        else out.push(...children);
        index += link[0].length;
        continue;
      }
    }
    plain += char;
    index += 1;
  }
  pushText();
  return out;
}
