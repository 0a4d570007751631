// The shape of an app spec after it passed schema validation.
// schemas/app.schema.json is the single source of truth; these types mirror it
// for the compiler and the runtime.

/** A whole `app.yaml`. */
export interface AppSpec {
  opsdeck: 1;
  id: string;
  title: string;
  description?: string;
  /** Id of the page opened first; defaults to the first page the user may view. */
  home?: string;
  datasources: Record<string, DatasourceSpec>;
  roles: Record<string, RoleSpec>;
  queries?: Record<string, QuerySpec>;
  actions?: Record<string, ActionSpec>;
  pages: Record<string, PageSpec>;
  /** Users offered by the development sign-in page. Ignored in proxy mode. */
  devUsers?: DevUserSpec[];
  /** Other YAML files, relative to the app folder, whose `pages`, `queries`, `actions` and `roles` are merged into this spec. */
  include?: string[];
  /** Who may read the app's audit trail. */
  audit?: { viewers: string[] };
}

export interface SqliteDatasourceSpec {
  kind: 'sqlite';
  /** Database file, relative to the app folder. Created when missing. */
  file: string;
  /** Database copied to `file` when `file` does not exist yet. */
  seed?: string;
  /** Folder of `.sql` files applied once each, in file-name order. */
  migrations?: string;
}

export interface PostgresDatasourceSpec {
  kind: 'postgres';
  /** Connection URL, normally `${env:NAME}`: each `${env:NAME}` is replaced by that environment variable when the app loads. */
  url: string;
  /** Schema the connections search first (their `search_path`). */
  schema?: string;
  /** Time limit of each query and action statement in milliseconds; default 10000. */
  statementTimeoutMs?: number;
  /** Connection pool settings; `max` defaults to 10 connections. */
  pool?: { max?: number };
  /** Folder of `.sql` files applied once each, in file-name order, each in a transaction. */
  migrations?: string;
}

/** An HTTP API that action steps and queries call. Its settings never reach the browser. */
export interface HttpDatasourceSpec {
  kind: 'http';
  /** Base URL every request stays under; `${env:NAME}` and `${env:NAME:-default}` are resolved when the app loads. */
  baseUrl: string;
  /** Headers sent with every request; values may hold `${env:NAME}` and are never logged or shown. */
  headers?: Record<string, string>;
  /** Time limit of one attempt in milliseconds; default 10000. */
  timeoutMs?: number;
  /** Extra attempts after a network failure, timeout or 5xx, for idempotent methods only; default 2. */
  retries?: number;
  /** Largest response body accepted, in bytes; default 1 MiB. */
  maxResponseBytes?: number;
  /** HTTP data sources have no migrations; declared so code reading `migrations` of any data source type-checks. */
  migrations?: never;
}

export type DatasourceSpec = SqliteDatasourceSpec | PostgresDatasourceSpec | HttpDatasourceSpec;

/** JSON that a request body template may hold; strings may contain `{{ … }}` placeholders. */
export type JsonTemplate = string | number | boolean | null | JsonTemplate[] | { [key: string]: JsonTemplate };

/** One HTTP request of an action step or a query. */
export interface HttpRequestSpec {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** Path under the data source's base URL; each `{name}` is one percent-encoded path segment. */
  path: string;
  /** Query string parameters: name to template. */
  query?: Record<string, string>;
  /** Headers: name to template. */
  headers?: Record<string, string>;
  /** JSON body; a string that is exactly one placeholder inserts the value with its JSON type. */
  body?: JsonTemplate;
}

/** One step of a multi-step action: a SQL statement or an HTTP request. */
export interface StepSpec {
  id: string;
  datasource: string;
  sql?: string;
  request?: HttpRequestSpec;
  /** SQL steps only: roll back unless the statement changed this many rows. */
  expect?: { rows: number; message?: string };
  /** HTTP steps only: output name to a JSON pointer into the response body. */
  outputs?: Record<string, string>;
}

/** A step run when a step of the action fails, to compensate; it has no `id` and sees `steps.*` and `failedStep`. */
export type FailureStepSpec = Omit<StepSpec, 'id'> & { id?: string };

/** How a preview shows the rows an action changes: the table and its key column. */
export interface PreviewSpec {
  table: string;
  key: string;
  /** Step whose statement changes the table; default: the action's statement or its first SQL step. */
  step?: string;
}

export interface RoleSpec {
  title?: string;
  description?: string;
  /** Grants every page, query and action of the app, each written out as its own rule. */
  superuser?: boolean;
  inherits?: string[];
  members?: { users?: string[]; groups?: string[] };
}

