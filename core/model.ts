// The compiled app: what the runtime serves. Built by compile() from a spec
// that passed validation; never mutated afterwards (a reload builds a new one).
import type { RowRule } from './row-rules.js';
import type { ActionScopeSpec, AppSpec, ActionSpec, JobSpec, DatasourceSpec, DevUserSpec, HttpRequestSpec, PageSpec, ParamSpec, PreviewSpec, QuerySpec, RoleSpec } from './spec.js';

/** SQL with named parameters replaced by positional `?` placeholders. */
export interface CompiledSql {
  /** SQL text with `?` in place of each `:name`, in order of appearance. */
  text: string;
  /** Parameter name for each placeholder, in order; identity values appear as `user.email`, `user.id`, `user.name`. */
  bindings: string[];
}

/** JSON Schema object that validates a request's `params` for one query or action. */
export type ParamsSchema = {
  type: 'object';
  properties: Record<string, ParamSpec>;
  required: string[];
  additionalProperties: false;
};

interface QueryModelBase {
  id: string;
  spec: QuerySpec;
  datasource: string;
  paramsSchema: ParamsSchema;
  /** Row and column rules by role; a role of the allow list without an entry sees everything. */
  restrict: Record<string, Restriction>;
}

/** One role's restriction on a query, with its row rule parsed. */
export interface Restriction {
  rows?: RowRule;
  hide: string[];
  mask: string[];
}

/** A query that runs SQL on a sqlite or postgres data source. */
export interface SqlQueryModel extends QueryModelBase {
  kind: 'sql';
  spec: QuerySpec & { sql: string };
  sql: CompiledSql;
}

/** A query that reads its rows from one GET request to an HTTP data source. */
export interface HttpQueryModel extends QueryModelBase {
  kind: 'http';
  request: HttpRequestSpec;
  /** JSON pointer to the array of row objects; empty for the body itself. */
  rows: string;
}

export type QueryModel = SqlQueryModel | HttpQueryModel;

/** A SQL step: shaped like a statement so the binding layer compiles and caches it the same way. */
export interface SqlStepModel {
  kind: 'sql';
  id: string;
  datasource: string;
  sql: CompiledSql;
  spec: { sql: string };
  paramsSchema: ParamsSchema;
  expectRows?: number;
  expectMessage?: string;
}

/** An HTTP step: the request templates as written, filled in when the step runs. */
export interface HttpStepModel {
  kind: 'http';
  id: string;
  datasource: string;
  request: HttpRequestSpec;
  outputs: Record<string, string>;
}

export type StepModel = SqlStepModel | HttpStepModel;

export interface ActionModel {
  id: string;
  spec: ActionSpec;
  /** Data source and SQL of a single-statement action; absent when the action has `steps`. */
  datasource?: string;
  sql?: CompiledSql;
  /** Steps of a multi-step action, in order. */
  steps?: StepModel[];
  /** Compensating step of a multi-step action; its id is `onFailure`. */
  onFailure?: StepModel;
  /** Preview settings; `table` and `key` are set when the preview shows before and after rows. */
  preview?: Partial<PreviewSpec>;
  paramsSchema: ParamsSchema;
  /** Parameters whose values are masked in audit records and logs. */
  secretParams: string[];
  /** The row the action changes, checked against a query's row rules before and after. */
  scope?: ActionScopeSpec;
}

/** The query a batch step walks, shaped like a statement so it binds the same way. */
export interface BatchModel {
  sql: CompiledSql;
  spec: { sql: string };
  paramsSchema: ParamsSchema;
  key: string;
  size: number;
}

/** A step of a job: SQL (optionally walking a batch query in chunks), HTTP, or starting another job. */
export type JobStepModel =
  | (SqlStepModel & { title?: string; batch?: BatchModel })
  | (HttpStepModel & { title?: string })
  | { kind: 'job'; id: string; title?: string; job: string; params: Record<string, string | number | boolean | null> };

export interface JobModel {
  id: string;
  spec: JobSpec;
  paramsSchema: ParamsSchema;
  /** Parameters whose values are masked in runs, audit records and logs. */
  secretParams: string[];
  steps: JobStepModel[];
  /** sha256 of the steps as written; a run resumes only while it is unchanged. */
  stepsHash: string;
}

/** One Casbin rule as an array of fields, never as CSV text. */
export type PolicyRule = string[];

/**
 * The app's access rules for a Casbin RBAC-with-domains model.
 * Subjects are prefixed: `user:<id>`, `group:<name>`, `role:<name>`.
 * Objects: `page:<id>`, `query:<id>`, `action:<id>`, `job:<id>`. Acts: `view` (pages), `run` (queries, actions, jobs).
 */
export interface AppPolicy {
  domain: string;
  /** `p` rules: [subject, domain, object, act]. */
  policies: PolicyRule[];
  /** `g` rules: [member, role, domain]. */
  groupings: PolicyRule[];
}

export interface AppModel {
  id: string;
  title: string;
  spec: AppSpec;
  /** sha256 of the spec file contents (with the files it includes), hex; the content hash that identifies the served version. */
  version: string;
  datasources: Record<string, DatasourceSpec>;
  roles: Record<string, RoleSpec>;
  queries: Record<string, QueryModel>;
  actions: Record<string, ActionModel>;
  jobs: Record<string, JobModel>;
  pages: Record<string, PageSpec>;
  devUsers: DevUserSpec[];
  policy: AppPolicy;
}
