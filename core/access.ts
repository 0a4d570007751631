// Effective access: what each role, group and user of an app may do once
// role inheritance is resolved. Computed from the compiled policy, so it agrees
// with what the Casbin enforcer decides.
import type { AppPolicy } from './model.js';

/** Kind of a policy subject, taken from its prefix (`role:`, `group:`, `user:`). */
export type SubjectKind = 'role' | 'group' | 'user';

/** One permission: an act on an object, such as `run` on `action:flagCustomer`. */
export interface Permission {
  /** Policy object: `page:<id>`, `query:<id>` or `action:<id>`. */
  object: string;
  /** `view` for pages, `run` for queries and actions; for what a query shows, `rows`, `column` and `masked column` (see core/data-access.ts). */
  act: string;
  /** The row rule of `rows` (absent: every row), or the column name of `column` and `masked column`. */
  detail?: string;
}

/** The permissions one subject holds, directly or through the roles it belongs to or inherits. */
export interface SubjectAccess {
  /** Policy subject, such as `group:support`. */
  subject: string;
  kind: SubjectKind;
  /** Subject without its prefix. */
  name: string;
  /** Roles the subject reaches, directly or through inheritance, sorted; for a role it includes the role itself. */
  roles: string[];
  /** Permissions in report order (see comparePermissions). */
  permissions: Permission[];
}

/** Returns the key that identifies a permission in sets and maps: `run action:flagCustomer`. */
export function permissionKey(permission: Permission): string {
  return permission.detail === undefined ? `${permission.act} ${permission.object}` : `${permission.act} ${permission.object} ${permission.detail}`;
}

/** Returns the kind of a subject from its prefix, or undefined for a subject of no known kind. */
export function subjectKind(subject: string): SubjectKind | undefined {
  const prefix = subject.slice(0, subject.indexOf(':'));
  return prefix === 'role' || prefix === 'group' || prefix === 'user' ? prefix : undefined;
}

/**
 * Computes the effective access of every subject the policy names: each role
 * (including roles that only appear in `inherits:` or allow lists), each group
 * and each user listed as a member. Subjects are sorted by kind (roles, groups,
 * users), then by name.
 */
export function effectiveAccess(policy: AppPolicy): SubjectAccess[] {
  const own = new Map<string, Permission[]>();
  const parents = new Map<string, string[]>();
  const directRoles = new Map<string, string[]>();
  const append = <T>(map: Map<string, T[]>, key: string, value: T): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [value]);
    else list.push(value);
  };

  for (const [subject, , object, act] of policy.policies) append(own, subject, { object, act });
  for (const [member, role] of policy.groupings) {
    if (!parents.has(role)) parents.set(role, []);
    if (member.startsWith('role:')) append(parents, member, role);
    else append(directRoles, member, role);
  }
  for (const role of own.keys()) if (!parents.has(role)) parents.set(role, []);

  const reachable = (start: string[]): string[] => {
    const seen = new Set<string>();
    const pending = [...start];
    // Inheritance cycles are rejected by validation; the seen set keeps this safe if one slips through.
    while (pending.length > 0) {
      const role = pending.pop() as string;
      if (seen.has(role)) continue;
      seen.add(role);
      pending.push(...(parents.get(role) ?? []));
    }
    return [...seen];
  };

  const describe = (subject: string, roles: string[]): SubjectAccess => {
    const byKey = new Map<string, Permission>();
    for (const role of roles) for (const permission of own.get(role) ?? []) byKey.set(permissionKey(permission), permission);
    return {
      subject,
      kind: subjectKind(subject) as SubjectKind,
      name: subject.slice(subject.indexOf(':') + 1),
      roles: roles.map((role) => role.slice('role:'.length)).sort(),
      permissions: [...byKey.values()].sort(comparePermissions),
    };
  };

  const out: SubjectAccess[] = [];
  for (const role of parents.keys()) out.push(describe(role, reachable([role])));
  for (const [member, roles] of directRoles) {
    if (subjectKind(member) === undefined) continue;
    out.push(describe(member, reachable(roles)));
  }
  return out.sort(compareSubjects);
}

const KIND_ORDER: Record<SubjectKind, number> = { role: 0, group: 1, user: 2 };

/** Orders subjects as reports list them: roles, then groups, then users, each by name. */
export function compareSubjects(a: { kind: SubjectKind; name: string }, b: { kind: SubjectKind; name: string }): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compareText(a.name, b.name);
}

const OBJECT_ORDER: Record<string, number> = { page: 0, query: 1, action: 2 };

/** Orders permissions as reports list them: pages, then queries, then actions, each by id, then by act. */
export function comparePermissions(a: Permission, b: Permission): number {
  const rank = (object: string): number => OBJECT_ORDER[object.slice(0, object.indexOf(':'))] ?? 3;
  return rank(a.object) - rank(b.object) || compareText(a.object, b.object) || compareText(a.act, b.act) || compareText(a.detail ?? '', b.detail ?? '');
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
