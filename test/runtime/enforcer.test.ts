import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { buildApp } from '../../core/build-app.js';
import { AppEnforcer } from '../../runtime/enforcer.js';
import { makeIdentity } from '../../runtime/identity.js';

const SPEC = `opsdeck: 1
id: tricky
title: Tricky names
datasources:
  main: { kind: sqlite, file: data.sqlite }
roles:
  admin:
    members:
      users: ["Boss@Example.com"]
      groups: ['ops, "night" shift', "p, role:admin, tricky, page:secrets, view"]
  reader:
    members: { groups: [readers] }
queries:
  everything:
    datasource: main
    sql: select 1 as one
    allow: [admin]
pages:
  secrets:
    title: Secrets
    allow: [admin]
    components:
      - table: { query: everything, columns: [one] }
  lobby:
    title: Lobby
    allow: [reader]
    components:
      - table: { query: everything, columns: [one] }
`;

async function enforcer(): Promise<AppEnforcer> {
  const { model, diagnostics } = buildApp({ file: 'tricky.yaml', text: SPEC });
  if (!model) throw new Error(diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('\n'));
  return AppEnforcer.build(model.policy, pino({ level: 'silent' }));
}

describe('app enforcer', () => {
  it('matches a group name with commas and quotes whole', async () => {
    const policy = await enforcer();
    expect(policy.allows(makeIdentity('x@example.com', undefined, ['ops, "night" shift']), 'page:secrets', 'view')).toBe(true);
    expect(policy.allows(makeIdentity('x@example.com', undefined, ['ops']), 'page:secrets', 'view')).toBe(false);
    expect(policy.allows(makeIdentity('x@example.com', undefined, ['"night" shift']), 'page:secrets', 'view')).toBe(false);
  });

  it('does not let a CSV-looking group name add a rule', async () => {
    const policy = await enforcer();
    expect(policy.allows(makeIdentity('r@example.com', undefined, ['readers']), 'page:secrets', 'view')).toBe(false);
    expect(policy.allows(makeIdentity('r@example.com', undefined, ['readers']), 'page:lobby', 'view')).toBe(true);
  });

  it('keeps users, groups and roles apart', async () => {
    const policy = await enforcer();
    expect(policy.allows(makeIdentity('admin', undefined, []), 'page:secrets', 'view')).toBe(false);
    expect(policy.allows(makeIdentity('someone', undefined, ['admin']), 'page:secrets', 'view')).toBe(false);
    expect(policy.allows(makeIdentity('role:admin', undefined, []), 'page:secrets', 'view')).toBe(false);
  });

  it('compares email user ids without case', async () => {
    const policy = await enforcer();
    expect(policy.allows(makeIdentity('boss@EXAMPLE.com', undefined, []), 'page:secrets', 'view')).toBe(true);
  });

  it('denies empty subjects and unknown objects', async () => {
    const policy = await enforcer();
    expect(policy.allows(undefined, 'page:secrets', 'view')).toBe(false);
    expect(policy.allows(makeIdentity('  ', undefined, ['ops, "night" shift']), 'page:secrets', 'view')).toBe(false);
    expect(policy.allows(makeIdentity('boss@example.com', undefined, []), 'page:nope', 'view')).toBe(false);
    expect(policy.allows(makeIdentity('boss@example.com', undefined, []), 'page:secrets', 'run')).toBe(false);
  });
});
