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
ajv.addKeyword({ keyword: 'widget', schemaType: 'string' });
ajv.addKeyword({ keyword: 'currency', schemaType: 'string' });
ajv.addKeyword({ keyword: 'options', schemaType: 'object' });
ajv.addKeyword({ keyword: 'visibleWhen', schemaType: 'object' });

// Compiled validators per schema, keyed by the required parameters that `visibleWhen` hides.
const validators = new WeakMap<ParamsSchema, Map<string, ValidateFunction>>();

function validatorFor(schema: ParamsSchema, skipped: string[]): ValidateFunction {
  let byHidden = validators.get(schema);
  if (!byHidden) validators.set(schema, (byHidden = new Map()));
  const key = skipped.join(',');
  let validate = byHidden.get(key);
  if (!validate) {
    validate = ajv.compile(skipped.length === 0 ? schema : { ...schema, required: schema.required.filter((name) => !skipped.includes(name)) });
    byHidden.set(key, validate);
  }
  return validate;
}

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
  // A parameter hidden by `visibleWhen` is neither required nor taken, so a form's hidden field cannot carry a value.
  const hidden = hiddenParams(schema, params);
  for (const name of hidden) delete params[name];
  const skipped = schema.required.filter((name) => hidden.includes(name));

  const unsafe = [...unsafeValues(params), ...nonWebUrls(schema, params)];
  if (unsafe.length > 0) throw invalid('invalid_params', unsafe);

  const validate = validatorFor(schema, skipped);
  if (!validate(params)) throw invalid('invalid_params', (validate.errors ?? []).map((error) => describe(error, schema)));
  return params;
}

/**
 * Names the parameters whose `visibleWhen` condition the sent values do not
 * meet. A parameter that depends on a hidden one is hidden too, and so is
 * every parameter of a dependency cycle, as the form shows them.
 */
export function hiddenParams(schema: ParamsSchema, params: Record<string, unknown>): string[] {
  const hidden = new Set<string>();
  const visible = (name: string, seen: Set<string>): boolean => {
    const condition = schema.properties[name]?.visibleWhen;
    if (!condition) return true;
    if (seen.has(name) || !Object.hasOwn(schema.properties, condition.field)) return false;
    seen.add(name);
    return visible(condition.field, seen) && conditionMet(condition, params[condition.field]);
  };
  for (const name of Object.keys(schema.properties)) if (!visible(name, new Set())) hidden.add(name);
  return [...hidden];
}

function conditionMet(condition: NonNullable<ParamsSchema['properties'][string]['visibleWhen']>, value: unknown): boolean {
  const allowed = Array.isArray(condition.equals) ? condition.equals : [condition.equals];
  return allowed.some((option) => option === value);
}

/** `format: uri` values whose scheme is not http or https: a stored `javascript:` link could run script where it is shown. */
function nonWebUrls(schema: ParamsSchema, params: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== 'string' || !Object.hasOwn(schema.properties, name) || schema.properties[name].format !== 'uri') continue;
    if (!/^https?:\/\//i.test(value)) errors.push({ field: `params.${name}`, message: 'must be an http or https URL, such as https://example.com.' });
  }
  return errors;
}

/** Values JSON allows but a database cannot store faithfully: NUL in text, infinite or inexact whole numbers. */
function unsafeValues(params: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(params)) {
    const field = `params.${name}`;
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) errors.push(...unsafeValues({ [`${name}.${index}`]: item }));
      continue;
    }
    if (typeof value === 'string' && value.includes('\u0000')) errors.push({ field, message: 'must not contain NUL characters.' });
    if (typeof value === 'number' && !Number.isFinite(value)) errors.push({ field, message: 'must be a finite number.' });
    if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      errors.push({ field, message: `is too large to be exact; use a whole number between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}.` });
    }
  }
  return errors;
}

function describe(error: ErrorObject, schema: ParamsSchema): FieldError {
  const [, name, index] = error.instancePath.split('/');
  let field = 'params';
  if (name !== undefined) field = index === undefined ? `params.${name}` : `params.${name}.${index}`;
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
    case 'minItems':
      return { field, message: `must have at least ${p.limit} ${p.limit === 1 ? 'value' : 'values'}.` };
    case 'maxItems':
      return { field, message: `must have at most ${p.limit} ${p.limit === 1 ? 'value' : 'values'}.` };
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
