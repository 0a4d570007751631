// Spec diagnostics: errors and warnings as data, formatted in one place.

/** A position in a spec file; line and col are 1-based. */
export interface SourceRange {
  file: string;
  line: number;
  col: number;
  endLine?: number;
  endCol?: number;
}

export type Severity = 'error' | 'warning';

/**
 * One problem found in a spec. `code` is stable (tests and tools match on it);
 * `path` is the location inside the document, such as ['queries', 'customers', 'sql'].
 */
export interface Diagnostic {
  code: string;
  severity: Severity;
  file: string;
  line: number;
  col: number;
  path: Array<string | number>;
  message: string;
  /** How to fix it, as one sentence. */
  hint?: string;
}
