// Validates a request's `params` against the query's or action's parameter
// schema. Messages name the parameter and the rule so the form can show them.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ParamsSchema } from '../core/model.js';
import { invalid, type FieldError } from './http/errors.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false });
addFormats(ajv);
ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
ajv.addKeyword({ keyword: 'multiline', schemaType: 'boolean' });
ajv.addKeyword({ keyword: 'searches', schemaType: 'array' });

const validators = new WeakMap<ParamsSchema, ValidateFunction>();

/**
 * Returns the params with nulls of optional parameters dropped, or throws a
 * 400 listing every invalid field.
 */
export function checkParams(schema: ParamsSchema, raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid('invalid_params', [{ field: 'params', message: 'must be an object of parameter values, such as {"search": "ana"}.' }]);
  }
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (value === null && !schema.required.includes(name) && Object.hasOwn(schema.properties, name)) continue;
    params[name] = value;
  }

  const unsafe = unsafeValues(params);
  if (unsafe.length > 0) throw invalid('invalid_params', unsafe);

  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  if (!validate(params)) throw invalid('invalid_params', (validate.errors ?? []).map((error) => describe(error, schema)));
  return params;
}

/** Values JSON allows but a database cannot store faithfully: NUL in text, infinite or inexact whole numbers. */
function unsafeValues(params: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(params)) {
    const field = `params.${name}`;
    if (typeof value === 'string' && value.includes('\u0000')) errors.push({ field, message: 'must not contain NUL characters.' });
    if (typeof value === 'number' && !Number.isFinite(value)) errors.push({ field, message: 'must be a finite number.' });
    if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      errors.push({ field, message: `is too large to be exact; use a whole number between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}.` });
    }
  }
  return errors;
}

function describe(error: ErrorObject, schema: ParamsSchema): FieldError {
  const name = error.instancePath.split('/')[1];
  const field = name === undefined ? 'params' : `params.${name}`;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { field: `params.${p.missingProperty}`, message: 'is required.' };
    case 'additionalProperties': {
      const allowed = Object.keys(schema.properties);
      return {
        field: `params.${p.additionalProperty}`,
        message: `is not a parameter here; ${allowed.length > 0 ? `use only ${allowed.join(', ')}` : 'send no parameters'}.`,
      };
    }
    case 'type':
      return { field, message: `must be ${article(String(p.type))} ${p.type}.` };
    case 'minLength':
      return { field, message: `must have at least ${p.limit} characters.` };
    case 'maxLength':
      return { field, message: `must have at most ${p.limit} characters.` };
    case 'minimum':
      return { field, message: `must be ${p.limit} or more.` };
    case 'maximum':
      return { field, message: `must be ${p.limit} or less.` };
    case 'pattern':
      return { field, message: `does not match the pattern ${p.pattern}.` };
    case 'format':
      return { field, message: `must be a valid ${p.format}.` };
    case 'enum':
      return { field, message: `must be one of ${(p.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}.` };
    default:
      return { field, message: `${error.message ?? 'is invalid'}.` };
  }
}

const article = (word: string): string => (/^[aeiou]/.test(word) ? 'an' : 'a');
