#!/usr/bin/env node
// The `opsdeck` command: serve, validate, policy, explain, diff, test, schema and audit.
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../core/format.js';
import { createLogger } from './log.js';
import { readFileSync } from 'node:fs';

const USAGE = `Usage: opsdeck <command> [options]

Commands:
  serve <dir>      Serve every app under <dir> (a folder with app.yaml) and reload them on change.
                   --port N       port to listen on (default: opsdeck.yaml's server.port, else 3000)
                   --host H       address to listen on (default 127.0.0.1)
                   --identity M   identity mode: dev or proxy (default: opsdeck.yaml's identity.mode)
                   --no-watch     do not reload apps when their files change
                   --env NAME     merge opsdeck.NAME.yaml over opsdeck.yaml (default: $OPSDECK_ENV)
                   --production   refuse to start with the dev identity mode (also when NODE_ENV=production)
  validate <dir>   Check every app spec under <dir>; exit 1 on errors, 0 when clean, 2 when it cannot run.
                   --format text|json|github   (github: GitHub Actions annotations, one per problem)
                   --strict       treat warnings as errors (exit 1)
                   --env NAME     also check that every \${env:...} the apps and settings need is set
                                  (default: $OPSDECK_ENV)
  policy <dir>     Print the effective access policy of every app under <dir>.
  explain <dir> --user <id> [--groups a,b] [--attribute name=value ...] [--app <id>]
                   For each page, query and action: allowed or denied for that user, the rule that
                   decided, and the row and column rules that apply.  --format text|json
  diff <base> [<head>]
                   Show who gained or lost access, then what else changed, between two folders or
                   two git revisions (default head: the working tree).
                   --dir <path>   folder read at each revision (default .)
                   --format text|markdown|json
                   --fail-on-widened-access   exit 3 when any role, group or user gains a permission
  test <dir>       Run the app tests (tests/*.test.yaml) of every app under <dir>; exit 1 on a failure,
                   2 when it cannot run.
                   --reporter text|junit   (junit: XML on stdout, the text report on stderr)
                   --output <file>         write the JUnit report to <file> instead
  schema [app|settings|tests|fragment]
                   Print the JSON Schema of app.yaml (default), opsdeck.yaml, *.test.yaml files or
                   the files an app's include: names.
  audit verify [--file F] [<dir>]
                   Check the hash chain of the audit log (default: audit.file of <dir>/opsdeck.yaml);
                   exit 0 when intact, 1 naming the first changed, removed, reordered or torn record.
  audit repair [--file F] [<dir>]
                   Move a torn last line of the audit log aside, so the server can append again.
`;

const io = {
  stdout: (text: string) => process.stdout.write(text),
  stderr: (text: string) => process.stderr.write(text),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServe(rest);
    // Each command loads its own modules, so none pays for the others' start-up.
    case 'validate':
      return (await import('./commands/validate.js')).runValidate(rest, io);
    case 'policy':
      return (await import('./commands/policy.js')).runPolicy(rest, io);
    case 'explain':
      return (await import('./commands/explain.js')).runExplain(rest, io);
    case 'diff':
      return (await import('./commands/diff.js')).runDiff(rest, io);
    case 'test':
      return (await import('./commands/test.js')).runTest(rest, io);
    case 'schema':
      return (await import('./commands/schema.js')).runSchema(rest, io);
    case 'audit':
      return (await import('./commands/audit.js')).runAudit(rest, io);
    case '--version':
    case '-v': {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      io.stdout(`${pkg.version}\n`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.stderr(`opsdeck: unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

async function runServe(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { port: { type: 'string' }, host: { type: 'string' }, identity: { type: 'string' }, 'no-watch': { type: 'boolean' }, env: { type: 'string' }, production: { type: 'boolean' } },
    });
  } catch (err) {
    io.stderr(`opsdeck serve: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    io.stderr(`opsdeck serve: give exactly one folder of apps, for example "opsdeck serve examples".\n`);
    return 2;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    io.stderr(`opsdeck serve: --port must be a whole number from 0 to 65535 (got "${values.port}").\n`);
    return 2;
  }
  if (values.identity !== undefined && values.identity !== 'dev' && values.identity !== 'proxy') {
    io.stderr(`opsdeck serve: --identity must be "dev" or "proxy" (got "${values.identity}").\n`);
    return 2;
  }

  // The server's modules (koa, sql.js, chokidar) load only for `serve`, so `validate` starts fast.
  const { serve } = await import('./server.js');
  const { AppLoadError } = await import('./registry.js');
  const { SettingsError, UnknownEnvironment } = await import('./settings-file.js');
  const log = createLogger();
  try {
    const running = await serve({
      root: positionals[0],
      log,
      environment: values.env ?? (process.env.OPSDECK_ENV || undefined),
      port,
      host: values.host,
      identity: values.identity as 'dev' | 'proxy' | undefined,
      production: values.production === true || process.env.NODE_ENV === 'production',
      watch: !values['no-watch'],
      onSpecRejected: (diagnostics) => {
        for (const diagnostic of diagnostics) io.stderr(`${formatDiagnostic(diagnostic, readSource(diagnostic.file))}\n`);
        io.stderr('opsdeck serve: the change above was rejected; the last good version keeps serving.\n');
      },
    });
    // Stops accepting connections, lets requests in flight finish (server.shutdownTimeoutMs), stops jobs at their
    // next chunk, closes data sources and flushes the log. A second signal ends the process at once.
    const shutdown = (signal: string): void => {
      log.info({ signal, timeoutMs: running.settings.shutdownTimeoutMs }, 'shutting down');
      const exit = (code: number): void => log.flush(() => process.exit(code));
      running.close().then(
        () => {
          log.info('stopped');
          exit(0);
        },
        (err) => {
          log.error({ err }, 'shutdown failed');
          exit(1);
        },
      );
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    io.stderr(`Opsdeck is serving ${running.registry.list().length} app(s) at ${running.url}/ (identity: ${running.settings.identity.mode})\n`);
    return -1;
  } catch (err) {
    if (err instanceof UnknownEnvironment) {
      io.stderr(`opsdeck serve: ${err.message}\n`);
      return 2;
    }
    if (err instanceof AppLoadError || err instanceof SettingsError) {
      for (const diagnostic of err.diagnostics) io.stderr(`${formatDiagnostic(diagnostic)}\n`);
      io.stderr(`opsdeck serve: not started, because the specs have errors (above).\n`);
      return 1;
    }
    io.stderr(`opsdeck serve: ${(err as Error).message}\n`);
    return 1;
  }
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`opsdeck: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 2;
  },
);
