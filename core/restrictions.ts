// Combines the restrictions of the roles through which a user reaches a
// query: the rows any of them sees, and the columns any of them shows. Shared
// by the server (which applies it) and the access diff (which reports it).
import type { Restriction } from './model.js';
import type { RowRule } from './row-rules.js';

/** What one user sees of one query. */
export interface CombinedRestriction {
  /** Row rules of the granting roles, joined with `or`; undefined when some granting role sees every row. An empty list matches no row. */
  rows?: RowRule[];
  /** Columns no granting role receives. */
  hidden: Set<string>;
  /** Columns the best granting role receives only masked. */
  masked: Set<string>;
}

/** Combines the restrictions of `roles`; a role without an entry in `restrict` sees everything. */
export function combineRestrictions(restrict: Record<string, Restriction>, roles: string[]): CombinedRestriction {
  const rules: RowRule[] = [];
  let everyRow = false;
  let hidden: Set<string> | undefined;
  let limited: Set<string> | undefined;
  for (const role of roles) {
    const restriction = Object.hasOwn(restrict, role) ? restrict[role] : undefined;
    if (restriction?.rows === undefined) everyRow = true;
    else rules.push(restriction.rows);
    const roleHidden = new Set(restriction?.hide ?? []);
    const roleLimited = new Set([...roleHidden, ...(restriction?.mask ?? [])]);
    // A column stays hidden only when every role hides it, and masked only when no role shows it in full.
    hidden = hidden === undefined ? roleHidden : intersect(hidden, roleHidden);
    limited = limited === undefined ? roleLimited : intersect(limited, roleLimited);
  }
  const hiddenColumns = hidden ?? new Set<string>();
  const maskedColumns = new Set([...(limited ?? [])].filter((column) => !hiddenColumns.has(column)));
  // No granting role at all leaves an empty rule list, which matches no row.
  return { rows: everyRow ? undefined : rules, hidden: hiddenColumns, masked: maskedColumns };
}

function intersect(a: Set<string>, b: Set<string>): Set<string> {
  return new Set([...a].filter((item) => b.has(item)));
}
