// Types of the JSON the server sends to the browser, as docs/http-api.md defines them.

/** The signed-in user. */
export interface User {
  id: string;
  name?: string;
  /** The user's email address, when the id is one. */
  email?: string;
  groups: string[];
}

/** Sign-in mode of the server: a development sign-in page, identity headers from a trusted proxy, or single sign-on at an OpenID Connect provider. */
export type AuthMode = 'dev' | 'proxy' | 'oidc';

/** Response of `GET /api/session`. */
export interface Session {
  user: User;
  mode: AuthMode;
}

/** One entry of `GET /api/apps`. */
export interface AppSummary {
  id: string;
  title: string;
  description?: string;
  /** `error`: a changed spec was rejected and the last good version is served. `unavailable`: the app's database cannot be reached. */
  status: 'ok' | 'error' | 'unavailable';
  /** Reason the app is unavailable, without secrets such as connection URLs. */
  reason?: string;
}

/** JSON Schema subset of one query or action parameter. */
export interface ParamSchema {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array';
  items?: { type: 'string' | 'integer' | 'number'; enum?: Array<string | number> };
  minItems?: number;
  maxItems?: number;
  widget?: 'money';
  currency?: string;
  /** Choices read from this query through the normal query endpoint. */
  options?: { query: string; value: string; label?: string };
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
  secret?: boolean;
  multiline?: boolean;
}

export type ColumnFormat = 'text' | 'number' | 'currency' | 'percent' | 'date' | 'datetime' | 'relative' | 'badge' | 'link' | 'email' | 'boolean' | 'json';

/** A table column as the client view lists it. */
export interface ClientColumn {
  field: string;
  label?: string;
  format?: ColumnFormat;
  /** ISO 4217 code for `format: currency`. */
  currency?: string;
  /** IANA time zone for `format: datetime`, such as "Europe/Berlin"; the browser's when absent. */
  timeZone?: string;
  /** Badge colour by value for `format: badge`. */
  colors?: Record<string, 'green' | 'red' | 'amber' | 'blue' | 'violet' | 'teal' | 'pink' | 'grey'>;
  /** The server sends this column masked for the user's roles; it cannot be sorted. */
  masked?: boolean;
}

/** Scalar value a row condition compares a cell with. */
export type RowConditionValue = string | number | boolean | null;

/** Column values a row must have for a row action to show on it; a list allows any of its values. */
export type RowCondition = Record<string, RowConditionValue | RowConditionValue[]>;

/** A row action: the action id, the map from action parameter to column, and the rows it shows on. */
export interface ClientRowAction {
  action: string;
  params?: Record<string, string>;
  /** Shows the action only on rows that meet this condition; every row when absent. */
  when?: RowCondition;
}

export interface ClientTable {
  type: 'table';
  id?: string;
  title?: string;
  query: string;
  search?: string;
  params?: Record<string, string | number | boolean | null>;
  /** Column names or column objects; the server normally sends objects. */
  columns: Array<string | ClientColumn>;
  rowKey?: string;
  pageSize?: number;
  empty?: string;
  rowActions?: Array<string | ClientRowAction>;
  /** `single` (the default): one selected row; `multiple`: checkboxes, select-all and bulk actions. */
  selection?: 'single' | 'multiple';
  /** Actions run once per selected row in `multiple` selection, only those the user may run. */
  bulkActions?: string[];
  /** True when the user may download every row as CSV or JSON lines (GET …/queries/:query/export). */
  export?: boolean;
}

export interface ClientForm {
  type: 'form';
  /** Id that bindings read the form's values by. */
  id?: string;
  title?: string;
  action: string;
  /** Starting values by parameter name, possibly `{{ table.selected.field }}` placeholders. */
  defaults?: Record<string, string | number | boolean | null>;
}

/** Fixed query parameter values of a chart or stat. */
export type FixedParams = Record<string, string | number | boolean | null>;

/** Number format of chart values and stats. */
export type ValueFormat = 'number' | 'currency' | 'percent';

export interface ClientChart {
  type: 'chart';
  title?: string;
  query: string;
  params: FixedParams;
  chartType: 'line' | 'bar' | 'area' | 'pie' | 'scatter';
  x: string;
  /** Value columns the user may read; empty when the chart is unavailable. */
  y: string[];
  /** Column whose distinct values become the series. */
  series?: string;
  stacked: boolean;
  xFormat: 'text' | 'number' | 'date';
  yFormat: ValueFormat;
  currency?: string;
  height: number;
  empty?: string;
  /** Number of `y` columns left out because the user's role may not read them. */
  hiddenSeries: number;
  /** The x or series column, or every value column, is hidden from the user. */
  unavailable?: boolean;
}

