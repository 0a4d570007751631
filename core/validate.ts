// Validate stage: the JSON Schema first, then the checks a schema cannot express.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { validateAppSchema } from './schema-validators.js';
import type { Diagnostic } from './diagnostics.js';
import { diagnosticAt, type DiagnosticInput, type DocPath, type LoadedDocument } from './load.js';
import { checkSemantics } from './semantics.js';
import { suggestionHint } from './suggest.js';
import type { AppSpec } from './spec.js';

/** A validated spec, still tied to its source for later stages. */
export interface ValidatedSpec {
  spec: AppSpec;
  loaded: LoadedDocument;
}

export interface ValidateResult {
  validated?: ValidatedSpec;
  diagnostics: Diagnostic[];
}

/**
 * Checks a loaded spec against schemas/app.schema.json, then (only when the
 * shape is right) the references, SQL parameters, templates and role graph.
 * `validated` is set when no diagnostic is an error.
 */
export function validateSpec(loaded: LoadedDocument): ValidateResult {
  const schemaProblems = schemaDiagnostics(validateAppSchema, loaded);
  if (schemaProblems.length > 0) return { diagnostics: schemaProblems };

  const spec = loaded.data as unknown as AppSpec;
  const diagnostics = checkSemantics(spec, loaded);
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return { validated: { spec, loaded }, diagnostics };
}

/** Runs a compiled schema on the loaded data and turns its errors into diagnostics at the right nodes. */
export function schemaDiagnostics(validate: ValidateFunction, loaded: LoadedDocument): Diagnostic[] {
  if (validate(loaded.data)) return [];
  const errors = collapseAlternatives(validate.errors ?? []);
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const error of errors) {
    const input = describeSchemaError(error, loaded.data);
    if (input === undefined) continue;
    const key = `${input.code}|${JSON.stringify(input.path)}|${input.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(diagnosticAt(loaded.file, loaded.positions, input));
  }
  return out;
}

/** Converts an ajv instance path such as `/pages/home/components/0` to a document path. */
function toDocPath(instancePath: string, data: unknown): DocPath {
  if (instancePath === '') return [];
  const path: DocPath = [];
  let node: unknown = data;
  for (const raw of instancePath.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

/** Names a document path for messages: `pages.customers.components[0].table`. */
export function describePath(path: DocPath): string {
  if (path.length === 0) return 'the top level';
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (text === '') text = part;
    else text += `.${part}`;
  }
  return text;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Replaces the errors ajv reports for each `oneOf`/`anyOf` by the errors of
 * the one branch whose type fits the value, or by a single error on the
 * alternative itself when no branch or several branches fit.
 */
function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  if (alternatives.length === 0) return errors;

  const dropped = new Set<ErrorObject>();
  for (const alternative of alternatives) {
    const prefix = `${alternative.schemaPath}/`;
    const at = alternative.instancePath;
    // Several values share one schema path when they use the same definition, so the instance path must match too.
    const inside = errors.filter((e) => e.schemaPath.startsWith(prefix) && (e.instancePath === at || e.instancePath.startsWith(`${at}/`)));
    const branches = new Map<string, ErrorObject[]>();
    for (const e of inside) {
      const branch = e.schemaPath.slice(prefix.length).split('/')[0];
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const fitting = [...branches.values()].filter(
      (list) => !list.some((e) => e.keyword === 'type' && e.instancePath === at),
    );
    for (const e of inside) dropped.add(e);
    if (fitting.length === 1) {
      // The value has the right type for exactly one branch, so that branch's errors describe the mistake.
      dropped.add(alternative);
      for (const e of fitting[0]) dropped.delete(e);
    }
  }
  return errors.filter((e) => !dropped.has(e));
}

/** Describes one ajv error as a diagnostic input, or undefined for errors that another error already covers. */
function describeSchemaError(error: ErrorObject, data: unknown): DiagnosticInput | undefined {
  const path = toDocPath(error.instancePath, data);
  const where = describePath(path);
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;

  if (error.propertyName !== undefined) {
    const keyPath = [...path, error.propertyName];
    return {
      code: 'schema-invalid-name',
      path: keyPath,
      part: 'key',
      message: `\`${error.propertyName}\` is not a valid name in ${where}`,
      hint: 'Use letters, digits, `-` and `_`, starting with a letter (parameter names: letters, digits and `_`).',
    };
  }

  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as Record<string, unknown>);
      return {
        code: 'schema-unknown-property',
        path: [...path, name],
        part: 'key',
        message: `unknown property \`${name}\` in ${where}`,
        hint: suggestionHint(name, allowed, 'Allowed properties'),
      };
    }
    case 'required': {
      const name = String(params.missingProperty);
      return {
        code: 'schema-required',
        path,
        part: 'key',
        message: `${where} is missing the required property \`${name}\``,
        hint: `Add \`${name}:\`${propertyHelp(parent, name)}.`,
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => `\`${String(v)}\``).join(', ');
      return {
        code: 'schema-enum',
        path,
        message: `${show(error.data)} is not an allowed value for ${where}`,
        hint: `Use one of: ${allowed}.`,
      };
    }
    case 'const':
      return {
        code: 'schema-enum',
        path,
        message: `${show(error.data)} is not an allowed value for ${where}`,
        hint: `Use \`${String(params.allowedValue)}\`.`,
      };
    case 'type': {
      const expected = Array.isArray(params.type) ? params.type.join(' or ') : String(params.type);
      return {
        code: 'schema-type',
        path,
        message: `${where} must be ${article(expected)}, not ${typeName(error.data)} ${show(error.data)}`,
        hint: typeof parent.description === 'string' ? `Expected: ${parent.description}` : undefined,
      };
    }
    case 'if':
      // The branch chosen by `if` reports its own errors; the `if` error itself adds nothing.
      return undefined;
    case 'oneOf':
    case 'anyOf':
      return {
        code: 'schema-invalid',
        path,
        message: `${show(error.data)} is not valid for ${where}`,
        hint: typeof parent.description === 'string' ? `Expected: ${parent.description}` : undefined,
      };
    case 'minProperties':
    case 'maxProperties':
      if (parent.maxProperties === 1 && parent.minProperties === 1) {
        const keys = Object.keys((parent.properties ?? {}) as Record<string, unknown>).map((k) => `\`${k}:\``).join(' or ');
        return {
          code: 'schema-invalid',
          path,
          message: `${where} must have exactly one key, ${keys}`,
          hint: 'Start each component with `- table:` or `- form:` and put its settings under that key.',
        };
      }
      return rangeError(error, path, where, parent);
    case 'pattern':
      return {
        code: 'schema-pattern',
        path,
        message: `${show(error.data)} is not valid for ${where}: it must match ${String(params.pattern)}`,
        hint: typeof parent.description === 'string' ? parent.description : undefined,
      };
    case 'format':
      return {
        code: 'schema-format',
        path,
        message: `${show(error.data)} is not a valid ${String(params.format)} for ${where}`,
        hint: typeof parent.description === 'string' ? parent.description : undefined,
      };
    case 'propertyNames':
      return undefined;
    default:
      return rangeError(error, path, where, parent);
  }
}

