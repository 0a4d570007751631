// Text and Markdown reports of a SpecDiff: access changes first, then the rest.
import type { Permission } from './access.js';
import type { AppChange, Change, SpecDiff, SubjectAccessChange } from './diff.js';

export interface RenderOptions {
  /** Colour gains green and losses red with ANSI escapes (text report only). */
  color?: boolean;
  /** Names of the two versions, shown in the heading, such as `main` and `working tree`. */
  labels?: { base: string; head: string };
}

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

const AREA_NAMES: Record<Change['area'], string> = {
  app: 'app settings',
  datasource: 'data source',
  role: 'role',
  page: 'page',
  query: 'query',
  action: 'action',
};

/** Renders a diff for a terminal: access changes per app and subject, then other changes with SQL diffs. */
export function renderDiffText(diff: SpecDiff, options: RenderOptions = {}): string {
  const paint = (code: string, text: string): string => (options.color ? `${code}${text}${RESET}` : text);
  const lines: string[] = [];
  if (options.labels !== undefined) lines.push(paint(BOLD, `Changes from ${options.labels.base} to ${options.labels.head}`), '');
  if (diff.access.length === 0 && diff.apps.length === 0) {
    lines.push('No changes.');
    return `${lines.join('\n')}\n`;
  }

  lines.push(paint(BOLD, 'Access'));
  if (diff.access.length === 0) lines.push('  no role, group or user gained or lost a permission');
  for (const app of diff.access) {
    lines.push(`  app ${app.app}`);
    for (const subject of app.subjects) {
      lines.push(`    ${subjectLabel(subject)}`);
      for (const p of subject.gained) lines.push(paint(GREEN, `      + ${permissionText(p)}`));
      for (const p of subject.lost) lines.push(paint(RED, `      - ${permissionText(p)}`));
    }
  }

  lines.push('', paint(BOLD, 'Other changes'));
  if (diff.apps.length === 0) lines.push('  none');
  for (const app of diff.apps) {
    lines.push(`  app ${app.app} (${app.title}): ${app.status}`);
    for (const change of app.changes) {
      lines.push(`    ${AREA_NAMES[change.area]} ${change.area === 'app' ? '' : `${change.id} `}${change.status}`);
      for (const detail of change.details) {
        lines.push(`      ${detail}`);
        if (detail === 'SQL changed' && change.sqlDiff !== undefined) {
          for (const line of change.sqlDiff) lines.push(paintDiffLine(line, paint, '        '));
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Renders a diff as Markdown for a pull request comment: a table of access changes, then a list of other changes. */
export function renderDiffMarkdown(diff: SpecDiff, options: RenderOptions = {}): string {
  const lines: string[] = ['## Opsdeck diff', ''];
  if (options.labels !== undefined) lines.push(`From \`${options.labels.base}\` to \`${options.labels.head}\`.`, '');
  if (diff.access.length === 0 && diff.apps.length === 0) {
    lines.push('No changes.');
    return `${lines.join('\n')}\n`;
  }

  lines.push('### Access', '');
  if (diff.access.length === 0) {
    lines.push('No role, group or user gained or lost a permission.');
  } else {
    if (diff.widened) lines.push('**Access widened:** at least one role, group or user gained a permission.', '');
    lines.push('| app | who | gained | lost |', '|---|---|---|---|');
    for (const app of diff.access) {
      for (const subject of app.subjects) {
        const cell = (list: Permission[], sign: string): string => list.map((p) => `${sign} \`${permissionText(p)}\``).join('<br>');
        lines.push(`| ${escapeCell(app.app)} | ${escapeCell(subjectLabel(subject))} | ${cell(subject.gained, '➕')} | ${cell(subject.lost, '➖')} |`);
      }
    }
  }

  lines.push('', '### Other changes');
  if (diff.apps.length === 0) lines.push('', 'None.');
  for (const app of diff.apps) lines.push('', ...appMarkdown(app));
  return `${lines.join('\n')}\n`;
}

function appMarkdown(app: AppChange): string[] {
  const lines = [`#### App \`${app.app}\` (${escapeInline(app.title)}): ${app.status}`, ''];
  if (app.changes.length === 0) lines.push('- nothing else changed');
  for (const change of app.changes) {
    const name = change.area === 'app' ? 'app settings' : `${AREA_NAMES[change.area]} \`${change.id}\``;
    lines.push(`- ${name} ${change.status}`);
    for (const detail of change.details) lines.push(`  - ${escapeInline(detail)}`);
    if (change.sqlDiff !== undefined) {
      // The SQL sits in a fenced block, so a backtick run longer than any inside it keeps the fence closed.
      const longest = Math.max(2, ...change.sqlDiff.map((line) => Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))));
      const fence = '`'.repeat(longest + 1);
      lines.push('', `  ${fence}diff`, ...change.sqlDiff.map((line) => `  ${line}`), `  ${fence}`, '');
    }
  }
  return lines;
}

/** Names a subject for reports: `role agent`, `group support`, `user ana@example.com`. */
export function subjectLabel(subject: Pick<SubjectAccessChange, 'kind' | 'name'>): string {
  return `${subject.kind} ${subject.name}`;
}

/** Names a permission for reports: `view page:customers`, `run action:flagCustomer`. */
export function permissionText(permission: Permission): string {
  switch (permission.act) {
    case 'rows':
      return permission.detail === undefined ? `every row of ${permission.object}` : `rows of ${permission.object} where ${permission.detail}`;
    case 'column':
      return `column ${permission.detail} of ${permission.object}`;
    case 'masked column':
      return `column ${permission.detail} of ${permission.object}, masked`;
    default:
      return `${permission.act} ${permission.object}`;
  }
}

function paintDiffLine(line: string, paint: (code: string, text: string) => string, indent: string): string {
  if (line.startsWith('+')) return paint(GREEN, `${indent}${line}`);
  if (line.startsWith('-')) return paint(RED, `${indent}${line}`);
  return `${indent}${line}`;
}

/** Escapes characters that would end a table cell or start Markdown markup. */
function escapeCell(text: string): string {
  return escapeInline(text).replace(/\|/g, '\\|');
}

function escapeInline(text: string): string {
  // Backticks are kept because details quote names with them; HTML-like text is neutralised.
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
}