export interface ClientStat {
  type: 'stat';
  label?: string;
  query: string;
  params: FixedParams;
  value: string;
  format: ValueFormat;
  currency?: string;
  goodWhen: 'up' | 'down';
  /** Previous value: `column` of the first row of `query` (default: the stat's own row). */
  compare?: { column: string; query?: string; params: FixedParams; label?: string };
  /** The value column is hidden or masked for the user. */
  unavailable?: boolean;
}

/** Tabs; `id` names the open tab in the page URL (default `tab`). */
export interface ClientTabs {
  type: 'tabs';
  id?: string;
  tabs: Array<{ id: string; title: string; components: ClientComponent[] }>;
}

export interface ClientSection {
  type: 'section';
  title?: string;
  description?: string;
  components: ClientComponent[];
}

/** Columns side by side; `span` is in twelfths of the width. */
export interface ClientGrid {
  type: 'grid';
  columns: Array<{ span?: number; components: ClientComponent[] }>;
}

/** A modal dialog or a drawer at the side, opened by a button or an `open` row action. */
export interface ClientOverlay {
  type: 'modal' | 'drawer';
  id: string;
  title: string;
  components: ClientComponent[];
}

export interface ClientButton {
  type: 'button';
  label: string;
  /** Id of the modal or drawer it opens. */
  open: string;
  style: 'primary' | 'default';
}

/** Help text in Markdown, rendered as a safe subset: never as HTML. */
export interface ClientMarkdown {
  type: 'markdown';
  text: string;
}

/** The fields of the first row a query returns. */
export interface ClientDetail {
  type: 'detail';
  title?: string;
  query: string;
  params?: Record<string, string | number | boolean | null>;
  fields: ClientColumn[];
  empty?: string;
}

/** A row action that selects its row and opens a modal or drawer of the page. */
export interface ClientOpenRowAction {
  open: string;
  label?: string;
  when?: RowCondition;
}

export type ClientLayout = ClientTabs | ClientSection | ClientGrid | ClientOverlay | ClientButton | ClientMarkdown | ClientDetail;

/** One input of a filter bar; see `FilterFieldSpec` in core/spec.ts. */
export interface ClientFilterField {
  type: 'search' | 'select' | 'daterange' | 'toggle';
  field?: string;
  from?: string;
  to?: string;
  label?: string;
  /** A fixed list, or the query (run as the user) whose `value` column lists the choices. */
  options?: Array<string | number> | { query: string; value: string; label?: string };
}

/** A bar of inputs whose values `{{ <id>.<field> }}` bindings read; kept in the URL under `<id>.<field>`. */
export interface ClientFilters {
  type: 'filters';
  id: string;
  fields: ClientFilterField[];
}

/** Starts a job and shows its latest run. */
export interface ClientJobComponent {
  type: 'job';
  job: string;
  title?: string;
}

export type ClientComponent = ClientTable | ClientForm | ClientChart | ClientStat | ClientLayout | ClientFilters | ClientJobComponent;

export interface ClientPage {
  id: string;
  title: string;
  description?: string;
  components: ClientComponent[];
}

export interface ClientQuery {
  title?: string;
  params?: Record<string, ParamSchema>;
  required?: string[];
}

export interface ClientAction {
  title: string;
  description?: string;
  style?: 'primary' | 'danger' | 'default';
  params?: Record<string, ParamSchema>;
  required?: string[];
  confirm?: string;
  success?: string;
  /** The action offers `POST /api/apps/:app/actions/:action/preview`, which reports its changes without keeping them. */
  preview?: boolean;
  /** The action runs only after a member of one of these roles approves; running it sends a request for approval. */
  approval?: { by: string[] };
}

/** Response of `GET /api/apps/:app/spec`: the spec filtered to what the user may see. */
export interface ClientSpec {
  id: string;
  title: string;
  description?: string;
  version: string;
  /** Version of the spec files: a 12-character git commit, optionally with `-dirty`, or a content hash. */
  specVersion?: string;
  user: User;
  pages: ClientPage[];
  queries: Record<string, ClientQuery>;
  actions: Record<string, ClientAction>;
  /** The user may approve an action or send requests for approval, so the app shows its Approvals page. */
  approvals?: boolean;
  /** Jobs the user may start, cancel and resume; absent or empty: the app shows no Jobs page. */
  jobs?: Record<string, ClientJob>;
  /** The user may export a table of the app, so background exports show on the Jobs page. */
  exports?: boolean;
}

