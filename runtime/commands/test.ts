// `opsdeck test <dir>`: run the app tests (`*.test.yaml`) of every app under a folder.
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Diagnostic } from '../../core/diagnostics.js';
import { formatDiagnostic } from '../../core/format.js';
import { discoverApps, isDirectory, readApp } from '../app-files.js';
import { formatResult, formatSummary, junitReport, type InvalidTestFile } from '../app-tests/report.js';
import { runAppTest, type TestResult } from '../app-tests/run.js';
import { ScratchDatabases } from '../app-tests/scratch-database.js';
import { findTestFiles, readTestFile, TEST_FILE_SUFFIX } from '../app-tests/test-file.js';
import { AppEnforcer } from '../enforcer.js';
import { createLogger } from '../log.js';
import { EXIT, type CommandOutput } from './validate.js';

const USAGE = 'Usage: opsdeck test <dir> [--reporter text|junit] [--output <file>]';

/** Output writers plus the folder relative paths start from; tests set it explicitly. */
export interface TestIo extends CommandOutput {
  /** Folder that relative paths start from; defaults to process.cwd(). */
  cwd?: string;
}

/**
 * Runs `opsdeck test`. Resolves to 0 when every test passes, 1 when a test
 * fails or a spec or test file has errors, and 2 when it cannot run.
 */
export async function runTest(argv: string[], io: TestIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { reporter: { type: 'string', default: 'text' }, output: { type: 'string' } },
    });
  } catch (error) {
    io.stderr(`opsdeck test: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  const { values, positionals } = parsed;
  if (values.reporter !== 'text' && values.reporter !== 'junit') {
    io.stderr(`opsdeck test: --reporter must be text or junit, not "${values.reporter}"\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  if (values.output !== undefined && values.reporter !== 'junit') {
    io.stderr(`opsdeck test: --output writes the JUnit report; add --reporter junit\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  if (positionals.length !== 1) {
    io.stderr(`opsdeck test: expected one folder, got ${positionals.length}\n${USAGE}\n`);
    return EXIT.cannotRun;
  }

  const cwd = io.cwd ?? process.cwd();
  const root = resolve(cwd, positionals[0]);
  if (!isDirectory(root)) {
    io.stderr(`opsdeck test: folder ${positionals[0]} does not exist or is not a folder\n`);
    return EXIT.cannotRun;
  }
  const appDirs = discoverApps(root);
  if (appDirs.length === 0) {
    io.stderr(`opsdeck test: no app found under ${positionals[0]}: no folder there holds an app.yaml\n`);
    return EXIT.cannotRun;
  }

  // JUnit XML alone on stdout stays parseable; with --output the text report goes to stdout as usual.
  const xmlOnStdout = values.reporter === 'junit' && values.output === undefined;
  const print = (text: string): void => {
    if (xmlOnStdout) io.stderr(text);
    else io.stdout(text);
  };
  const shown = (file: string): string => relative(cwd, file) || file;
  const showDiagnostic = (d: Diagnostic, source?: string): string => formatDiagnostic({ ...d, file: shown(d.file) }, source);

  const results: TestResult[] = [];
  const invalid: InvalidTestFile[] = [];
  let testFiles = 0;
  const log = createLogger('silent');
  const databases = new ScratchDatabases(log);
  try {
    for (const appDir of appDirs) {
      const files = findTestFiles(appDir);
      if (files.length === 0) continue;
      testFiles += files.length;

      const app = readApp(appDir);
      if (app.model === undefined || app.diagnostics.some((d) => d.severity === 'error')) {
        for (const d of app.diagnostics) print(`${showDiagnostic(d, app.text)}\n`);
        print(`opsdeck test: the tests of ${shown(appDir)} did not run because its spec has errors (above)\n`);
        for (const file of files) invalid.push({ file: shown(file), diagnostics: app.diagnostics.map((d) => ({ ...d, file: shown(d.file) })), source: app.text });
        continue;
      }
      const context = { app: app.model, appDir: app.dir, enforcer: await AppEnforcer.build(app.model.policy, log), databases };

      for (const file of files) {
        const { testFile, diagnostics, text: source } = readTestFile(file, app.model);
        if (testFile === undefined) {
          for (const d of diagnostics) print(`${showDiagnostic(d, source)}\n`);
          invalid.push({ file: shown(file), diagnostics: diagnostics.map((d) => ({ ...d, file: shown(d.file) })), source });
          continue;
        }
        const display = { ...testFile, file: shown(file) };
        for (const test of display.tests) {
          const result = await runAppTest(test, display, context);
          results.push(result);
          print(formatResult(result));
        }
      }
    }
  } finally {
    databases.remove();
  }

  if (testFiles === 0) {
    io.stderr(`opsdeck test: no test file found under ${positionals[0]}; write tests in ${TEST_FILE_SUFFIX} files beside an app.yaml or in its tests/ folder\n`);
    return EXIT.cannotRun;
  }
  if (invalid.length > 0) print(`${invalid.length} test file(s) have errors (above); their tests did not run\n`);
  print(formatSummary(results));

  if (values.reporter === 'junit') {
    const report = junitReport(results, invalid);
    if (values.output === undefined) {
      io.stdout(report);
    } else {
      try {
        writeFileSync(resolve(cwd, values.output), report);
      } catch (error) {
        io.stderr(`opsdeck test: cannot write the JUnit report to ${values.output} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check that its folder exists and is writable\n`);
        return EXIT.cannotRun;
      }
    }
  }
  const failed = invalid.length > 0 || results.some((result) => result.failure !== undefined);
  return failed ? EXIT.invalid : EXIT.ok;
}

