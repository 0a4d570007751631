// Policy check cost as the policy grows: 10, 100 and 1,000 rules, each
// reported as a ratio against the 10-rule policy measured in the same run.
// Run with `npm run bench` (it builds first).
import { pino } from 'pino';
import { AppEnforcer } from '../dist/runtime/enforcer.js';
import { makeIdentity } from '../dist/runtime/identity.js';

const log = pino({ level: 'silent' });
const CHECKS = 200_000;

/** A policy with `rules` permission rules spread over ten roles, each role inheriting the previous one. */
function policyOf(rules) {
  const policies = [];
  for (let index = 0; index < rules; index++) policies.push([`role:r${index % 10}`, 'bench', `action:a${index}`, 'run']);
  const groupings = [['group:staff', 'role:r9', 'bench']];
  for (let role = 9; role > 0; role--) groupings.push([`role:r${role}`, `role:r${role - 1}`, 'bench']);
  return { domain: 'bench', policies, groupings };
}

const identity = makeIdentity('ana@example.com', 'Ana', ['staff', 'other']);
const results = [];
for (const rules of [10, 100, 1000]) {
  const enforcer = await AppEnforcer.build(policyOf(rules), log);
  let allowed = 0;
  const started = performance.now();
  for (let check = 0; check < CHECKS; check++) if (enforcer.allows(identity, `action:a${check % rules}`, 'run')) allowed++;
  const nsPerCheck = ((performance.now() - started) * 1e6) / CHECKS;
  if (allowed !== CHECKS) throw new Error(`expected every check to be allowed, got ${allowed} of ${CHECKS}`);
  results.push({ rules, nsPerCheck });
}
for (const { rules, nsPerCheck } of results) {
  console.log(`policy check, ${String(rules).padStart(4)} rules: ${nsPerCheck.toFixed(0)} ns  ratio ${(nsPerCheck / results[0].nsPerCheck).toFixed(2)} against 10 rules (target at 1,000: <= 2)`);
}
