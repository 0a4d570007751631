import { describe, expect, it } from 'vitest';
import { buildApp } from '../../core/build-app.js';
import { formatPolicy } from '../../core/policy.js';

const spec = (extra: { query?: string; top?: string }) => `opsdeck: 1
id: desk
title: Desk
datasources:
  main: { kind: sqlite, file: d.sqlite }
roles:
  admin: { members: { groups: [ops] } }
  auditor: { members: { users: [aud@example.com] } }
queries:
  people:
    datasource: main
    sql: select 1 as id
    allow: [admin]
${extra.query ?? ''}pages:
  home:
    title: Home
    allow: [admin]
    components:
      - table: { query: people, columns: [id] }
${extra.top ?? ''}`;

const errorsOf = (text: string) => buildApp({ file: 'app.yaml', text }).diagnostics.filter((d) => d.severity === 'error');

describe('audit spec settings', () => {
  it('compiles viewers to a view audit rule', () => {
    const { model, diagnostics } = buildApp({ file: 'app.yaml', text: spec({ top: 'audit:\n  viewers: [auditor]\n' }) });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(model!.policy.policies).toContainEqual(['role:auditor', 'desk', 'audit', 'view']);
    expect(formatPolicy(model!.policy)).toContain('view audit');
  });

  it('grants no audit rule without viewers', () => {
    const { model } = buildApp({ file: 'app.yaml', text: spec({}) });
    expect(model!.policy.policies.some((rule) => rule[2] === 'audit')).toBe(false);
  });

  it('reports an unknown viewer role at its position', () => {
    const errors = errorsOf(spec({ top: 'audit:\n  viewers: [auditors]\n' }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'unknown-role', line: 21, col: 13 });
    expect(errors[0].message).toContain('auditors');
  });

  it('accepts each query audit setting', () => {
    for (const setting of ['off', 'metadata', 'params']) {
      const { model, diagnostics } = buildApp({ file: 'app.yaml', text: spec({}).replace('    allow: [admin]\npages', `    audit: ${setting}\n    allow: [admin]\npages`) });
      expect(diagnostics.filter((d) => d.severity === 'error'), setting).toEqual([]);
      expect(model!.queries.people.spec.audit).toBe(setting);
    }
  });

  it('rejects an unknown query audit setting', () => {
    const errors = errorsOf(spec({}).replace('    allow: [admin]\npages', '    audit: verbose\n    allow: [admin]\npages'));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0].message).toContain('queries.people.audit');
    expect(`${errors[0].message} ${errors[0].hint ?? ''}`).toContain('metadata');
  });

  it('rejects audit without viewers', () => {
    expect(errorsOf(spec({ top: 'audit: {}\n' })).length).toBeGreaterThan(0);
    expect(errorsOf(spec({ top: 'audit:\n  viewers: [admin]\n  readers: [admin]\n' })).length).toBeGreaterThan(0);
  });
});