/** A background job as the client view describes it. */
export interface ClientJob {
  title: string;
  description?: string;
  params: Record<string, ParamSchema>;
  required: string[];
  /** The job's timetable; `next` is the ISO time of its next scheduled run. */
  schedule?: { cron: string; timeZone?: string; next?: string };
}

/** One entry of `jobs` in `GET /api/apps/:app/jobs`. */
export interface JobInfo extends ClientJob {
  id: string;
}

export type JobRunStatus = 'queued' | 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export type JobTrigger = 'operator' | 'schedule' | 'job' | 'retry' | 'resume';

/** Progress of a run: steps done, rows processed, and, when the total is known, a fraction and an estimate. */
export interface JobProgress {
  stepsDone: number;
  stepsTotal: number;
  rows: number;
  rowsTotal?: number;
  /** 0 to 1; absent when no total is known. */
  fraction?: number;
  etaSeconds?: number;
}

/** One run of a job or of a background export, as the jobs API sends it. */
export interface JobRun {
  id: string;
  app: string;
  job: string;
  title: string;
  kind: 'job' | 'export';
  status: JobRunStatus;
  trigger: JobTrigger;
  /** `{ id: 'schedule', name: 'Schedule' }` for scheduled runs. */
  startedBy: { id: string; name: string };
  /** Parameter values, secret ones masked as "***". */
  params: Record<string, unknown>;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  attempt: number;
  maxAttempts: number;
  retryAt?: string;
  steps: Array<{ id: string; status: 'pending' | 'running' | 'done' | 'failed' | 'skipped'; rows?: number; rowsTotal?: number; changes?: number }>;
  progress: JobProgress;
  error?: { step?: string; message: string };
  /** The file of an export run, once it succeeded. */
  result?: { filename: string; bytes: number; rows: number; url: string };
  canCancel: boolean;
  canResume: boolean;
}

/** One row of a query result, keyed by column name. */
export type Row = Record<string, unknown>;

/** Response of `POST /api/apps/:app/queries/:query`. */
export interface QueryResult {
  columns: string[];
  rows: Row[];
  total: number;
  /** `next` is the cursor of the following page when the request named a `key` and this page is full. */
  page: { size: number; offset: number; next?: string };
}

/** Response of `POST /api/apps/:app/actions/:action`. */
export interface ActionResult {
  ok: true;
  changes: number;
  lastInsertId?: number;
}

/** Response of `POST /api/apps/:app/actions/:action` (202) for an action that needs approval. */
export interface ApprovalRequested {
  approval: { id: string; status: 'pending'; expiresAt: string };
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'executed' | 'failed';

/** One request of `GET /api/apps/:app/approvals`. */
export interface ApprovalItem {
  id: string;
  action: string;
  actionTitle: string;
  status: ApprovalStatus;
  /** Parameter values, secret ones masked. */
  params: Record<string, unknown>;
  requester: { id: string; name: string };
  createdAt: string;
  expiresAt: string;
  /** Roles whose members may approve. */
  approvers: string[];
  /** The signed-in user sent this request. */
  mine: boolean;
  /** The signed-in user may approve or reject it now. */
  mayDecide: boolean;
  preview?: PreviewResult;
  decision?: { status: 'approved' | 'rejected'; by: { id: string; name: string }; at: string; comment?: string };
  result?: { at: string; changes?: number; error?: string };
}

/** One changed row in a preview: `before` is null for an inserted row and `after` is null for a deleted one. */
export interface PreviewSample {
  key: unknown;
  before: Row | null;
  after: Row | null;
}

/** Response of `POST /api/apps/:app/actions/:action/preview`. */
export interface PreviewResult {
  /** Rows the previewed statements would change, summed over the steps. */
  changes: number;
  /** Up to 10 changed rows of the action's preview table; empty when the spec names no table. */
  sample: PreviewSample[];
  /** Rows each previewed step would change; only for actions with steps. */
  steps?: Array<{ id: string; changes: number }>;
  /** Steps that the preview did not run, such as HTTP steps. */
  notPreviewed?: string[];
  /** Reason some steps were not previewed. */
  note?: string;
}

/** One spec problem sent by the `invalid` event. */
export interface ClientDiagnostic {
  code: string;
  file: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
}
