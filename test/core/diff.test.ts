import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildApp } from '../../core/build-app.js';
import { diffApps, renderDiffMarkdown, renderDiffText, type SpecDiff } from '../../core/diff.js';
import type { AppModel } from '../../core/model.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/diff');

function model(text: string, file = 'app.yaml'): AppModel {
  const { model: built, diagnostics } = buildApp({ file, text });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return built as AppModel;
}

function fixture(name: string, side: 'base' | 'head'): AppModel {
  return model(readFileSync(join(FIXTURES, name, side, 'app.yaml'), 'utf8'));
}

function diffOf(name: string): SpecDiff {
  return diffApps([fixture(name, 'base')], [fixture(name, 'head')]);
}

/** Access changes as `subject: +grant -grant` strings, easy to compare. */
function accessLines(diff: SpecDiff): string[] {
  return diff.access.flatMap((app) => app.subjects.map((s) => `${app.app} ${s.subject}: ${[...s.gained.map((p) => `+${p.act} ${p.object}`), ...s.lost.map((p) => `-${p.act} ${p.object}`)].join(' ')}`));
}

describe('diffApps per kind of change', () => {
  test('page added', () => {
    const diff = diffOf('page-added');
    expect(diff.widened).toBe(true);
    expect(accessLines(diff)).toEqual(['desk role:viewer: +view page:overview', 'desk group:staff: +view page:overview']);
    expect(diff.apps[0].changes).toEqual([
      { area: 'page', id: 'overview', status: 'added', details: ['title set to "Overview"', 'allowed role `viewer` added', 'component table of query `customers` added'] },
    ]);
  });

  test('query SQL changed', () => {
    const diff = diffOf('query-sql-changed');
    expect(diff.widened).toBe(false);
    expect(diff.access).toEqual([]);
    expect(diff.apps[0].changes).toEqual([
      {
        area: 'query',
        id: 'customers',
        status: 'changed',
        details: ['SQL changed'],
        sqlDiff: [
          '  …',
          '  from customers',
          "- where :search is null or name like '%' || :search || '%'",
          "+ where (:search is null or name like '%' || :search || '%')",
          '+   and deleted_at is null',
        ],
      },
    ]);
  });

  test('action parameter added', () => {
    const change = diffOf('action-param-added').apps[0].changes[0];
    expect(change.area).toBe('action');
    expect(change.id).toBe('rename');
    expect(change.details).toEqual(['SQL changed', 'parameter `reason` added (string, required)']);
    expect(change.sqlDiff).toEqual([
      '- update customers set name = :name where id = :id',
      '+ update customers set name = :name, note = :reason where id = :id',
    ]);
  });

  test('role member added', () => {
    const diff = diffOf('role-member-added');
    expect(diff.widened).toBe(true);
    expect(accessLines(diff)).toEqual(['desk group:night-shift: +run action:rename', 'desk user:bob@example.com: +run action:rename']);
    expect(diff.apps[0].changes).toEqual([
      { area: 'role', id: 'agent', status: 'changed', details: ['member user `bob@example.com` added', 'member group `night-shift` added'] },
    ]);
  });

  test('data source file changed', () => {
    expect(diffOf('datasource-file-changed').apps[0].changes).toEqual([
      { area: 'datasource', id: 'main', status: 'changed', details: ['`file` changed from "data/desk.sqlite" to "data/desk-v2.sqlite"'] },
    ]);
  });

  test('role gains actions through a new inheritance', () => {
    const diff = diffOf('role-inherits-added');
    expect(diff.widened).toBe(true);
    const gained = '+view page:audit +run query:auditLog +run action:purge';
    expect(accessLines(diff)).toEqual([`desk role:agent: ${gained}`, `desk group:agents: ${gained}`, `desk user:ana@example.com: ${gained}`]);
    expect(diff.apps[0].changes[0].details).toEqual(['inherited role `auditor` added']);
  });

  test('removed inheritance is a loss, not a widening', () => {
    const diff = diffApps([fixture('role-inherits-added', 'head')], [fixture('role-inherits-added', 'base')]);
    expect(diff.widened).toBe(false);
    expect(accessLines(diff)[0]).toBe('desk role:agent: -view page:audit -run query:auditLog -run action:purge');
  });

  test('unchanged versions', () => {
    const diff = diffOf('unchanged');
    expect(diff).toEqual({ widened: false, access: [], apps: [] });
    expect(renderDiffText(diff)).toBe('No changes.\n');
  });
});

describe('diffApps with apps added and removed', () => {
  test('added app grants everything in it', () => {
    const head = fixture('unchanged', 'head');
    const diff = diffApps([], [head]);
    expect(diff.widened).toBe(true);
    expect(diff.apps.map((app) => [app.app, app.status])).toEqual([['desk', 'added']]);
    expect(accessLines(diff)).toContain('desk group:audit: +view page:audit +run query:auditLog +run action:purge');
  });

  test('removed app loses everything in it', () => {
    const diff = diffApps([fixture('unchanged', 'base')], []);
    expect(diff.widened).toBe(false);
    expect(diff.apps[0].status).toBe('removed');
    expect(diff.apps[0].changes.every((change) => change.status === 'removed' && change.details.length === 0)).toBe(true);
    expect(accessLines(diff)).toContain('desk role:viewer: -view page:customers -run query:customers');
  });
});

