// Who is asking. Built by the identity middleware (dev session or trusted
// proxy headers); everything downstream reads it and never the raw request.

export interface Identity {
  /** Canonical user id: trimmed, and lower case when it is an email address. */
  id: string;
  name: string;
  email?: string;
  groups: string[];
}

/** Returns the canonical form of a user id, so `Ana@Example.com` and `ana@example.com` are one user. */
export function canonicalUserId(raw: string): string {
  const id = raw.trim();
  return id.includes('@') ? id.toLowerCase() : id;
}

/** Builds an identity from untrusted strings, dropping empty and duplicate groups. */
export function makeIdentity(rawId: string, name: string | undefined, groups: string[]): Identity {
  const id = canonicalUserId(rawId);
  const cleanGroups = [...new Set(groups.map((group) => group.trim()).filter((group) => group !== ''))];
  return { id, name: name?.trim() || id, email: id.includes('@') ? id : undefined, groups: cleanGroups };
}
