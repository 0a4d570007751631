// Help text written in Markdown, rendered from the parsed tree with text bindings only.
// `{{ }}` bindings become slots before the Markdown is parsed and are filled in
// the parsed text, so a value is always shown as text and never read as Markdown.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { parseMarkdown, type Block, type Inline } from '../markdown.js';
import { fillSlots, slotBindings, type Scope } from '../template.js';

/** Renders a `markdown` component: a safe subset, never raw HTML. */
export class MarkdownText extends LitElement {
  static override properties = {
    text: { type: String },
    scope: { attribute: false },
  };

  static override styles = css`
    :host {
      display: block;
      color: var(--od-text);
      line-height: var(--od-line-height);
      max-width: 72ch;
    }
    :host > :first-child {
      margin-top: 0;
    }
    h2,
    h3,
    h4 {
      margin: var(--od-space-4) 0 var(--od-space-2);
      font-weight: 600;
    }
    h2 {
      font-size: var(--od-font-size-lg);
    }
    h3,
    h4 {
      font-size: var(--od-font-size);
    }
    p,
    ul,
    ol {
      margin: 0 0 var(--od-space-3);
    }
    ul,
    ol {
      padding-left: var(--od-space-5);
    }
    code {
      font-family: var(--od-font-mono);
      font-size: 0.92em;
      background: var(--od-surface-muted);
      border-radius: var(--od-radius-sm);
      padding: 1px 4px;
    }
    a {
      color: var(--od-accent);
    }
  `;

  /** Markdown source. */
  text = '';
  /** Values the text's `{{ }}` bindings read (see bindingScope); without it they read as empty. */
  scope: Scope = {};

  override render() {
    const { text, values } = slotBindings(this.text, this.scope);
    return parseMarkdown(text).map((block) => renderBlock(block, values));
  }
}

function renderBlock(block: Block, values: readonly string[]): TemplateResult {
  const inline = (node: Inline) => renderInline(node, values);
  if (block.kind === 'heading') {
    // Page and card headings are h1 and h2, so help text headings start at h2 and stop at h4.
    const level = Math.min(block.level + 1, 4);
    const children = block.children.map(inline);
    if (level === 2) return html`<h2>${children}</h2>`;
    if (level === 3) return html`<h3>${children}</h3>`;
    return html`<h4>${children}</h4>`;
  }
  if (block.kind === 'list') {
    const items = block.items.map((item) => html`<li>${item.map(inline)}</li>`);
    return block.ordered ? html`<ol>${items}</ol>` : html`<ul>${items}</ul>`;
  }
  return html`<p>${block.children.map(inline)}</p>`;
}

function renderInline(node: Inline, values: readonly string[]): TemplateResult | string {
  const inline = (child: Inline) => renderInline(child, values);
  switch (node.kind) {
    case 'text':
      return fillSlots(node.text, values);
    case 'code':
      return html`<code>${fillSlots(node.text, values)}</code>`;
    case 'strong':
      return html`<strong>${node.children.map(inline)}</strong>`;
    case 'em':
      return html`<em>${node.children.map(inline)}</em>`;
    case 'link': {
      // The link's scheme was checked on the text with slots, so values are encoded and stay inside the path or query.
      const href = fillSlots(node.href, values, encodeURIComponent);
      return html`<a href=${href} target=${href.toLowerCase().startsWith('mailto:') ? nothing : '_blank'} rel="noopener noreferrer">${node.children.map(inline)}</a>`;
    }
  }
}

customElements.define('od-markdown', MarkdownText);
