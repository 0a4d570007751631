// `{{ path }}` placeholders in confirm and success texts and in table params.

/** One well-formed placeholder; `offset` is the index of its opening `{{`. */
export interface TemplatePlaceholder {
  /** Dotted path split into its parts: `row.FirstName` gives ['row', 'FirstName']. */
  path: string[];
  offset: number;
  length: number;
}

/** A placeholder that is not a dotted path of identifiers, or a `{{` that is never closed. */
export interface TemplateError {
  offset: number;
  /** The text between the braces, trimmed, or the rest of the string for an unclosed `{{`. */
  text: string;
  message: string;
}

export interface ParsedTemplate {
  placeholders: TemplatePlaceholder[];
  errors: TemplateError[];
}

const DOTTED_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Parses every `{{ … }}` in `text`; whitespace inside the braces is ignored. */
export function parseTemplate(text: string): ParsedTemplate {
  const placeholders: TemplatePlaceholder[] = [];
  const errors: TemplateError[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf('{{', from);
    if (open === -1) break;
    const close = text.indexOf('}}', open + 2);
    if (close === -1) {
      errors.push({ offset: open, text: text.slice(open), message: 'placeholder `{{` is never closed with `}}`' });
      break;
    }
    const inner = text.slice(open + 2, close).trim();
    if (DOTTED_PATH.test(inner)) {
      placeholders.push({ path: inner.split('.'), offset: open, length: close + 2 - open });
    } else {
      const shown = inner === '' ? 'an empty placeholder' : `\`${inner}\``;
      errors.push({ offset: open, text: inner, message: `${shown} is not a dotted path such as \`row.Email\`; placeholders hold no expressions` });
    }
    from = close + 2;
  }
  return { placeholders, errors };
}
