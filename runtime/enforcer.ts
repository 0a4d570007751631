// One Casbin enforcer per app version, built from rule arrays (never from CSV
// text, so a name with a comma or quote cannot add or shift a rule). A reload
// builds a new one and the registry swaps it in whole.
import { newEnforcer, newModelFromString } from 'casbin';
import { POLICY_MODEL, userSubject } from '../core/policy.js';
import type { AppPolicy } from '../core/model.js';
import type { Identity } from './identity.js';
import type { Logger } from './log.js';

export type PolicyObject = `page:${string}` | `query:${string}` | `action:${string}`;
export type PolicyAct = 'view' | 'run';

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
export class AppEnforcer {
  readonly #permissions: Map<string, Set<string>>;
  readonly #domain: string;
  readonly #log: Logger;

  private constructor(permissions: Map<string, Set<string>>, domain: string, log: Logger) {
    this.#permissions = permissions;
    this.#domain = domain;
    this.#log = log;
  }

  static async build(policy: AppPolicy, log: Logger): Promise<AppEnforcer> {
    const enforcer = await newEnforcer(newModelFromString(POLICY_MODEL));
    if (policy.policies.length > 0) await enforcer.addPolicies(policy.policies);
    if (policy.groupings.length > 0) await enforcer.addGroupingPolicies(policy.groupings);

    const members = new Set(policy.groupings.map((rule) => rule[0]).filter((subject) => subject.startsWith('user:') || subject.startsWith('group:')));
    const permissions = new Map<string, Set<string>>();
    for (const subject of members) {
      const rules = await enforcer.getImplicitPermissionsForUser(subject, policy.domain);
      permissions.set(subject, new Set(rules.filter((rule) => rule[1] === policy.domain).map((rule) => permissionKey(rule[2], rule[3]))));
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
      const subjects = [userSubject(identity.id), ...identity.groups.filter((group) => group !== '').map((group) => `group:${group}`)];
      return subjects.some((subject) => this.#permissions.get(subject)?.has(key) === true);
    } catch (err) {
      this.#log.error({ err, app: this.#domain, object, act }, 'policy check failed; denying');
      return false;
    }
  }
}
