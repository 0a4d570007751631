// Test files (`*.test.yaml`): finding them beside an app, loading them with the
// spec loader, and checking them against schemas/app-test.schema.json and the app.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Diagnostic } from '../../core/diagnostics.js';
import { diagnosticAt, loadYaml, type DiagnosticInput, type DocPath, type SourcePositions } from '../../core/load.js';
import type { AppModel } from '../../core/model.js';
import { suggestionHint } from '../../core/suggest.js';
import { schemaDiagnostics } from '../../core/validate.js';
import testSchema from '../../schemas/app-test.schema.json' with { type: 'json' };

// ajv and ajv-formats are CommonJS; under NodeNext the class sits on `.default` in types but not always at run time.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as unknown as typeof Ajv2020Module.default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as typeof addFormatsModule.default;

const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validateTestSchema = ajv.compile(testSchema);

/** Name ending of test files. */
export const TEST_FILE_SUFFIX = '.test.yaml';

/** The user a test acts as. */
export interface IdentitySpec {
  user: string;
  name?: string;
  groups?: string[];
  attributes?: Record<string, unknown>;
}

export type Row = Record<string, string | number | boolean | null>;

/** Expected rows of a query result; exactly one of rows, contains and total is set. */
export interface RowsExpectation {
  rows?: Row[];
  contains?: Row[];
  total?: number;
  unordered?: boolean;
}

export interface ExpectSpec extends RowsExpectation {
  changes?: number;
  error?: 'invalid_params' | 'forbidden' | 'not_found' | 'row_rule' | 'expectation_failed' | 'action_failed' | 'query_failed';
  field?: string;
}

export interface ThenSpec extends RowsExpectation {
  query: string;
  params?: Record<string, unknown>;
  as?: IdentitySpec;
}

/** One test as written, after schema validation. */
export interface TestSpec {
  name: string;
  as: IdentitySpec;
  allowed?: string[];
  denied?: string[];
  /** Query id to columns hidden from the user. */
  hidden?: Record<string, string[]>;
  /** Query id to columns the user receives masked. */
  masked?: Record<string, string[]>;
  seed?: boolean;
  given?: Record<string, Row[]>;
  query?: string;
  action?: string;
  params?: Record<string, unknown>;
  expect?: ExpectSpec;
  then?: ThenSpec;
}

export type TestKind = 'access' | 'query' | 'action';

/** One test with its kind and index in the file's `tests:` list. */
export interface AppTest {
  kind: TestKind;
  index: number;
  spec: TestSpec;
}

/** A test file that loaded and passed every check. */
export interface TestFile {
  file: string;
  text: string;
  positions: SourcePositions;
  tests: AppTest[];
}

export interface TestFileResult {
  testFile?: TestFile;
  diagnostics: Diagnostic[];
  /** The file's text, when it could be read; for printing the lines diagnostics point at. */
  text?: string;
}

/** Lists the test files of an app folder: `*.test.yaml` in the folder and in its `tests/` folder, in name order. */
export function findTestFiles(appDir: string): string[] {
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith(TEST_FILE_SUFFIX))
        .map((entry) => join(dir, entry.name))
        .sort();
    } catch {
      return []; // A missing or unreadable `tests/` folder contains no tests.
    }
  };
  return [...list(appDir), ...list(join(appDir, 'tests'))];
}

/** Reads, loads and checks one test file against the schema and the app it tests; bad input gives diagnostics, not exceptions. */
export function readTestFile(file: string, app: AppModel): TestFileResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return { diagnostics: [{ code: 'file-unreadable', severity: 'error', file, line: 1, col: 1, path: [], message: `cannot read the test file (${reason})`, hint: 'Check that the file exists and may be read.' }] };
  }
  return checkTestText(file, text, app);
}