function rangeError(error: ErrorObject, path: DocPath, where: string, parent: Record<string, unknown>): DiagnosticInput {
  return {
    code: 'schema-range',
    path,
    message: `${show(error.data)} is not valid for ${where}: it ${describeLimit(error)}`,
    hint: typeof parent.description === 'string' ? parent.description : undefined,
  };
}

/** Phrases a size or range limit in plain words, such as "must have at least 1 item". */
function describeLimit(error: ErrorObject): string {
  const limit = Number((error.params as { limit?: unknown }).limit);
  const plural = (noun: string): string => `${limit} ${noun}${limit === 1 ? '' : 's'}`;
  switch (error.keyword) {
    case 'minItems':
      return `must have at least ${plural('item')}`;
    case 'maxItems':
      return `must have at most ${plural('item')}`;
    case 'minLength':
      return `must have at least ${plural('character')}`;
    case 'maxLength':
      return `must have at most ${plural('character')}`;
    case 'minProperties':
      return `must have at least ${plural('entry')}`.replace('entrys', 'entries');
    case 'maxProperties':
      return `must have at most ${plural('entry')}`.replace('entrys', 'entries');
    case 'minimum':
      return `must be ${limit} or more`;
    case 'maximum':
      return `must be ${limit} or less`;
    default:
      return error.message ?? 'breaks the schema';
  }
}

function propertyHelp(parent: Record<string, unknown>, name: string): string {
  const properties = (parent.properties ?? {}) as Record<string, { description?: string }>;
  const description = properties[name]?.description;
  return description === undefined ? '' : ` (${description.replace(/\.$/, '')})`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return article(typeof value);
}

function article(type: string): string {
  const named = type.replace('object', 'map').replace('array', 'list');
  return /^[aeiou]/.test(named) ? `an ${named}` : `a ${named}`;
}
