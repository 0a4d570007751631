// Turns the claims of a verified ID token (merged with the userinfo response)
// into an Opsdeck identity, as `identity.oidc` configures.
import type { OidcSettings } from '../../core/settings.js';
import { makeIdentity, type Identity } from '../identity.js';

/** Raised when the claims cannot make an identity; the message names the claim and the fix. */
export class ClaimError extends Error {}

/**
 * Builds the identity. The user id is the `email` claim, or `sub` when there is
 * no email or the provider marks it `email_verified: false`.
 * The groups claim must be a list of strings, and one string is one group that
 * is never split.
 */
export function identityFromClaims(claims: Record<string, unknown>, settings: Pick<OidcSettings, 'groupsClaim' | 'nameClaim' | 'attributeClaims'>): Identity {
  const email = typeof claims.email === 'string' && claims.email_verified !== false ? claims.email.trim() : '';
  const sub = typeof claims.sub === 'string' ? claims.sub.trim() : '';
  const id = email !== '' ? email : sub;
  if (id === '') throw new ClaimError('The ID token has neither an `email` nor a `sub` claim, so the user cannot be identified.');

  const name = claims[settings.nameClaim];
  const identity = makeIdentity(id, typeof name === 'string' ? name : undefined, readGroups(claims[settings.groupsClaim], settings.groupsClaim), readAttributes(claims, settings.attributeClaims));
  return identity;
}

function readGroups(value: unknown, claim: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((group) => typeof group === 'string')) return value;
  throw new ClaimError(`The \`${claim}\` claim must be a list of strings or one string (got ${describe(value)}). Map the provider's groups to a list of names, or set identity.oidc.groupsClaim to the claim that holds them.`);
}

function readAttributes(claims: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const name of names) {
    if (Object.hasOwn(claims, name) && claims[name] !== null) attributes[name] = claims[name];
  }
  return attributes;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list with values that are not strings';
  return typeof value;
}
