import { newEnforcer, newModelFromString } from 'casbin';
import { describe, expect, test } from 'vitest';
import { buildPolicy, formatPolicy, POLICY_MODEL, userSubject } from '../../core/policy.js';
import type { AppSpec } from '../../core/spec.js';

const spec: AppSpec = {
  opsdeck: 1,
  id: 'desk',
  title: 'Desk',
  datasources: { main: { kind: 'sqlite', file: 'x.sqlite' } },
  roles: {
    viewer: { members: { groups: ['staff'] } },
    agent: { inherits: ['viewer'], members: { users: ['Ana@Example.com', 'bob'] } },
    lead: { inherits: ['agent'] },
  },
  queries: { list: { datasource: 'main', sql: 'select 1', allow: ['viewer'] } },
  actions: { close: { title: 'Close', datasource: 'main', sql: 'select 1', allow: ['agent', 'agent'] } },
  pages: { home: { title: 'Home', allow: ['viewer'], components: [] } },
};

describe('buildPolicy', () => {
  const policy = buildPolicy(spec);

  test('p rules per allow entry, without repeats', () => {
    expect(policy.domain).toBe('desk');
    expect(policy.policies).toEqual([
      ['role:viewer', 'desk', 'page:home', 'view'],
      ['role:viewer', 'desk', 'query:list', 'run'],
      ['role:agent', 'desk', 'action:close', 'run'],
    ]);
  });

  test('g rules for members and inheritance', () => {
    expect(policy.groupings).toEqual([
      ['group:staff', 'role:viewer', 'desk'],
      ['user:ana@example.com', 'role:agent', 'desk'],
      ['user:bob', 'role:agent', 'desk'],
      ['role:agent', 'role:viewer', 'desk'],
      ['role:lead', 'role:agent', 'desk'],
    ]);
  });

  test('email user ids lower-cased, others kept', () => {
    expect(userSubject('Ana@Example.COM')).toBe('user:ana@example.com');
    expect(userSubject('Bob')).toBe('user:Bob');
  });

  test('casbin enforces the generated rules', async () => {
    const enforcer = await newEnforcer(newModelFromString(POLICY_MODEL));
    await enforcer.addPolicies(policy.policies);
    await enforcer.addGroupingPolicies(policy.groupings);
    expect(await enforcer.enforce('user:ana@example.com', 'desk', 'action:close', 'run')).toBe(true);
    expect(await enforcer.enforce('user:ana@example.com', 'desk', 'query:list', 'run')).toBe(true);
    expect(await enforcer.enforce('group:staff', 'desk', 'query:list', 'run')).toBe(true);
    expect(await enforcer.enforce('group:staff', 'desk', 'action:close', 'run')).toBe(false);
    expect(await enforcer.enforce('user:ana@example.com', 'other', 'query:list', 'run')).toBe(false);
    expect(await enforcer.enforce('user:nobody', 'desk', 'page:home', 'view')).toBe(false);
    expect(await enforcer.enforce('group:staff', 'desk', 'page:home', 'run')).toBe(false);
  });
});

describe('formatPolicy', () => {
  const text = formatPolicy(buildPolicy(spec));

  test('one block per role with members', () => {
    expect(text).toContain('role agent\n  members: user:ana@example.com, user:bob\n  inherits: viewer\n');
    expect(text).toContain('role lead\n  members: (none)\n  inherits: agent\n');
  });

  test('inherited permissions name their source', () => {
    const lead = text.slice(text.indexOf('role lead'), text.indexOf('role viewer'));
    expect(lead).toContain('run action:close (from agent)');
    expect(lead).toContain('view page:home (from viewer)');
    const viewer = text.slice(text.indexOf('role viewer'));
    expect(viewer).not.toContain('action:close');
  });

  test('role with no grants says so', () => {
    const noGrants = formatPolicy({ domain: 'x', policies: [], groupings: [['group:g', 'role:idle', 'x']] });
    expect(noGrants).toContain('role idle\n  members: group:g\n  may: nothing\n');
  });

  test('inheritance cycle does not hang', () => {
    const cyclic = formatPolicy({
      domain: 'x',
      policies: [['role:a', 'x', 'page:p', 'view']],
      groupings: [['role:a', 'role:b', 'x'], ['role:b', 'role:a', 'x']],
    });
    expect(cyclic).toContain('view page:p (from a)');
  });
});
