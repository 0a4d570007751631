// Semantic diff of two versions of a set of apps: who gained or lost which
// permission, then what changed in apps, pages, queries, actions, data sources
// and roles. Pure comparison; `opsdeck diff` reads the two versions.
import { comparePermissions, compareSubjects, effectiveAccess, permissionKey, type Permission, type SubjectAccess, type SubjectKind } from './access.js';
import { diffAppSpecs } from './diff-spec.js';
import type { AppModel, AppPolicy } from './model.js';

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
    const subjects = diffAccess(a?.policy, b?.policy);
    if (subjects.length > 0) access.push({ app: id, subjects });

    const changes = diffAppSpecs(id, a?.spec, b?.spec);
    if (changes.length > 0 || a === undefined || b === undefined) {
      const status: ChangeStatus = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
      apps.push({ app: id, status, title: (b ?? a)?.title ?? id, changes });
    }
  }
  const widened = access.some((app) => app.subjects.some((subject) => subject.gained.length > 0));
  return { widened, access, apps };
}

/** Compares the effective access of every subject in two versions of one app's policy. */
export function diffAccess(base: AppPolicy | undefined, head: AppPolicy | undefined): SubjectAccessChange[] {
  const before = indexBySubject(base === undefined ? [] : effectiveAccess(base));
  const after = indexBySubject(head === undefined ? [] : effectiveAccess(head));
  const subjects = [...new Set([...before.keys(), ...after.keys()])];

  const out: SubjectAccessChange[] = [];
  for (const subject of subjects) {
    const a = before.get(subject);
    const b = after.get(subject);
    const known = (b ?? a) as SubjectAccess;
    const had = new Set((a?.permissions ?? []).map(permissionKey));
    const has = new Set((b?.permissions ?? []).map(permissionKey));
    const gained = (b?.permissions ?? []).filter((p) => !had.has(permissionKey(p)));
    const lost = (a?.permissions ?? []).filter((p) => !has.has(permissionKey(p)));
    if (gained.length === 0 && lost.length === 0) continue;
    out.push({ subject, kind: known.kind, name: known.name, gained: gained.sort(comparePermissions), lost: lost.sort(comparePermissions) });
  }
  return out.sort(compareSubjects);
}

function indexBySubject(list: SubjectAccess[]): Map<string, SubjectAccess> {
  return new Map(list.map((entry) => [entry.subject, entry]));
}
