// Runs app tests the way the server handles requests, without a server:
// authorize with the app's Casbin enforcer, check params, bind, then query or
// write through the data source with the action's expected row count.
import type { DocPath } from '../../core/load.js';
import type { AppModel } from '../../core/model.js';
import { bindValues, statementFor, toSqlValue, type StatementModel } from '../bind.js';
import { ExpectationFailed, type Datasource } from '../datasources/datasource.js';
import type { BindValue, CellValue } from '../datasources/values.js';
import type { AppEnforcer } from '../enforcer.js';
import { HttpError } from '../http/errors.js';
import { makeIdentity, type Identity } from '../identity.js';
import { checkParams } from '../params.js';
import { applyColumnRules, queryAccess, sentBlockedSearches } from '../access/query-access.js';
import { buildScopeCheck, RowOutOfScope, runScoped } from '../access/row-scope.js';
import { buildPagedSql, MAX_PAGE_SIZE } from '../http/query-request.js';
import { compareRows, type Mismatch } from './rows.js';
import type { ScratchDatabases } from './scratch-database.js';
import type { AppTest, ExpectSpec, IdentitySpec, Row, TestFile } from './test-file.js';

/** Inputs of a test run: the app, its folder, its enforcer and the run's databases. */
export interface TestContext {
  app: AppModel;
  appDir: string;
  enforcer: AppEnforcer;
  databases: ScratchDatabases;
}

/** A failed check: where the assertion sits in the test file and what differed. */
export interface TestFailure {
  line: number;
  col: number;
  message: string;
}

export interface TestResult {
  file: string;
  name: string;
  ms: number;
  failure?: TestFailure;
}

/** The outcome of one request: rows or changes on success, or the API's error code. */
type Outcome =
  | { ok: true; rows: Array<Record<string, CellValue>>; changes?: number }
  | { ok: false; code: string; message: string; fields: string[] };

/** Runs one test; a failed check or any error while running becomes a failure, never an exception. */
export async function runAppTest(test: AppTest, testFile: TestFile, context: TestContext): Promise<TestResult> {
  const started = performance.now();
  const path: DocPath = ['tests', test.index];
  let failure: { path: DocPath; message: string } | undefined;
  try {
    if (test.kind === 'access') failure = checkAccess(test, path, context);
    else failure = await runWithDatabase(test, path, context);
  } catch (error) {
    failure = { path: [...path, 'name'], message: `the test could not run: ${(error as Error).message}` };
  }
  const ms = performance.now() - started;
  const result: TestResult = { file: testFile.file, name: test.spec.name, ms };
  if (failure !== undefined) {
    const position = testFile.positions.locate(failure.path);
    result.failure = { line: position.line, col: position.col, message: failure.message };
  }
  return result;
}

type Failure = { path: DocPath; message: string } | undefined;

function identityOf(spec: IdentitySpec): Identity {
  return makeIdentity(spec.user, spec.name, spec.groups ?? [], spec.attributes ?? {});
}

function checkAccess(test: AppTest, path: DocPath, context: TestContext): Failure {
  const identity = identityOf(test.spec.as);
  const who = describeIdentity(identity);
  for (const [list, expected] of [['allowed', true], ['denied', false]] as const) {
    const objects = test.spec[list] ?? [];
    for (let i = 0; i < objects.length; i++) {
      const object = objects[i] as `page:${string}`;
      const act = object.startsWith('page:') ? 'view' : 'run';
      const allowed = context.enforcer.allows(identity, object, act);
      if (allowed !== expected) {
        return { path: [...path, list, i], message: `expected ${who} to be ${expected ? 'allowed' : 'denied'} to ${act} ${object}, but the policy ${allowed ? 'allows' : 'denies'} it` };
      }
    }
  }
  for (const list of ['hidden', 'masked'] as const) {
    for (const [queryId, columns] of Object.entries(test.spec[list] ?? {})) {
      const roles = context.enforcer.grantingRoles(identity, `query:${queryId}`, 'run');
      if (roles.length === 0) return { path: [...path, list, queryId], message: `expected ${who} to see query ${queryId} with columns ${list}, but the policy denies the query` };
      const access = queryAccess(context.app.queries[queryId], roles);
      const actual = [...access[list]].sort();
      const wanted = [...columns].sort();
      if (actual.join('\n') !== wanted.join('\n')) {
        return { path: [...path, list, queryId], message: `expected the ${list} columns of query ${queryId} for ${who} to be [${wanted.join(', ')}], but they are [${actual.join(', ')}]` };
      }
    }
  }
  return undefined;
}

