// The access diff below the page: rows and columns each role, group and user
// gains or loses when `restrict:` or a query's SQL changes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildApp } from '../../core/build-app.js';
import { diffApps, renderDiffText, type SpecDiff } from '../../core/diff.js';
import type { AppModel } from '../../core/model.js';

const base = readFileSync(join(import.meta.dirname, '../fixtures/row-rules/tickets/app.yaml'), 'utf8');

function model(text: string): AppModel {
  const { model: built, diagnostics } = buildApp({ file: 'app.yaml', text });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return built as AppModel;
}

function diffWith(edit: (text: string) => string): SpecDiff {
  const head = edit(base);
  expect(head).not.toBe(base);
  return diffApps([model(base)], [model(head)]);
}

/** The changes of one subject as `+text -text` lines in report wording. */
function changesOf(diff: SpecDiff, subject: string): string[] {
  const found = diff.access.flatMap((app) => app.subjects).find((entry) => entry.subject === subject);
  if (found === undefined) return [];
  return [...found.gained.map((p) => `+${p.act}${p.detail === undefined ? '' : ` ${p.detail}`}`), ...found.lost.map((p) => `-${p.act}${p.detail === undefined ? '' : ` ${p.detail}`}`)];
}

describe('row and column access in diffs', () => {
  test('unhiding a column widens access', () => {
    const diff = diffWith((text) => text.replace('        hide: [cost_cents]\n', ''));
    expect(diff.widened).toBe(true);
    expect(changesOf(diff, 'role:agent')).toEqual(['+column cost_cents']);
    expect(changesOf(diff, 'group:support')).toEqual(['+column cost_cents']);
    expect(changesOf(diff, 'role:lead')).toEqual([]);
  });

  test('hiding a masked column narrows access', () => {
    const diff = diffWith((text) => text.replace('        mask: [customer_email]\n', '        hide: [cost_cents, customer_email]\n').replace('        hide: [cost_cents]\n', ''));
    expect(diff.widened).toBe(false);
    expect(changesOf(diff, 'role:agent')).toEqual(['-masked column customer_email']);
  });

  test('unmasking a column widens access', () => {
    const diff = diffWith((text) => text.replace('        mask: [customer_email]\n', ''));
    expect(diff.widened).toBe(true);
    expect(changesOf(diff, 'role:agent')).toEqual(['+column customer_email']);
  });

  test('dropping a row rule gives every row', () => {
    const diff = diffWith((text) => text.replace("        rows: region = user.region and status != 'archived'\n", ''));
    expect(diff.widened).toBe(true);
    expect(changesOf(diff, 'role:agent')).toEqual(['+rows', "-rows region = user.region and status != 'archived'"]);
  });

  test('a new row rule in place of every row narrows', () => {
    const diff = diffWith((text) => text.replace('    restrict:\n      agent:\n        rows: region', '    restrict:\n      lead:\n        rows: region = user.region\n      agent:\n        rows: region'));
    expect(diff.widened).toBe(false);
    expect(changesOf(diff, 'role:lead')).toEqual(['+rows region = user.region', '-rows']);
  });

  test('a changed row rule counts as widened', () => {
    const diff = diffWith((text) => text.replace("status != 'archived'", "status != 'closed'"));
    expect(diff.widened).toBe(true);
    expect(changesOf(diff, 'role:agent')).toEqual(["+rows region = user.region and status != 'closed'", "-rows region = user.region and status != 'archived'"]);
  });

  test('a column added to the SQL and hidden from a role shows only for the others', () => {
    const diff = diffWith((text) =>
      text
        .replace('select id, region, subject, customer_email, cost_cents, status, assignee\n', 'select id, region, subject, customer_email, cost_cents, status, assignee, internal_note\n')
        .replace('hide: [cost_cents]', 'hide: [cost_cents, internal_note]'),
    );
    expect(diff.widened).toBe(true);
    expect(changesOf(diff, 'role:agent')).toEqual([]);
    expect(changesOf(diff, 'role:lead')).toEqual(['+column internal_note']);
    expect(changesOf(diff, 'role:admin')).toEqual(['+column internal_note']);
  });

  test('the text report words rows and columns plainly', () => {
    const diff = diffWith((text) => text.replace('        hide: [cost_cents]\n', '').replace("        rows: region = user.region and status != 'archived'\n", ''));
    const report = renderDiffText(diff, { color: false });
    expect(report).toContain('+ column cost_cents of query:tickets');
    expect(report).toContain('+ every row of query:tickets');
    expect(report).toContain("- rows of query:tickets where region = user.region and status != 'archived'");
  });
});
