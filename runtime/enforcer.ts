// One Casbin enforcer per app version, built from rule arrays (never from CSV
// text, so a name with a comma or quote cannot add or shift a rule). A reload
// builds a new one and the registry swaps it in whole.
import { newEnforcer, newModelFromString } from 'casbin';
import { POLICY_MODEL, userSubject } from '../core/policy.js';
import type { AppPolicy } from '../core/model.js';
import type { Identity } from './identity.js';
import type { Logger } from './log.js';

export type PolicyObject = `page:${string}` | `query:${string}` | `action:${string}` | `job:${string}` | 'audit';
export type PolicyAct = 'view' | 'run' | 'approve' | 'export';

const permissionKey = (object: string, act: string): string => JSON.stringify([object, act]);

/**
 * Answers "may this identity do this" for one app, denying by default.
 *
 * Casbin resolves, once per app version, the implicit permissions (own and
 * inherited through roles) of every user and group the policy names. A check
 * is then a set lookup per subject, so its cost does not grow with the number
 * of rules; a subject the policy does not name has no permissions. The sets
 * equal what the model's matcher would decide, because it compares the
 * domain, object and act exactly.
 */
/** Outcome of a policy check, with the rule that allowed it; a denial has no rule. */
export interface Decision {
  allowed: boolean;
  /** The allowing rule, as `role:<name> <act> <object>`, with the member that has the role (`user:<id>` or `group:<name>`); absent on a denial. */
  rule?: string;
  via?: string;
  /** Role that contains the allowing rule; absent on a denial. */
  role?: string;
}

export class AppEnforcer {
  /** Per member subject: permission key to the roles holding the rule, in the order Casbin listed them. */
  readonly #permissions: Map<string, Map<string, string[]>>;
  readonly #domain: string;
  readonly #log: Logger;

  private constructor(permissions: Map<string, Map<string, string[]>>, domain: string, log: Logger) {
    this.#permissions = permissions;
    this.#domain = domain;
    this.#log = log;
  }

  static async build(policy: AppPolicy, log: Logger): Promise<AppEnforcer> {
    const enforcer = await newEnforcer(newModelFromString(POLICY_MODEL));
    if (policy.policies.length > 0) await enforcer.addPolicies(policy.policies);
    if (policy.groupings.length > 0) await enforcer.addGroupingPolicies(policy.groupings);

    const members = new Set(policy.groupings.map((rule) => rule[0]).filter((subject) => subject.startsWith('user:') || subject.startsWith('group:')));
    const permissions = new Map<string, Map<string, string[]>>();
    for (const subject of members) {
      const rules = await enforcer.getImplicitPermissionsForUser(subject, policy.domain);
      const held = new Map<string, string[]>();
      for (const rule of rules) {
        if (rule[1] !== policy.domain) continue;
        const key = permissionKey(rule[2], rule[3]);
        const roles = held.get(key) ?? [];
        if (!roles.includes(rule[0])) roles.push(rule[0]);
        held.set(key, roles);
      }
      permissions.set(subject, held);
    }
    return new AppEnforcer(permissions, policy.domain, log);
  }

  /**
   * Returns true when the user, or one of their groups, holds a role that
   * allows `act` on `object`. An empty subject and any error deny.
   */
  allows(identity: Identity | undefined, object: PolicyObject, act: PolicyAct): boolean {
    if (!identity || identity.id.trim() === '') return false;
    try {
      const key = permissionKey(object, act);
      if (this.#permissions.get(userSubject(identity.id))?.has(key) === true) return true;
      return identity.groups.some((group) => group !== '' && this.#permissions.get(`group:${group}`)?.has(key) === true);
    } catch (err) {
      this.#log.error({ err, app: this.#domain, object, act }, 'policy check failed; denying');
      return false;
    }
  }

  /** Like `allows`, and names the rule that allowed the request, for audit records and `opsdeck explain`. */
  decide(identity: Identity | undefined, object: PolicyObject, act: PolicyAct): Decision {
    if (!identity || identity.id.trim() === '') return { allowed: false };
    try {
      const key = permissionKey(object, act);
      for (const subject of this.subjectsOf(identity)) {
        const role = this.#permissions.get(subject)?.get(key)?.[0];
        if (role !== undefined) return { allowed: true, role: role.replace(/^role:/, ''), via: subject, rule: `${role} ${act} ${object}` };
      }
      return { allowed: false };
    } catch (err) {
      this.#log.error({ err, app: this.#domain, object, act }, 'policy check failed; denying');
      return { allowed: false };
    }
  }

  /** Returns every role through which the identity may do `act` on `object` (row and column rules apply per granting role); empty when denied. */
  grantingRoles(identity: Identity | undefined, object: PolicyObject, act: PolicyAct): string[] {
    if (!identity || identity.id.trim() === '') return [];
    const key = permissionKey(object, act);
    const roles = new Set<string>();
    for (const subject of this.subjectsOf(identity)) for (const role of this.#permissions.get(subject)?.get(key) ?? []) roles.add(role.replace(/^role:/, ''));
    return [...roles];
  }

  private subjectsOf(identity: Identity): string[] {
    return [userSubject(identity.id), ...identity.groups.filter((group) => group !== '').map((group) => `group:${group}`)];
  }
}
