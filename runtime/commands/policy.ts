// `opsdeck policy <dir>`: print the effective access policy of every app under a folder.
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../../core/format.js';
import { formatPolicy } from '../../core/policy.js';
import { checkFolder, EXIT, type CommandOutput } from './validate.js';

const USAGE = 'Usage: opsdeck policy <dir>';

/** Runs `opsdeck policy`; resolves to 0 after printing, 1 when a spec has errors, 2 when it cannot run. */
export async function runPolicy(argv: string[], out: CommandOutput): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: {} });
  } catch (error) {
    out.stderr(`opsdeck policy: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.cannotRun;
  }
  if (parsed.positionals.length !== 1) {
    out.stderr(`opsdeck policy: expected one folder, got ${parsed.positionals.length}\n${USAGE}\n`);
    return EXIT.cannotRun;
  }

  const checked = checkFolder(parsed.positionals[0]);
  if ('error' in checked) {
    out.stderr(`opsdeck policy: ${checked.error}\n`);
    return EXIT.cannotRun;
  }

  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    for (const d of errors) out.stderr(`${formatDiagnostic({ ...d, file: relative(process.cwd(), d.file) || d.file }, checked.sources.get(d.file))}\n`);
    out.stderr(`opsdeck policy: fix the errors above first; run \`opsdeck validate\` for details\n`);
    return EXIT.invalid;
  }

  const listings = checked.apps.flatMap((app) => (app.model === undefined ? [] : [formatPolicy(app.model.policy)]));
  out.stdout(listings.join('\n'));
  return EXIT.ok;
}
