// Access policy: Casbin rules generated from roles and allow lists, and a readable listing for review.
import type { AppPolicy, PolicyRule } from './model.js';
import type { AppSpec } from './spec.js';

/**
 * Casbin model text: RBAC with domains, one domain per app. Subjects are
 * `user:<id>`, `group:<name>` and `role:<name>`; a request is allowed when a
 * subject reaches a role holding exactly that object and act in that app.
 */
export const POLICY_MODEL = `[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
`;

/** Returns the policy subject of a user id; ids that look like email addresses are lower-cased, as identity providers differ in case. */
export function userSubject(id: string): string {
  return `user:${id.includes('@') ? id.toLowerCase() : id}`;
}

/** Builds the `p` and `g` rules of an app from its roles, members and allow lists. */
export function buildPolicy(spec: AppSpec): AppPolicy {
  const domain = spec.id;
  const policies: PolicyRule[] = [];
  const groupings: PolicyRule[] = [];
  const seen = new Set<string>();
  const add = (list: PolicyRule[], rule: PolicyRule): void => {
    const key = JSON.stringify(rule);
    if (seen.has(key)) return;
    seen.add(key);
    list.push(rule);
  };

  const grant = (allow: string[], object: string, act: string): void => {
    for (const role of allow) add(policies, [`role:${role}`, domain, object, act]);
  };
  for (const [id, page] of Object.entries(spec.pages)) grant(page.allow, `page:${id}`, 'view');
  for (const [id, query] of Object.entries(spec.queries ?? {})) grant(query.allow, `query:${id}`, 'run');
  for (const [id, query] of Object.entries(spec.queries ?? {})) grant(query.export?.allow ?? [], `query:${id}`, 'export');
  for (const [id, action] of Object.entries(spec.actions ?? {})) grant(action.allow, `action:${id}`, 'run');
  for (const [id, job] of Object.entries(spec.jobs ?? {})) grant(job.allow, `job:${id}`, 'run');
  grant(spec.audit?.viewers ?? [], 'audit', 'view');
  for (const [id, action] of Object.entries(spec.actions ?? {})) if (action.approval) grant(action.approval.by, `action:${id}`, 'approve');
  // A superuser's grants are written out one by one, so no wildcard ever reaches Casbin and the review listing shows each.
  const superusers = Object.entries(spec.roles).filter(([, role]) => role.superuser === true).map(([id]) => id);
  if (superusers.length > 0) {
    for (const id of Object.keys(spec.pages)) grant(superusers, `page:${id}`, 'view');
    for (const id of Object.keys(spec.queries ?? {})) grant(superusers, `query:${id}`, 'run');
    // Only SQL queries can be exported (core/access-rules-check.ts rejects `export:` on HTTP queries).
    for (const [id, query] of Object.entries(spec.queries ?? {})) if (query.sql !== undefined) grant(superusers, `query:${id}`, 'export');
    for (const [id, action] of Object.entries(spec.actions ?? {})) {
      grant(superusers, `action:${id}`, 'run');
      // Approving stays four-eyes: the approval routes still refuse a superuser's own request.
      if (action.approval) grant(superusers, `action:${id}`, 'approve');
    }
    for (const id of Object.keys(spec.jobs ?? {})) grant(superusers, `job:${id}`, 'run');
    grant(superusers, 'audit', 'view');
  }

  for (const [role, roleSpec] of Object.entries(spec.roles)) {
    for (const user of roleSpec.members?.users ?? []) add(groupings, [userSubject(user), `role:${role}`, domain]);
    for (const group of roleSpec.members?.groups ?? []) add(groupings, [`group:${group}`, `role:${role}`, domain]);
    // The child is linked to the parent so Casbin finds the parent's rules through the child.
    for (const parent of roleSpec.inherits ?? []) add(groupings, [`role:${role}`, `role:${parent}`, domain]);
  }
  return { domain, policies, groupings };
}

interface RoleSummary {
  members: string[];
  parents: string[];
  own: PolicyRule[];
}

/** Returns every role reachable from `role` through inheritance, itself first; safe on cycles. */
function reachableRoles(role: string, roles: Map<string, RoleSummary>): string[] {
  const order: string[] = [];
  const pending = [role];
  while (pending.length > 0) {
    const next = pending.shift() as string;
    if (order.includes(next)) continue;
    order.push(next);
    pending.push(...(roles.get(next)?.parents ?? []));
  }
  return order;
}

/**
 * Formats a policy for review, one block per role: its members, the roles it
 * inherits, and every permission it holds with the role each one comes from.
 */
export function formatPolicy(policy: AppPolicy): string {
  const roles = new Map<string, RoleSummary>();
  const roleOf = (subject: string): RoleSummary => {
    const name = subject.replace(/^role:/, '');
    let summary = roles.get(name);
    if (summary === undefined) {
      summary = { members: [], parents: [], own: [] };
      roles.set(name, summary);
    }
    return summary;
  };

  for (const rule of policy.policies) roleOf(rule[0]).own.push(rule);
  for (const [member, role] of policy.groupings) {
    if (member.startsWith('role:')) roleOf(member).parents.push(role.replace(/^role:/, ''));
    else roleOf(role).members.push(member);
  }

  const lines = [`app ${policy.domain}`];
  for (const name of [...roles.keys()].sort()) {
    const summary = roles.get(name) as RoleSummary;
    lines.push('', `role ${name}`);
    lines.push(`  members: ${summary.members.length > 0 ? summary.members.join(', ') : '(none)'}`);
    if (summary.parents.length > 0) lines.push(`  inherits: ${summary.parents.join(', ')}`);

    const permissions: string[] = [];
    const listed = new Set<string>();
    for (const source of reachableRoles(name, roles)) {
      for (const [, , object, act] of roles.get(source)?.own ?? []) {
        if (listed.has(`${act} ${object}`)) continue;
        listed.add(`${act} ${object}`);
        permissions.push(`${act} ${object}${source === name ? '' : ` (from ${source})`}`);
      }
    }
    if (permissions.length === 0) lines.push('  may: nothing');
    else lines.push('  may:', ...permissions.map((p) => `    ${p}`));
  }
  return `${lines.join('\n')}\n`;
}
