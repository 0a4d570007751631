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
  /** Background work: steps run off the request path, started by an operator, a schedule or another job. */
  jobs?: Record<string, JobSpec>;
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

/** How a batch step walks a large query: keys in order, `size` at a time, one transaction per chunk. */
export interface BatchSpec {
  /** A read-only SELECT listing the rows to walk; it may read the job's `:name` parameters. */
  query: string;
  /** Column of `query` that orders the walk and is unique. */
  key: string;
  /** Keys per chunk. */
  size?: number;
}

/**
 * One step of a job: SQL or HTTP as in an action, a batch step (`sql` with
 * `batch`, run once per chunk with `:batch.first`, `:batch.last` and
 * `:batch.rows`), or `job`, which starts another job.
 */
export interface JobStepSpec {
  id: string;
  title?: string;
  datasource?: string;
  sql?: string;
  request?: HttpRequestSpec;
  batch?: BatchSpec;
  /** Id of a job to start; it runs on its own, this job does not wait for it. */
  job?: string;
  /** Parameters of the started job, as `{{ params.<name> }}` templates or plain values. */
  params?: Record<string, string | number | boolean | null>;
  expect?: { rows: number; message?: string };
  outputs?: Record<string, string>;
}

/** When a job runs by itself. */
export interface JobScheduleSpec {
  /** Five-field cron expression (minute hour day-of-month month day-of-week) or a macro such as `@daily`. */
  cron: string;
  /** IANA time zone the expression is read in, such as `Europe/Berlin`. */
  timeZone: string;
  /** What to do with a slot missed while the server was down: run it once at start, or skip it. */
  missed?: 'run' | 'skip';
  /** Parameter values of scheduled runs. */
  params?: Record<string, string | number | boolean>;
}