describe('secrets', () => {
  test('environment references are never printed', () => {
    const diff = diffOf('secret-values');
    expect(diff.apps[0].changes).toEqual([{ area: 'datasource', id: 'main', status: 'changed', details: ['`file` changed'] }]);
    for (const text of [renderDiffText(diff), renderDiffMarkdown(diff), JSON.stringify(diff)]) expect(text).not.toContain('DESK_DB_FILE');
  });

  test('unknown data source settings are never printed', () => {
    const base = fixture('unchanged', 'base');
    const head = fixture('unchanged', 'head');
    // A data source kind with a connection URL, as other kinds may add; the values must not reach the report.
    (base.spec.datasources.main as unknown as Record<string, unknown>).url = 'postgres://admin:hunter2@db.internal/desk';
    (head.spec.datasources.main as unknown as Record<string, unknown>).url = 'postgres://admin:s3cret-2@db.internal/desk';
    const diff = diffApps([base], [head]);
    expect(diff.apps[0].changes[0].details).toEqual(['`url` changed']);
    for (const text of [renderDiffText(diff), renderDiffMarkdown(diff), JSON.stringify(diff)]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('s3cret');
    }
  });

  test('default of a secret parameter is not printed', () => {
    const text = readFileSync(join(FIXTURES, 'unchanged', 'base', 'app.yaml'), 'utf8');
    const base = model(text.replace('search: { type: string, maxLength: 100 }', 'search: { type: string, maxLength: 100, secret: true, default: tok-one }'));
    const head = model(text.replace('search: { type: string, maxLength: 100 }', 'search: { type: string, maxLength: 100, secret: true, default: tok-two }'));
    const diff = diffApps([base], [head]);
    expect(diff.apps[0].changes[0].details).toEqual(['parameter `search`: `default` changed']);
    expect(renderDiffText(diff)).not.toContain('tok-');
  });
});

describe('page components', () => {
  test('columns and row actions added', () => {
    const text = readFileSync(join(FIXTURES, 'unchanged', 'base', 'app.yaml'), 'utf8');
    const head = text.replace('columns: [id, name, email]', 'columns: [id, name, email, phone]').replace('rowActions: [rename]', 'rowActions: [rename, purge]');
    const diff = diffApps([model(text)], [model(head)]);
    expect(diff.apps[0].changes).toEqual([
      { area: 'page', id: 'customers', status: 'changed', details: ['component table `list`: column `phone` added', 'component table `list`: row action `purge` added'] },
    ]);
  });

  test('SQL changed in whitespace only', () => {
    const text = readFileSync(join(FIXTURES, 'unchanged', 'base', 'app.yaml'), 'utf8');
    const head = text.replace('      from customers\n', '      from customers   \n');
    const change = diffApps([model(text)], [model(head)]).apps[0].changes[0];
    expect(change.details).toEqual(['SQL changed in whitespace only']);
    expect(change.sqlDiff).toBeUndefined();
  });
});

describe('renderers', () => {
  test('text report: access first, then other changes', () => {
    expect(renderDiffText(diffOf('role-member-added'), { labels: { base: 'main', head: 'working tree' } })).toBe([
      'Changes from main to working tree',
      '',
      'Access',
      '  app desk',
      '    group night-shift',
      '      + run action:rename',
      '    user bob@example.com',
      '      + run action:rename',
      '',
      'Other changes',
      '  app desk (Desk): changed',
      '    role agent changed',
      '      member user `bob@example.com` added',
      '      member group `night-shift` added',
      '',
    ].join('\n'));
  });

  test('colour: gains green, losses red', () => {
    const widened = renderDiffText(diffOf('role-member-added'), { color: true });
    expect(widened).toContain('\u001b[32m      + run action:rename\u001b[0m');
    const narrowed = renderDiffText(diffApps([fixture('role-member-added', 'head')], [fixture('role-member-added', 'base')]), { color: true });
    expect(narrowed).toContain('\u001b[31m      - run action:rename\u001b[0m');
    expect(renderDiffText(diffOf('role-member-added'))).not.toContain('\u001b[');
  });

  test('markdown: access table and SQL block', () => {
    const markdown = renderDiffMarkdown(diffOf('query-sql-changed'));
    expect(markdown).toContain('### Access\n\nNo role, group or user gained or lost a permission.');
    expect(markdown).toContain("  ```diff\n    …\n    from customers\n  - where :search is null");

    const access = renderDiffMarkdown(diffOf('role-inherits-added'));
    expect(access).toContain('**Access widened:**');
    expect(access).toContain('| app | who | gained | lost |\n|---|---|---|---|\n| desk | role agent | ➕ `view page:audit`<br>➕ `run query:auditLog`<br>➕ `run action:purge` |  |');
    expect(access).toContain('- role `agent` changed\n  - inherited role `auditor` added');
  });
});
