// Compile stage: a validated spec to the AppModel the runtime serves.
import { createHash } from 'node:crypto';
import type { ActionModel, AppModel, JobModel, JobStepModel, ParamsSchema, QueryModel, Restriction, StepModel } from './model.js';
import { DEFAULT_BATCH_SIZE } from './job-checks.js';
import { buildPolicy } from './policy.js';
import { parseRowRule } from './row-rules.js';
import type { ActionSpec, AppSpec, JobSpec, JobStepSpec, QuerySpec, StepSpec } from './spec.js';
import { compileSql } from './sql-params.js';

/** Parameter names masked even without `secret: true`. */
const SECRET_NAME = /password|token|secret/i;

/** Builds the JSON Schema that checks a request's params for one query or action. */
export function paramsSchemaOf(statement: QuerySpec | ActionSpec | JobSpec): ParamsSchema {
  return {
    type: 'object',
    properties: { ...(statement.params ?? {}) },
    required: [...(statement.required ?? [])],
    additionalProperties: false,
  };
}

/** Lists the parameters of an action whose values are masked: `secret: true`, or a name containing password, token or secret. */
export function secretParamsOf(action: ActionSpec | JobSpec): string[] {
  return Object.entries(action.params ?? {})
    .filter(([name, param]) => param.secret === true || SECRET_NAME.test(name))
    .map(([name]) => name);
}

/** Compiles one step of a multi-step action; SQL steps share the action's parameter schema, so date formats bind the same way. */
export function compileStep(step: StepSpec, paramsSchema: ParamsSchema): StepModel {
  if (step.request !== undefined) return { kind: 'http', id: step.id, datasource: step.datasource, request: step.request, outputs: { ...(step.outputs ?? {}) } };
  const sql = step.sql ?? '';
  return { kind: 'sql', id: step.id, datasource: step.datasource, sql: compileSql(sql), spec: { sql }, paramsSchema, expectRows: step.expect?.rows, expectMessage: step.expect?.message };
}

/** Compiles one step of a job. */
function compileJobStep(step: JobStepSpec, paramsSchema: ParamsSchema): JobStepModel {
  const title = step.title === undefined ? {} : { title: step.title };
  if (step.job !== undefined) return { kind: 'job', id: step.id, ...title, job: step.job, params: { ...(step.params ?? {}) } };
  const compiled = compileStep({ id: step.id, datasource: step.datasource ?? '', sql: step.sql, request: step.request, expect: step.expect, outputs: step.outputs }, paramsSchema);
  if (compiled.kind === 'http' || step.batch === undefined) return { ...compiled, ...title };
  const batch = { sql: compileSql(step.batch.query), spec: { sql: step.batch.query }, paramsSchema, key: step.batch.key, size: step.batch.size ?? DEFAULT_BATCH_SIZE };
  return { ...compiled, ...title, batch };
}

/** Compiles every job of a spec. */
function compileJobs(spec: AppSpec): Record<string, JobModel> {
  const jobs: Record<string, JobModel> = {};
  for (const [id, job] of Object.entries(spec.jobs ?? {})) {
    const paramsSchema = paramsSchemaOf(job);
    jobs[id] = {
      id,
      spec: job,
      paramsSchema,
      secretParams: secretParamsOf(job),
      steps: job.steps.map((step) => compileJobStep(step, paramsSchema)),
      stepsHash: createHash('sha256').update(JSON.stringify([job.steps, job.params ?? {}])).digest('hex'),
    };
  }
  return jobs;
}

/** Parses the row rules of a query; the semantic checks already reported any that do not parse. */
function compileRestrictions(query: QuerySpec): Record<string, Restriction> {
  const compiled: Record<string, Restriction> = {};
  for (const [role, restriction] of Object.entries(query.restrict ?? {})) {
    compiled[role] = { rows: restriction.rows === undefined ? undefined : parseRowRule(restriction.rows), hide: restriction.hide ?? [], mask: restriction.mask ?? [] };
  }
  return compiled;
}

/** Compiles a spec that passed validation; `sourceText` is the spec's text (see contentOf in build-app.ts), hashed into the version. */
export function compile(spec: AppSpec, sourceText: string): AppModel {
  const queries: Record<string, QueryModel> = {};
  for (const [id, query] of Object.entries(spec.queries ?? {})) {
    const base = { id, datasource: query.datasource, paramsSchema: paramsSchemaOf(query), restrict: compileRestrictions(query) };
    if (query.request !== undefined) queries[id] = { ...base, kind: 'http', spec: query, request: query.request, rows: query.rows ?? '' };
    else queries[id] = { ...base, kind: 'sql', spec: { ...query, sql: query.sql ?? '' }, sql: compileSql(query.sql ?? '') };
  }

  const actions: Record<string, ActionModel> = {};
  for (const [id, action] of Object.entries(spec.actions ?? {})) {
    const paramsSchema = paramsSchemaOf(action);
    actions[id] = {
      id,
      spec: action,
      datasource: action.steps === undefined ? action.datasource : undefined,
      sql: action.steps === undefined && action.sql !== undefined ? compileSql(action.sql) : undefined,
      steps: action.steps?.map((step) => compileStep(step, paramsSchema)),
      onFailure: action.onFailure === undefined ? undefined : compileStep({ ...action.onFailure, id: 'onFailure' }, paramsSchema),
      preview: action.preview === undefined || action.preview === false ? undefined : action.preview === true ? {} : action.preview,
      paramsSchema,
      secretParams: secretParamsOf(action),
      scope: action.scope,
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
    jobs: compileJobs(spec),
    pages: spec.pages,
    devUsers: spec.devUsers ?? [],
    policy: buildPolicy(spec),
  };
}