export interface JobSpec {
  title: string;
  description?: string;
  params?: Record<string, ParamSpec>;
  required?: string[];
  /** Roles whose members may start the job, cancel and resume its runs and see them. */
  allow: string[];
  /** Runs of this job at once; more wait as queued. */
  concurrency?: number;
  /** Runs again after a failure, up to `attempts` runs in all, waiting `backoff` and then twice as long each time. */
  retry?: { attempts: number; backoff?: string };
  schedule?: JobScheduleSpec;
  steps: JobStepSpec[];
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

/** Choices read from query `query`: each row's `value` column, shown as its `label` column (default `value`). */
export interface QueryOptionsSpec {
  query: string;
  value: string;
  label?: string;
}

/** JSON Schema subset allowed for one query or action parameter. */
export interface ParamSpec {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array';
  /** Type and choices of each value of an `array` parameter. */
  items?: { type: 'string' | 'integer' | 'number'; enum?: Array<string | number> };
  minItems?: number;
  maxItems?: number;
  /** Form widget hint where type and format do not decide the field. */
  widget?: 'money';
  /** ISO 4217 code shown beside a money field. */
  currency?: string;
  /** Choices read from a query's `value` column, labelled by its `label` column. */
  options?: QueryOptionsSpec;
  /** Shows the field only while parameter `field` equals `equals` (or one of a list). */
  visibleWhen?: { field: string; equals: string | number | boolean | Array<string | number | boolean> };
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
  /** Unique column that ends every sort, for stable paging. */
  key?: string;
  /** Roles that may download every row of the query as CSV or JSON lines, under the same row and column rules. */
  export?: { allow: string[] };
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

export type ColumnFormat = 'text' | 'number' | 'currency' | 'percent' | 'date' | 'datetime' | 'relative' | 'badge' | 'link' | 'email' | 'boolean' | 'json';

/** The colours a badge column's `colors` may name. */
export type BadgeColor = 'green' | 'red' | 'amber' | 'blue' | 'violet' | 'teal' | 'pink' | 'grey';

export interface ColumnSpec {
  field: string;
  label?: string;
  format?: ColumnFormat;
  /** ISO 4217 code for `format: currency`. */
  currency?: string;
  /** IANA time zone for `format: datetime`. */
  timeZone?: string;
  /** Badge colour by value for `format: badge`. */
  colors?: Record<string, BadgeColor>;
}

/** Column values a row must have for a row action to show; a list allows any of its values. */
export type RowCondition = Record<string, string | number | boolean | null | Array<string | number | boolean | null>>;

/** A row action: the action id, or the action with an explicit parameter-to-column map and a row condition. */
export type RowActionSpec = string | { action: string; params?: Record<string, string>; when?: RowCondition } | OpenRowActionSpec;

/** A row action that selects the row and opens a modal or drawer of the same page. */
export interface OpenRowActionSpec {
  open: string;
  label?: string;
  when?: RowCondition;
}

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
  /** Column with unique values: identifies selected rows and ends the server's sort, for stable paging. */
  rowKey?: string;
  /** `single` (the default) or `multiple`, with checkboxes and bulk actions. */
  selection?: 'single' | 'multiple';
  /** Actions run once per ticked row with `selection: multiple`. */
  bulkActions?: string[];
  pageSize?: number;
  /** Text shown when the query returns no rows. */
  empty?: string;
}

export interface FormSpec {
  /** Id other components use to read the form's current values (`{{ <id>.values.<field> }}`). */
  id?: string;
  title?: string;
  action: string;
  /** Starting values by parameter name; strings may hold `{{ }}` bindings. */
  defaults?: Record<string, string | number | boolean | null>;
}

/** Fixed query parameter values of a chart or stat. */
export type FixedParams = Record<string, string | number | boolean | null>;

/** A chart of a query's rows; see schemas/app.schema.json `$defs.chart`. */
export interface ChartSpec {
  title?: string;
  query: string;
  params?: FixedParams;
  type: 'line' | 'bar' | 'area' | 'pie' | 'scatter';
  x: string;
  y: string | string[];
  /** Column whose distinct values become the series; `y` then names one column. */
  series?: string;
  stacked?: boolean;
  xFormat?: 'text' | 'number' | 'date';
  yFormat?: 'number' | 'currency' | 'percent';
  currency?: string;
  height?: number;
  empty?: string;
}

/** A single number from a query's first row, with an optional previous value to compare with. */
export interface StatSpec {
  label?: string;
  query: string;
  params?: FixedParams;
  value: string;
  format?: 'number' | 'currency' | 'percent';
  currency?: string;
  compare?: { column: string; query?: string; params?: FixedParams; label?: string };
  goodWhen?: 'up' | 'down';
}

/** One tab of a `tabs` component. */
export interface TabSpec {
  /** Value of the tab in the page URL; defaults to the title in lower case with dashes. */
  id?: string;
  title: string;
  components: ComponentSpec[];
}

/** Tabs, one open at a time; the open tab is kept in the page URL under the tabs' `id` (default `tab`). */
export interface TabsSpec {
  id?: string;
  tabs: TabSpec[];
}

/** A titled card around components. */
export interface SectionSpec {
  title?: string;
  description?: string;
  components: ComponentSpec[];
}

/** Columns side by side, each `span` twelfths wide; they stack on narrow screens. */
export interface GridSpec {
  columns: Array<{ span?: number; components: ComponentSpec[] }>;
}

/** A dialog (`modal`) or side panel (`drawer`) opened by a `button` or a row action `{ open: <id> }`. */
export interface OverlaySpec {
  id: string;
  title: string;
  components: ComponentSpec[];
}

/** A button that opens a modal or drawer of the same page. */
export interface ButtonSpec {
  label: string;
  open: string;
  style?: 'primary' | 'default';
}

/** The fields of one record: the first row a query returns, usually keyed by a selected row. */
export interface DetailSpec {
  title?: string;
  query: string;
  /** Query parameter values; strings may hold `{{ <tableId>.selected.<field> }}`. */
  params?: Record<string, string | number | boolean | null>;
  fields: Array<string | ColumnSpec>;
  /** Text shown when a needed selection is missing or the query returns no row. */
  empty?: string;
}

/** One input of a filter bar; see schemas/app.schema.json `$defs.filterField`. */
export interface FilterFieldSpec {
  type: 'search' | 'select' | 'daterange' | 'toggle';
  /** Name bindings read; set for every type except `daterange`. */
  field?: string;
  /** Names of the two dates of a `daterange`. */
  from?: string;
  to?: string;
  label?: string;
  /** Values of a `select`: a fixed list, or read from a query like a parameter's `options`. */
  options?: Array<string | number> | QueryOptionsSpec;
}

/** A bar of inputs that `{{ <id>.<field> }}` bindings read. */
export interface FiltersSpec {
  id: string;
  fields: FilterFieldSpec[];
}

/** Names a filter field gives bindings: `field`, or `from` and `to` of a date range. */
export function filterFieldNames(field: FilterFieldSpec): string[] {
  return field.type === 'daterange' ? [field.from, field.to].filter((name): name is string => name !== undefined) : field.field === undefined ? [] : [field.field];
}

export type ComponentSpec = { table: TableSpec } | { form: FormSpec } | { chart: ChartSpec } | { stat: StatSpec }
  | { tabs: TabsSpec } | { section: SectionSpec } | { grid: GridSpec } | { modal: OverlaySpec } | { drawer: OverlaySpec }
  | { button: ButtonSpec } | { markdown: string } | { detail: DetailSpec } | { filters: FiltersSpec } | { job: JobComponentSpec };

/** Starts a job from a page, with its parameter form, and shows the progress of its latest run. */
export interface JobComponentSpec {
  job: string;
  title?: string;
}

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
