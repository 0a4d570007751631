// `${env:NAME}` references in specs and settings, and the check that each
// one is set in an environment. Values are compared, never copied into a
// diagnostic.
import type { Diagnostic } from './diagnostics.js';
import { diagnosticAt, type DocPath, type LoadedDocument } from './load.js';

/** One `${env:NAME}` found in a string value. */
export interface EnvReference {
  path: DocPath;
  /** Index of the `$` inside the string value. */
  offset: number;
  variable: string;
  value: string;
  /** True for `${env:NAME:-default}`, which falls back to the default when NAME is unset. */
  hasDefault: boolean;
}

const REFERENCE = /\$\{env:([^}:]*)(:-[^}]*)?\}/g;

/** Finds every `${env:NAME}` in the string values under `root` (the whole document when empty). */
export function findEnvReferences(data: unknown, root: DocPath = []): EnvReference[] {
  const found: EnvReference[] = [];
  let node: unknown = data;
  for (const segment of root) {
    if (node === null || typeof node !== 'object') return found;
    node = (node as Record<string | number, unknown>)[segment];
  }
  const visit = (value: unknown, path: DocPath): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(REFERENCE)) {
        found.push({ path, offset: match.index ?? 0, variable: match[1], value, hasDefault: match[2] !== undefined });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...path, index]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    }
  };
  visit(node, root);
  return found;
}

/**
 * Reports each reference under `roots` of `loaded` whose variable is unset
 * or empty in `env`, as `env-missing` at the reference itself. References with
 * a default are skipped. `environment` names the settings overlay in use, for the message.
 */
export function checkEnvReferences(loaded: LoadedDocument, roots: DocPath[], env: Readonly<Record<string, string | undefined>>, environment?: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const where = environment === undefined ? 'in this environment' : `for environment \`${environment}\``;
  for (const root of roots) {
    for (const reference of findEnvReferences(loaded.data, root)) {
      if (reference.hasDefault) continue;
      const at = loaded.positions.locateInValue(reference.path, reference.offset, reference.value);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(reference.variable)) {
        out.push(diagnosticAt(loaded.file, loaded.positions, { code: 'env-invalid', path: reference.path, at, message: `\`\${env:${reference.variable}}\` does not name a valid environment variable`, hint: 'Use letters, digits and `_`, not starting with a digit, such as `${env:DATABASE_URL}`.' }));
        continue;
      }
      const value = env[reference.variable];
      if (value !== undefined && value !== '') continue;
      out.push(diagnosticAt(loaded.file, loaded.positions, {
        code: 'env-missing',
        path: reference.path,
        at,
        message: `environment variable ${reference.variable} is not set ${where}`,
        hint: `Set ${reference.variable} in the environment that runs the server${environment === undefined ? '' : ` with --env ${environment}`}.`,
      }));
    }
  }
  return out;
}
