// Semantic diff of two versions of a set of apps: who gained or lost which
// permission, then what changed in apps, pages, queries, actions, data sources
// and roles. Pure comparison; `opsdeck diff` reads the two versions.
import { comparePermissions, compareSubjects, effectiveAccess, permissionKey, type Permission, type SubjectAccess, type SubjectKind } from './access.js';
import { diffAppSpecs } from './diff-spec.js';
import { dataPermissions, restrictedColumns } from './data-access.js';
import type { AppModel } from './model.js';

export { renderDiffMarkdown, renderDiffText, type RenderOptions } from './diff-render.js';

/** Status of an item in the head version compared with the base version. */
export type ChangeStatus = 'added' | 'removed' | 'changed';

/** The part of an app a change is about. */
export type ChangeArea = 'app' | 'datasource' | 'role' | 'page' | 'query' | 'action';

/** One changed item of an app, such as a query, with what changed in plain words. */
export interface Change {
  area: ChangeArea;
  /** Id of the item; for `area: 'app'` the app id. */
  id: string;
  status: ChangeStatus;
  /** One sentence per difference, such as "parameter `reason` added (string, required)". */
  details: string[];
  /** Compact unified diff of the SQL text when it changed: lines starting with `- `, `+ ` or two spaces; `…` marks skipped lines. */
  sqlDiff?: string[];
}

/** The changes of one app, which exists in at least one of the two versions. */
export interface AppChange {
  app: string;
  status: ChangeStatus;
  /** Title in the head version, or in the base version when the app was removed. */
  title: string;
  changes: Change[];
}

/** The permissions one subject gained and lost. */
export interface SubjectAccessChange {
  subject: string;
  kind: SubjectKind;
  name: string;
  gained: Permission[];
  lost: Permission[];
}

/** The access changes of one app: only subjects that gained or lost something. */
export interface AppAccessChange {
  app: string;
  subjects: SubjectAccessChange[];
}

/** Everything that differs between two versions. */
export interface SpecDiff {
  /** True when any subject gained any permission. */
  widened: boolean;
  /** Access changes, one entry per app in which a subject gained or lost a permission, sorted by app id. */
  access: AppAccessChange[];
  /** Other changes, one entry per app that differs, sorted by app id. */
  apps: AppChange[];
}

/**
 * Compares two versions of a set of apps, matched by app id. An app present in
 * one version only counts as added or removed, together with all it grants.
 */
export function diffApps(base: AppModel[], head: AppModel[]): SpecDiff {
  const before = new Map(base.map((app) => [app.id, app]));
  const after = new Map(head.map((app) => [app.id, app]));
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();

  const access: AppAccessChange[] = [];
  const apps: AppChange[] = [];
  for (const id of ids) {
    const a = before.get(id);
    const b = after.get(id);
    const subjects = diffAccess(a, b);
    if (subjects.length > 0) access.push({ app: id, subjects });

    const changes = diffAppSpecs(id, a?.spec, b?.spec);
    if (changes.length > 0 || a === undefined || b === undefined) {
      const status: ChangeStatus = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
      apps.push({ app: id, status, title: (b ?? a)?.title ?? id, changes });
    }
  }
  const widened = access.some((app) => app.subjects.some(widens));
  return { widened, access, apps };
}

/**
 * Compares the effective access of every subject in two versions of one app:
 * its pages, queries and actions, and for each query the rows and columns it
 * sees.
 */
export function diffAccess(base: AppModel | undefined, head: AppModel | undefined): SubjectAccessChange[] {
  const named = (queryId: string): Set<string> => restrictedColumns([base, head], queryId);
  const withData = (model: AppModel | undefined): SubjectAccess[] =>
    model === undefined ? [] : effectiveAccess(model.policy).map((entry) => ({ ...entry, permissions: [...entry.permissions, ...dataPermissions(model, entry, named)] }));
  const before = indexBySubject(withData(base));
  const after = indexBySubject(withData(head));
  const subjects = [...new Set([...before.keys(), ...after.keys()])];

  const out: SubjectAccessChange[] = [];
  for (const subject of subjects) {
    const a = before.get(subject);
    const b = after.get(subject);
    const known = (b ?? a) as SubjectAccess;
    const had = new Set((a?.permissions ?? []).map(permissionKey));
    const has = new Set((b?.permissions ?? []).map(permissionKey));
    const gained = withoutImplied((b?.permissions ?? []).filter((p) => !had.has(permissionKey(p))));
    const lost = withoutImplied((a?.permissions ?? []).filter((p) => !has.has(permissionKey(p))));
    if (gained.length === 0 && lost.length === 0) continue;
    out.push({ subject, kind: known.kind, name: known.name, gained: gained.sort(comparePermissions), lost: lost.sort(comparePermissions) });
  }
  return out.sort(compareSubjects);
}

/**
 * Drops what another entry of the same list already says: `masked column c`
 * next to `column c`, and, next to `run query:x`, the columns of query x and
 * its "every row". A row rule stays, since it limits the new query.
 */
function withoutImplied(list: Permission[]): Permission[] {
  const full = new Set(list.filter((p) => p.act === 'column').map((p) => `${p.object} ${p.detail}`));
  const queries = new Set(list.filter((p) => p.act === 'run' && p.object.startsWith('query:')).map((p) => p.object));
  return list.filter((p) => {
    if (p.act === 'masked column' && full.has(`${p.object} ${p.detail}`)) return false;
    if (!queries.has(p.object)) return true;
    return p.act === 'run' || (p.act === 'rows' && p.detail !== undefined);
  });
}

/**
 * True when the subject gained anything. A new row rule in place of "every
 * row" narrows, so it does not count; any other change of a row rule counts,
 * because whether it selects more rows cannot be told from the text.
 */
function widens(change: SubjectAccessChange): boolean {
  const lostEveryRow = new Set(change.lost.filter((p) => p.act === 'rows' && p.detail === undefined).map((p) => p.object));
  return change.gained.some((p) => !(p.act === 'rows' && p.detail !== undefined && lostEveryRow.has(p.object)));
}

function indexBySubject(list: SubjectAccess[]): Map<string, SubjectAccess> {
  return new Map(list.map((entry) => [entry.subject, entry]));
}