/** JSON Schema subset allowed for one query or action parameter. */
export interface ParamSpec {
  type: 'string' | 'integer' | 'number' | 'boolean';
  title?: string;
  description?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: 'email' | 'date' | 'date-time' | 'uri';
  minimum?: number;
  maximum?: number;
  enum?: Array<string | number>;
  default?: string | number | boolean;
  /** Masked in audit records and logs. */
  secret?: boolean;
  /** Form widget hint: a multi-line text box. */
  multiline?: boolean;
  /** Columns this parameter searches or compares with; a caller for whom one is hidden or masked may not send a value. */
  searches?: string[];
}

/** A query: `sql` on a SQL data source, or `request` (GET only) on an HTTP data source. */
export interface QuerySpec {
  title?: string;
  datasource: string;
  sql?: string;
  /** The GET request whose JSON response contains the rows. */
  request?: HttpRequestSpec;
  /** JSON pointer to the array of row objects in the response; empty (the default) means the body itself. */
  rows?: string;
  params?: Record<string, ParamSpec>;
  required?: string[];
  allow: string[];
  /** What each run writes to the audit log: nothing, who ran it (the default `metadata`), or also the parameter values, secrets masked. */
  audit?: 'off' | 'metadata' | 'params';
  /** Row and column rules per role of `allow`. */
  restrict?: Record<string, RestrictionSpec>;
}

/** What one role sees of a query: a row rule (see core/row-rules.ts) and hidden or masked columns. */
export interface RestrictionSpec {
  rows?: string;
  hide?: string[];
  mask?: string[];
}

/** The row an action changes: the caller must see it through `query` before and after the change. */
export interface ActionScopeSpec {
  query: string;
  key: string;
  param: string;
}

export interface ActionSpec {
  title: string;
  description?: string;
  /** Data source of `sql`; an action has either `datasource` and `sql` or `steps`. */
  datasource?: string;
  sql?: string;
  /** Statements and HTTP requests run in order; see docs/actions.md for the transaction rule. */
  steps?: StepSpec[];
  /** Step run when a step fails after an earlier one committed. */
  onFailure?: FailureStepSpec;
  /** Offer a preview that runs the SQL in a transaction that is always rolled back. */
  preview?: boolean | PreviewSpec;
  params?: Record<string, ParamSpec>;
  required?: string[];
  /** Roll back unless the statement changed exactly this many rows; `message` tells the operator why nothing changed. */
  expect?: { rows: number; message?: string };
  /** Confirmation text shown before the action runs; `{{ row.X }}` and `{{ params.X }}` are filled in. */
  confirm?: string;
  /** Toast text after success, with the same placeholders as `confirm`. */
  success?: string;
  /** Visual weight of the button. */
  style?: 'primary' | 'danger' | 'default';
  allow: string[];
  /** The row this action changes, checked against the row rules of a query. */
  scope?: ActionScopeSpec;
  /** Runs only after a second person approves: a run creates a pending request instead. */
  approval?: ApprovalSpec;
}

/** Who approves an action's requests, and how long a request waits. */
export interface ApprovalSpec {
  /** Roles whose members may approve or reject; never the person who sent the request. */
  by: string[];
  /** Time after which a pending request expires, such as `30m`, `12h` or `3d`; default `72h`. */
  expiresAfter?: string;
}

export type ColumnFormat = 'text' | 'number' | 'currency' | 'date' | 'datetime' | 'badge' | 'link' | 'email' | 'boolean';

export interface ColumnSpec {
  field: string;
  label?: string;
  format?: ColumnFormat;
  /** ISO 4217 code for `format: currency`. */
  currency?: string;
}

/** Column values a row must have for a row action to show; a list allows any of its values. */
export type RowCondition = Record<string, string | number | boolean | null | Array<string | number | boolean | null>>;

/** A row action: the action id, or the action with an explicit parameter-to-column map and a row condition. */
export type RowActionSpec = string | { action: string; params?: Record<string, string>; when?: RowCondition };

export interface TableSpec {
  /** Id other components use to read this table's selected row. */
  id?: string;
  title?: string;
  query: string;
  /** Query parameter bound to the search box. */
  search?: string;
  /** Query parameter values; strings may hold `{{ <tableId>.selected.<field> }}`. */
  params?: Record<string, string | number | boolean | null>;
  columns: Array<string | ColumnSpec>;
  rowActions?: RowActionSpec[];
  /** Column that identifies a row; used for selection. */
  rowKey?: string;
  pageSize?: number;
  /** Text shown when the query returns no rows. */
  empty?: string;
}

export interface FormSpec {
  title?: string;
  action: string;
}

export type ComponentSpec = { table: TableSpec } | { form: FormSpec };

export interface PageSpec {
  title: string;
  description?: string;
  allow: string[];
  components: ComponentSpec[];
}

export interface DevUserSpec {
  id: string;
  name?: string;
  groups?: string[];
  /** Attributes an identity provider would send, such as `region`; row rules read them as `user.<name>`. */
  attributes?: Record<string, string | number | boolean | Array<string | number | boolean>>;
}
