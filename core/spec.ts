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

export type DatasourceSpec = SqliteDatasourceSpec | PostgresDatasourceSpec;

export interface RoleSpec {
  title?: string;
  description?: string;
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
}

export interface QuerySpec {
  title?: string;
  datasource: string;
  sql: string;
  params?: Record<string, ParamSpec>;
  required?: string[];
  allow: string[];
}

export interface ActionSpec {
  title: string;
  description?: string;
  datasource: string;
  sql: string;
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
}
