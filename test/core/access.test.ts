import { describe, expect, test } from 'vitest';
import { effectiveAccess } from '../../core/access.js';
import { buildPolicy } from '../../core/policy.js';
import type { AppSpec } from '../../core/spec.js';

const spec: AppSpec = {
  opsdeck: 1,
  id: 'desk',
  title: 'Desk',
  datasources: { main: { kind: 'sqlite', file: 'x.sqlite' } },
  roles: {
    viewer: { members: { groups: ['staff'] } },
    agent: { inherits: ['viewer'], members: { users: ['Ana@Example.com'], groups: ['agents'] } },
    lead: { inherits: ['agent'] },
    unused: {},
  },
  queries: { list: { datasource: 'main', sql: 'select 1', allow: ['viewer'] } },
  actions: { close: { title: 'Close', datasource: 'main', sql: 'select 1', allow: ['agent'] } },
  pages: { home: { title: 'Home', allow: ['viewer'], components: [] } },
};

const grants = (subject: string) => {
  const entry = effectiveAccess(buildPolicy(spec)).find((access) => access.subject === subject);
  return entry?.permissions.map((p) => `${p.act} ${p.object}`);
};

describe('effectiveAccess', () => {
  test('subjects sorted: roles, groups, users', () => {
    expect(effectiveAccess(buildPolicy(spec)).map((access) => access.subject)).toEqual([
      'role:agent', 'role:lead', 'role:viewer', 'group:agents', 'group:staff', 'user:ana@example.com',
    ]);
  });

  test('role holds its own permissions', () => {
    expect(grants('role:viewer')).toEqual(['view page:home', 'run query:list']);
  });

  test('role inherits through two levels', () => {
    expect(grants('role:lead')).toEqual(['view page:home', 'run query:list', 'run action:close']);
  });

  test('members get the roles they reach', () => {
    expect(grants('group:agents')).toEqual(['view page:home', 'run query:list', 'run action:close']);
    expect(grants('user:ana@example.com')).toEqual(['view page:home', 'run query:list', 'run action:close']);
    expect(grants('group:staff')).toEqual(['view page:home', 'run query:list']);
  });

  test('role the policy never names is absent', () => {
    expect(grants('role:unused')).toBeUndefined();
  });

  test('reached roles are listed', () => {
    const agents = effectiveAccess(buildPolicy(spec)).find((access) => access.subject === 'group:agents');
    expect(agents?.roles).toEqual(['agent', 'viewer']);
  });

  test('cycle in the rules does not hang', () => {
    const policy = { domain: 'd', policies: [['role:a', 'd', 'page:p', 'view']], groupings: [['role:a', 'role:b', 'd'], ['role:b', 'role:a', 'd'], ['group:g', 'role:b', 'd']] };
    const access = effectiveAccess(policy);
    expect(access.find((entry) => entry.subject === 'group:g')?.permissions).toEqual([{ object: 'page:p', act: 'view' }]);
  });
});
