// One Casbin enforcer per app version, built from rule arrays (never from CSV
// text, so a name with a comma or quote cannot add or shift a rule). A reload
// builds a new one and the registry swaps it in whole.
import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { POLICY_MODEL, userSubject } from '../core/policy.js';
import type { AppPolicy } from '../core/model.js';
import type { Identity } from './identity.js';
import type { Logger } from './log.js';

export type PolicyObject = `page:${string}` | `query:${string}` | `action:${string}`;
export type PolicyAct = 'view' | 'run';

/** Decisions kept per enforcer; the cache is dropped whole when it reaches this size. */
const DECISION_CACHE_SIZE = 10_000;

/**
 * Answers "may this identity do this" for one app, denying by default.
 * An enforcer never changes after build (a reload builds a new one), so its
 * decisions are cached.
 */
export class AppEnforcer {
  readonly #enforcer: Enforcer;
  readonly #decisions = new Map<string, boolean>();
  readonly #domain: string;
  readonly #log: Logger;

  private constructor(enforcer: Enforcer, domain: string, log: Logger) {
    this.#enforcer = enforcer;
    this.#domain = domain;
    this.#log = log;
  }

  static async build(policy: AppPolicy, log: Logger): Promise<AppEnforcer> {
    const enforcer = await newEnforcer(newModelFromString(POLICY_MODEL));
    if (policy.policies.length > 0) await enforcer.addPolicies(policy.policies);
    if (policy.groupings.length > 0) await enforcer.addGroupingPolicies(policy.groupings);
    return new AppEnforcer(enforcer, policy.domain, log);
  }

  /**
   * Returns true when the user, or one of their groups, holds a role that
   * allows `act` on `object`. An empty subject and any enforcement error deny.
   */
  allows(identity: Identity | undefined, object: PolicyObject, act: PolicyAct): boolean {
    if (!identity || identity.id.trim() === '') return false;
    const subjects = [userSubject(identity.id), ...identity.groups.filter((group) => group !== '').map((group) => `group:${group}`)];
    const key = JSON.stringify([subjects, object, act]);
    const cached = this.#decisions.get(key);
    if (cached !== undefined) return cached;

    let allowed: boolean;
    try {
      allowed = subjects.some((subject) => this.#enforcer.enforceSync(subject, this.#domain, object, act) === true);
    } catch (err) {
      this.#log.error({ err, app: this.#domain, object, act }, 'policy check failed; denying');
      return false;
    }
    if (this.#decisions.size >= DECISION_CACHE_SIZE) this.#decisions.clear();
    this.#decisions.set(key, allowed);
    return allowed;
  }
}
