// Who is asking. Built by the identity middleware (dev session or trusted
// proxy headers); everything downstream reads it and never the raw request.

export interface Identity {
  /** Canonical user id: trimmed, and lower case when it is an email address. */
  id: string;
  name: string;
  email?: string;
  groups: string[];
  /** Attributes from the identity provider or dev user (such as `region`), read by row rules; a list holds several values. */
  attributes: Record<string, IdentityAttribute>;
}

/** One identity attribute: a single value or a list of values. */
export type IdentityAttribute = string | number | boolean | Array<string | number | boolean>;

/** Returns the canonical form of a user id, so `Ana@Example.com` and `ana@example.com` are one user. */
export function canonicalUserId(raw: string): string {
  const id = raw.trim();
  return id.includes('@') ? id.toLowerCase() : id;
}

/** Builds an identity from untrusted strings, dropping empty and duplicate groups and attributes that are not scalars or lists of scalars. */
export function makeIdentity(rawId: string, name: string | undefined, groups: string[], attributes: Record<string, unknown> = {}): Identity {
  const id = canonicalUserId(rawId);
  const cleanGroups = [...new Set(groups.map((group) => group.trim()).filter((group) => group !== ''))];
  return { id, name: name?.trim() || id, email: id.includes('@') ? id : undefined, groups: cleanGroups, attributes: cleanAttributes(attributes) };
}

const isScalar = (value: unknown): value is string | number | boolean => typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

/** Keeps attributes whose value is a scalar or a list of scalars, under names of letters, digits, `_` and `-`. */
function cleanAttributes(raw: Record<string, unknown>): Record<string, IdentityAttribute> {
  const clean: Record<string, IdentityAttribute> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(key)) continue;
    if (isScalar(value)) clean[key] = value;
    else if (Array.isArray(value) && value.every(isScalar)) clean[key] = [...value];
  }
  return clean;
}
