// `opsdeck explain <dir> --user U [--groups G,...] [--attribute name=value ...] [--app ID] [--format text|json]`:
// for each page, query and action of each app, whether the user may use it,
// the rule that decided, and the row and column rules that apply.
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../../core/format.js';
import { explainApp, formatExplain } from '../access/explain.js';
import { AppEnforcer } from '../enforcer.js';
import { makeIdentity } from '../identity.js';
import { createLogger } from '../log.js';
import { checkFolder, EXIT, type CommandOutput } from './validate.js';

const USAGE = 'Usage: opsdeck explain <dir> --user <id> [--groups a,b] [--attribute name=value ...] [--app <id>] [--format text|json]';

/** Runs `opsdeck explain`; 0 after printing, 1 when a spec has errors, 2 when it cannot run. */
export async function runExplain(argv: string[], out: CommandOutput): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        user: { type: 'string' },
        groups: { type: 'string', default: '' },
        attribute: { type: 'string', multiple: true, default: [] },
        app: { type: 'string' },
        format: { type: 'string', default: 'text' },
      },
    });
  } catch (error) {
    out.stderr(`opsdeck explain: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  const { values, positionals } = parsed;
  const problem =
    positionals.length !== 1
      ? `expected one folder, got ${positionals.length}`
      : values.user === undefined || values.user.trim() === ''
        ? 'give the user to explain with --user, such as --user ana@example.com'
        : values.format !== 'text' && values.format !== 'json'
          ? `--format is "${values.format}"; use text or json`
          : undefined;
  if (problem !== undefined) {
    out.stderr(`opsdeck explain: ${problem}\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  const attributes: Record<string, string> = {};
  for (const pair of values.attribute) {
    const equals = pair.indexOf('=');
    if (equals <= 0) {
      out.stderr(`opsdeck explain: --attribute "${pair}" is not name=value, such as --attribute region=emea\n`);
      return EXIT.cannotRun;
    }
    attributes[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  const identity = makeIdentity(values.user!, undefined, values.groups.split(','), attributes);

  const checked = checkFolder(positionals[0]);
  if ('error' in checked) {
    out.stderr(`opsdeck explain: ${checked.error}\n`);
    return EXIT.cannotRun;
  }
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    for (const d of errors) out.stderr(`${formatDiagnostic({ ...d, file: relative(process.cwd(), d.file) || d.file }, checked.sources.get(d.file))}\n`);
    out.stderr('opsdeck explain: fix the errors above first; run `opsdeck validate` for details\n');
    return EXIT.invalid;
  }
  const models = checked.apps.flatMap((app) => (app.model === undefined ? [] : [app.model])).filter((model) => values.app === undefined || model.id === values.app);
  if (models.length === 0) {
    out.stderr(`opsdeck explain: no app with id "${values.app}" under ${positionals[0]}; ids found: ${checked.apps.map((app) => app.model?.id).filter(Boolean).join(', ')}\n`);
    return EXIT.cannotRun;
  }

  const log = createLogger('silent');
  const reports = [];
  for (const model of models) {
    const enforcer = await AppEnforcer.build(model.policy, log);
    reports.push({ model, entries: explainApp(model, enforcer, identity) });
  }
  if (values.format === 'json') {
    out.stdout(`${JSON.stringify({ user: { id: identity.id, groups: identity.groups, attributes: identity.attributes }, apps: reports.map((report) => ({ id: report.model.id, entries: report.entries })) }, null, 2)}\n`);
  } else {
    out.stdout(reports.map((report) => formatExplain(report.model, identity, report.entries)).join('\n'));
  }
  return EXIT.ok;
}
