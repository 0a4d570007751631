// Help text written in Markdown, rendered from the parsed tree with text bindings only.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { parseMarkdown, type Block, type Inline } from '../markdown.js';

/** Renders a `markdown` component: a safe subset, never raw HTML. */
export class MarkdownText extends LitElement {
  static override properties = {
    text: { type: String },
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

  override render() {
    return parseMarkdown(this.text).map(renderBlock);
  }
}

function renderBlock(block: Block): TemplateResult {
  if (block.kind === 'heading') {
    // Page and card headings are h1 and h2, so help text headings start at h2 and stop at h4.
    const level = Math.min(block.level + 1, 4);
    const children = block.children.map(renderInline);
    if (level === 2) return html`<h2>${children}</h2>`;
    if (level === 3) return html`<h3>${children}</h3>`;
    return html`<h4>${children}</h4>`;
  }
  if (block.kind === 'list') {
    const items = block.items.map((item) => html`<li>${item.map(renderInline)}</li>`);
    return block.ordered ? html`<ol>${items}</ol>` : html`<ul>${items}</ul>`;
  }
  return html`<p>${block.children.map(renderInline)}</p>`;
}

function renderInline(node: Inline): TemplateResult | string {
  switch (node.kind) {
    case 'text':
      return node.text;
    case 'code':
      return html`<code>${node.text}</code>`;
    case 'strong':
      return html`<strong>${node.children.map(renderInline)}</strong>`;
    case 'em':
      return html`<em>${node.children.map(renderInline)}</em>`;
    case 'link':
      return html`<a href=${node.href} target=${node.href.toLowerCase().startsWith('mailto:') ? nothing : '_blank'} rel="noopener noreferrer">${node.children.map(renderInline)}</a>`;
  }
}

customElements.define('od-markdown', MarkdownText);
