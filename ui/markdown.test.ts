import { describe, expect, it } from 'vitest';
import { isSafeHref, parseInline, parseMarkdown } from './markdown.js';

describe('parseMarkdown', () => {
  it('splits headings, paragraphs and lists', () => {
    const blocks = parseMarkdown('## How to\n\nFirst line\nsecond line\n\n- one\n- two\n\n1. a\n2. b');
    expect(blocks.map((block) => block.kind)).toEqual(['heading', 'paragraph', 'list', 'list']);
    expect(blocks[0]).toEqual({ kind: 'heading', level: 2, children: [{ kind: 'text', text: 'How to' }] });
    expect(blocks[1]).toEqual({ kind: 'paragraph', children: [{ kind: 'text', text: 'First line second line' }] });
    expect(blocks[2]).toEqual({ kind: 'list', ordered: false, items: [[{ kind: 'text', text: 'one' }], [{ kind: 'text', text: 'two' }]] });
    expect(blocks[3]).toMatchObject({ kind: 'list', ordered: true });
  });

  it('keeps HTML as text', () => {
    const blocks = parseMarkdown('<script>alert(1)</script>');
    expect(blocks).toEqual([{ kind: 'paragraph', children: [{ kind: 'text', text: '<script>alert(1)</script>' }] }]);
  });

  it('continues a list item on the next line', () => {
    expect(parseMarkdown('- one\n  more')).toEqual([{ kind: 'list', ordered: false, items: [[{ kind: 'text', text: 'one more' }]] }]);
  });

  it('returns nothing for blank text', () => {
    expect(parseMarkdown('\n  \n')).toEqual([]);
  });
});

describe('parseInline', () => {
  it('parses emphasis, code and links', () => {
    expect(parseInline('**bold** and *em* with `x < y` see [docs](https://example.com/a)')).toEqual([
      { kind: 'strong', children: [{ kind: 'text', text: 'bold' }] },
      { kind: 'text', text: ' and ' },
      { kind: 'em', children: [{ kind: 'text', text: 'em' }] },
      { kind: 'text', text: ' with ' },
      { kind: 'code', text: 'x < y' },
      { kind: 'text', text: ' see ' },
      { kind: 'link', href: 'https://example.com/a', children: [{ kind: 'text', text: 'docs' }] },
    ]);
  });

  it('drops links with other schemes', () => {
    expect(parseInline('[click](javascript:alert(1))')).toEqual([{ kind: 'text', text: 'click' }, { kind: 'text', text: ')' }]);
    expect(parseInline('[x](data:text/html,hi)')).toEqual([{ kind: 'text', text: 'x' }]);
    expect(parseInline('[x](/relative)')).toEqual([{ kind: 'text', text: 'x' }]);
  });

  it('keeps mailto links', () => {
    expect(parseInline('[mail](mailto:desk@example.com)')).toEqual([{ kind: 'link', href: 'mailto:desk@example.com', children: [{ kind: 'text', text: 'mail' }] }]);
  });

  it('leaves unmatched markers as text', () => {
    expect(parseInline('2 * 3 and a_b and **open')).toEqual([{ kind: 'text', text: '2 * 3 and a_b and **open' }]);
  });

  it('honours backslash escapes', () => {
    expect(parseInline('\\*not em\\*')).toEqual([{ kind: 'text', text: '*not em*' }]);
  });
});

describe('isSafeHref', () => {
  it('accepts http, https and mailto only', () => {
    expect(isSafeHref('http://a')).toBe(true);
    expect(isSafeHref('HTTPS://a')).toBe(true);
    expect(isSafeHref('mailto:a@b')).toBe(true);
    expect(isSafeHref('javascript:alert(1)')).toBe(false);
    expect(isSafeHref(' javascript:x')).toBe(false);
    expect(isSafeHref('//evil.example')).toBe(false);
  });
});
