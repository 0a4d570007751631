// Compile stage: a validated spec to the AppModel the runtime serves.
import { createHash } from 'node:crypto';
import type { ActionModel, AppModel, ParamsSchema, QueryModel } from './model.js';
import { buildPolicy } from './policy.js';
import type { ActionSpec, AppSpec, QuerySpec } from './spec.js';
import { compileSql } from './sql-params.js';

/** Parameter names masked even without `secret: true`. */
const SECRET_NAME = /password|token|secret/i;

/** Builds the JSON Schema that checks a request's params for one query or action. */
export function paramsSchemaOf(statement: QuerySpec | ActionSpec): ParamsSchema {
  return {
    type: 'object',
    properties: { ...(statement.params ?? {}) },
    required: [...(statement.required ?? [])],
    additionalProperties: false,
  };
}

/** Lists the parameters of an action whose values are masked: `secret: true`, or a name containing password, token or secret. */
export function secretParamsOf(action: ActionSpec): string[] {
  return Object.entries(action.params ?? {})
    .filter(([name, param]) => param.secret === true || SECRET_NAME.test(name))
    .map(([name]) => name);
}

/** Compiles a spec that passed validation; `sourceText` is the file's text, hashed into the version. */
export function compile(spec: AppSpec, sourceText: string): AppModel {
  const queries: Record<string, QueryModel> = {};
  for (const [id, query] of Object.entries(spec.queries ?? {})) {
    queries[id] = { id, spec: query, datasource: query.datasource, sql: compileSql(query.sql), paramsSchema: paramsSchemaOf(query) };
  }

  const actions: Record<string, ActionModel> = {};
  for (const [id, action] of Object.entries(spec.actions ?? {})) {
    actions[id] = {
      id,
      spec: action,
      datasource: action.datasource,
      sql: compileSql(action.sql),
      paramsSchema: paramsSchemaOf(action),
      secretParams: secretParamsOf(action),
    };
  }

  return {
    id: spec.id,
    title: spec.title,
    spec,
    version: createHash('sha256').update(sourceText).digest('hex'),
    datasources: spec.datasources,
    roles: spec.roles,
    queries,
    actions,
    pages: spec.pages,
    devUsers: spec.devUsers ?? [],
    policy: buildPolicy(spec),
  };
}
