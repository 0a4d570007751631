// The one place where diagnostics become text.
import type { Diagnostic } from './diagnostics.js';

/**
 * Formats a diagnostic as `file:line:col: error CODE: message`. With the source
 * text, the offending line and a caret under the column follow. A hint comes last as `  hint: …`.
 */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const lines = [`${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`];
  if (source !== undefined) {
    const text = source.split(/\r?\n/)[d.line - 1];
    if (text !== undefined) {
      // Tabs are kept under the caret so it lines up in a terminal whatever the tab width.
      const pad = text.slice(0, Math.max(0, d.col - 1)).replace(/[^\t]/g, ' ');
      lines.push(`  ${text}`, `  ${pad}^`);
    }
  }
  if (d.hint !== undefined) lines.push(`  hint: ${d.hint}`);
  return lines.join('\n');
}

/** Formats diagnostics as a JSON array, for tools and `--format json`. */
export function formatDiagnosticsJson(list: Diagnostic[]): string {
  return JSON.stringify(list, null, 2);
}