async function runWithDatabase(test: AppTest, path: DocPath, context: TestContext): Promise<Failure> {
  const { spec } = test;
  const tested = test.kind === 'query' ? context.app.queries[spec.query as string] : context.app.actions[spec.action as string];
  // NOTE: actions with `steps:` may call HTTP APIs, which app tests cannot fake yet; they are tested through the HTTP API instead.
  if (tested.datasource === undefined) return { path: [...path, 'action'], message: `action \`${String(spec.action)}\` has \`steps:\`, and opsdeck test runs only single-statement actions` };
  const sources = await context.databases.open(context.app, context.appDir, spec.seed !== false);
  try {
    const source = sources.get(tested.datasource)!;
    const givenFailure = await insertGiven(spec.given ?? {}, source, [...path, 'given']);
    if (givenFailure !== undefined) return givenFailure;

    const identity = identityOf(spec.as);
    const expect = spec.expect as ExpectSpec;
    const expectPath = [...path, 'expect'];
    if (test.kind === 'query') {
      const outcome = await runQuery(spec.query as string, spec.params, identity, context, sources);
      return checkOutcome(outcome, expect, expectPath, 'the query');
    }

    const outcome = await runAction(spec.action as string, spec.params, identity, context, source);
    const failure = checkOutcome(outcome, expect, expectPath, 'the action');
    if (failure !== undefined || spec.then === undefined) return failure;

    const then = spec.then;
    const thenIdentity = then.as === undefined ? identity : identityOf(then.as);
    const after = await runQuery(then.query, then.params, thenIdentity, context, sources);
    return checkOutcome(after, then, [...path, 'then'], 'the query in `then:`');
  } finally {
    for (const source of sources.values()) await source.close();
  }
}

/** Inserts fixture rows, one statement per table and set of columns; returns a failure naming the table when the database rejects them. */
async function insertGiven(given: Record<string, Row[]>, source: Datasource, path: DocPath): Promise<Failure> {
  for (const [table, rows] of Object.entries(given)) {
    const byColumns = new Map<string, Row[]>();
    for (const row of rows) {
      const key = JSON.stringify(Object.keys(row));
      byColumns.set(key, [...(byColumns.get(key) ?? []), row]);
    }
    for (const [key, group] of byColumns) {
      const columns = JSON.parse(key) as string[];
      const values: BindValue[] = group.flatMap((row) => columns.map((column) => toSqlValue(row[column])));
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      const sql = columns.length === 0
        ? `INSERT INTO ${quoteName(table)} DEFAULT VALUES`
        : `INSERT INTO ${quoteName(table)} (${columns.map(quoteName).join(', ')}) VALUES ${group.map(() => tuple).join(', ')}`;
      try {
        if (columns.length === 0) for (let i = 0; i < group.length; i++) await source.write(sql, []);
        else await source.write(sql, values);
      } catch (error) {
        return { path: [...path, table], message: `cannot insert the given rows into ${table}: ${(error as Error).message}` };
      }
    }
  }
  return undefined;
}

async function runQuery(id: string, params: unknown, identity: Identity, context: TestContext, sources: Map<string, Datasource>): Promise<Outcome> {
  const query = context.app.queries[id];
  if (!context.enforcer.allows(identity, `query:${id}`, 'run')) return forbiddenOutcome();
  const checked = checkRequestParams(query.paramsSchema, params);
  if (!('params' in checked)) return checked;
  // Tests never call HTTP APIs, so a query that reads one cannot run here.
  if (query.kind === 'http') return { ok: false, code: 'query_failed', message: `query \`${id}\` reads data source \`${query.datasource}\`, an HTTP API, which \`opsdeck test\` does not call`, fields: [] };
  const access = queryAccess(query, context.enforcer.grantingRoles(identity, `query:${id}`, 'run'));
  const blocked = sentBlockedSearches(query, access, checked.params);
  if (blocked.length > 0) return { ok: false, code: 'invalid_params', message: `parameter ${blocked[0][0]} searches a column hidden or masked for the user`, fields: blocked.map(([name]) => `params.${name}`) };
  const source = sources.get(query.datasource)!;
  const sql = statementFor(source, query);
  try {
    const values = bindValues(sql, checked.params, identity, source.dialect, query.paramsSchema);
    if (access.rows === undefined && access.hidden.size === 0 && access.masked.size === 0) return { ok: true, rows: (await source.query(sql.text, values)).rows };
    // The server's wrapper applies the row and column rules; one page of the largest size holds a test's rows.
    const columns = await source.columnsOf(sql.text, sql.bindings.length);
    const paged = buildPagedSql(source, sql.text, values, columns, { page: { size: MAX_PAGE_SIZE, offset: 0 } }, { access, identity });
    return { ok: true, rows: applyColumnRules((await source.query(paged.select, paged.selectValues)).rows, access) };
  } catch (error) {
    return { ok: false, code: 'query_failed', message: (error as Error).message, fields: [] };
  }
}