/** Loads and checks test file text; `file` is the name shown in diagnostics. */
export function checkTestText(file: string, text: string, app: AppModel): TestFileResult {
  const { loaded, diagnostics: loadProblems } = loadYaml(file, text);
  if (loaded === undefined) return { diagnostics: loadProblems, text };
  const schemaProblems = schemaDiagnostics(validateTestSchema, loaded);
  if (schemaProblems.length > 0) return { diagnostics: schemaProblems, text };

  const specs = (loaded.data as { tests: TestSpec[] }).tests;
  const diagnostics: Diagnostic[] = [];
  const report = (input: DiagnosticInput): void => {
    diagnostics.push(diagnosticAt(file, loaded.positions, input));
  };
  const tests: AppTest[] = [];
  specs.forEach((spec, index) => {
    const kind = checkTest(spec, ['tests', index], app, report);
    if (kind !== undefined) tests.push({ kind, index, spec });
  });
  if (diagnostics.length > 0) return { diagnostics, text };
  return { testFile: { file, text, positions: loaded.positions, tests }, diagnostics: [], text };
}

type Report = (input: DiagnosticInput) => void;

/** Checks what the schema cannot: one kind per test, keys that fit that kind, and names the app defines. */
function checkTest(spec: TestSpec, path: DocPath, app: AppModel, report: Report): TestKind | undefined {
  const kinds: TestKind[] = [];
  if (spec.allowed !== undefined || spec.denied !== undefined || spec.hidden !== undefined || spec.masked !== undefined) kinds.push('access');
  if (spec.query !== undefined) kinds.push('query');
  if (spec.action !== undefined) kinds.push('action');
  if (kinds.length === 0) {
    report({ code: 'test-kind-missing', path: [...path, 'name'], part: 'key', message: `test "${spec.name}" checks nothing`, hint: 'Add `allowed:`/`denied:` (access), `query:` or `action:`.' });
    return undefined;
  }
  if (kinds.length > 1) {
    report({ code: 'test-kind-ambiguous', path: [...path, 'name'], part: 'key', message: `test "${spec.name}" mixes the keys of ${kinds.join(' and ')} tests`, hint: 'Split it into one test per kind; an action test checks a query afterwards with `then:`.' });
    return undefined;
  }
  const kind = kinds[0];
  const misplaced = (key: keyof TestSpec, hint: string): void => {
    if (spec[key] !== undefined) report({ code: 'test-misplaced-key', path: [...path, key], part: 'key', message: `\`${key}:\` has no meaning in ${kind === 'access' ? 'an' : 'a'} ${kind} test`, hint });
  };

  if (kind === 'access') {
    for (const key of ['seed', 'given', 'params', 'expect', 'then'] as const) misplaced(key, 'Remove it; an access test only lists `allowed:` and `denied:` objects.');
    const objects = [...Object.keys(app.pages).map((id) => `page:${id}`), ...Object.keys(app.queries).map((id) => `query:${id}`), ...Object.keys(app.actions).map((id) => `action:${id}`)];
    for (const list of ['hidden', 'masked'] as const) {
      for (const query of Object.keys(spec[list] ?? {})) checkQueryName(query, [...path, list, query], app, report);
    }
    for (const list of ['allowed', 'denied'] as const) {
      (spec[list] ?? []).forEach((object, i) => {
        if (!objects.includes(object)) {
          report({ code: 'test-unknown-object', path: [...path, list, i], message: `app \`${app.id}\` has no ${object.replace(':', ' `')}\``, hint: suggestionHint(object, new Set(objects), 'Known objects') });
        }
      });
    }
    return kind;
  }

  checkQueryName(spec.query, [...path, 'query'], app, report);
  if (kind === 'action' && !Object.hasOwn(app.actions, spec.action as string)) {
    report({ code: 'test-unknown-action', path: [...path, 'action'], message: `app \`${app.id}\` has no action \`${spec.action}\``, hint: suggestionHint(spec.action as string, Object.keys(app.actions), 'Actions') });
  }
  if (spec.expect === undefined) {
    report({ code: 'test-missing-expect', path: [...path, 'name'], part: 'key', message: `test "${spec.name}" has no \`expect:\``, hint: kind === 'query' ? 'Add `expect:` with `rows:`, `contains:`, `total:` or `error:`.' : 'Add `expect:` with `changes:` or `error:`.' });
    return kind;
  }
  const expectPath = [...path, 'expect'];
  const expect = spec.expect;
  if (expect.field !== undefined && expect.error !== 'invalid_params') {
    report({ code: 'test-misplaced-key', path: [...expectPath, 'field'], part: 'key', message: '`field:` needs `error: invalid_params`', hint: 'Remove `field:`, or expect `error: invalid_params`.' });
  }

  if (kind === 'query') {
    misplaced('then', 'Remove it; `then:` follows an action. Write a second query test instead.');
    if (expect.changes !== undefined) report({ code: 'test-misplaced-key', path: [...expectPath, 'changes'], part: 'key', message: '`changes:` has no meaning for a query, which changes nothing', hint: 'Use `rows:`, `contains:` or `total:`.' });
    const outcomes = (['rows', 'contains', 'total', 'error'] as const).filter((key) => expect[key] !== undefined);
    if (outcomes.length !== 1) {
      report({ code: 'test-expect-outcome', path: expectPath, part: 'key', message: `\`expect:\` of a query test needs exactly one of \`rows:\`, \`contains:\`, \`total:\` and \`error:\`${outcomes.length > 1 ? `, not ${outcomes.map((k) => `\`${k}:\``).join(' and ')}` : ''}`, hint: 'Split the checks into separate tests.' });
    }
    checkUnordered(expect, expectPath, report);
    return kind;
  }

  for (const key of ['rows', 'contains', 'total', 'unordered'] as const) {
    if (expect[key] !== undefined) report({ code: 'test-misplaced-key', path: [...expectPath, key], part: 'key', message: `\`${key}:\` has no meaning for an action, which returns no rows`, hint: 'Check the data afterwards with `then: { query: ..., rows: ... }`.' });
  }
  if ((expect.changes === undefined) === (expect.error === undefined)) {
    report({ code: 'test-expect-outcome', path: expectPath, part: 'key', message: '`expect:` of an action test needs exactly one of `changes:` and `error:`', hint: 'Expect `changes: N` for success, or `error: ...` for a failure.' });
  }
  if (spec.then !== undefined) {
    const thenPath = [...path, 'then'];
    if (expect.error !== undefined) report({ code: 'test-misplaced-key', path: thenPath, part: 'key', message: '`then:` after an action that is expected to fail checks nothing the action did', hint: 'Remove `then:`, or write a separate query test.' });
    checkQueryName(spec.then.query, [...thenPath, 'query'], app, report);
    const outcomes = (['rows', 'contains', 'total'] as const).filter((key) => spec.then?.[key] !== undefined);
    if (outcomes.length !== 1) report({ code: 'test-expect-outcome', path: thenPath, part: 'key', message: '`then:` needs exactly one of `rows:`, `contains:` and `total:`', hint: 'Split the checks into separate tests.' });
    checkUnordered(spec.then, thenPath, report);
  }
  return kind;
}

function checkQueryName(query: string | undefined, path: DocPath, app: AppModel, report: Report): void {
  if (query === undefined || Object.hasOwn(app.queries, query)) return;
  report({ code: 'test-unknown-query', path, message: `app \`${app.id}\` has no query \`${query}\``, hint: suggestionHint(query, Object.keys(app.queries), 'Queries') });
}

function checkUnordered(expectation: RowsExpectation, path: DocPath, report: Report): void {
  if (expectation.unordered !== undefined && expectation.rows === undefined) {
    report({ code: 'test-misplaced-key', path: [...path, 'unordered'], part: 'key', message: '`unordered:` applies to `rows:` only', hint: '`contains:` and `total:` ignore order already; remove `unordered:`.' });
  }
}