async function runAction(id: string, params: unknown, identity: Identity, context: TestContext, source: Datasource): Promise<Outcome> {
  const action = context.app.actions[id];
  if (!context.enforcer.allows(identity, `action:${id}`, 'run')) return forbiddenOutcome();
  const checked = checkRequestParams(action.paramsSchema, params);
  if (!('params' in checked)) return checked;
  try {
    const sql = statementFor(source, action as StatementModel);
    const values = bindValues(sql, checked.params, identity, source.dialect, action.paramsSchema);
    const expectRows = action.spec.expect?.rows;
    const result =
      action.scope === undefined
        ? await source.write(sql.text, values, expectRows)
        : await source.transaction('commit', (tx) => runScoped(tx, buildScopeCheck(context.app, context.enforcer, action, source, identity, checked.params), sql.text, values, expectRows));
    return { ok: true, rows: [], changes: result.changes };
  } catch (error) {
    if (error instanceof RowOutOfScope) return { ok: false, code: error.moved ? 'row_rule' : 'not_found', message: error.message, fields: [] };
    if (error instanceof ExpectationFailed) return { ok: false, code: 'expectation_failed', message: error.message, fields: [] };
    return { ok: false, code: 'action_failed', message: (error as Error).message, fields: [] };
  }
}

function checkRequestParams(schema: Parameters<typeof checkParams>[0], params: unknown): { params: Record<string, unknown> } | Outcome {
  try {
    return { params: checkParams(schema, params) };
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { ok: false, code: error.code, message: error.message, fields: (error.details ?? []).map((detail) => detail.field) };
  }
}

function forbiddenOutcome(): Outcome {
  return { ok: false, code: 'forbidden', message: 'the policy denies it', fields: [] };
}

/** Compares an outcome with `expect:` (or `then:`); `what` names the request in messages. */
function checkOutcome(outcome: Outcome, expect: ExpectSpec, path: DocPath, what: string): Failure {
  if (expect.error !== undefined) {
    if (outcome.ok) {
      const got = outcome.changes === undefined ? `${outcome.rows.length} row(s)` : `${outcome.changes} changed row(s)`;
      return { path: [...path, 'error'], message: `expected error ${expect.error}, but ${what} succeeded with ${got}` };
    }
    if (outcome.code !== expect.error) return { path: [...path, 'error'], message: `expected error ${expect.error}, got ${outcome.code}: ${outcome.message}` };
    if (expect.field !== undefined && !outcome.fields.includes(expect.field)) {
      return { path: [...path, 'field'], message: `expected the error to name ${expect.field}, but it names ${outcome.fields.join(', ') || 'no field'}: ${outcome.message}` };
    }
    return undefined;
  }
  if (!outcome.ok) return { path, message: `${what} failed with ${outcome.code}: ${outcome.message}` };
  if (expect.changes !== undefined && outcome.changes !== expect.changes) {
    return { path: [...path, 'changes'], message: `expected ${expect.changes} changed row(s), got ${outcome.changes}` };
  }
  const mismatch: Mismatch | undefined = compareRows(expect, outcome.rows);
  return mismatch === undefined ? undefined : { path: [...path, ...mismatch.path], message: mismatch.message };
}

function describeIdentity(identity: Identity): string {
  return identity.groups.length === 0 ? identity.id : `${identity.id} (groups ${identity.groups.join(', ')})`;
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
