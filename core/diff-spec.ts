// Spec changes other than access, in plain words: app settings, data
// sources, roles, queries, actions and pages.
import type { Change, ChangeArea, ChangeStatus } from './diff.js';
import { compactDiff, diffLines, formatDiffLines } from './diff-lines.js';
import type { ActionSpec, AppSpec, ComponentSpec, DatasourceSpec, PageSpec, ParamSpec, QuerySpec, RoleSpec } from './spec.js';

/** Data source settings whose values may be shown; any other setting is reported as "changed" only. */
const SHOWN_DATASOURCE_SETTINGS = new Set(['kind', 'file', 'seed', 'migrations']);

/** Values are shortened to this many characters in details. */
const MAX_SHOWN_LENGTH = 80;

/**
 * Lists the changes between two versions of one app, in the order app,
 * data sources, roles, queries, actions, pages; items of each area by id.
 * A missing version counts as empty, so every item of the other one is added or removed.
 */
export function diffAppSpecs(appId: string, base: AppSpec | undefined, head: AppSpec | undefined): Change[] {
  const changes: Change[] = [];
  const appDetails = [
    ...field('title', base?.title, head?.title),
    ...field('description', base?.description, head?.description),
    ...field('home page', base?.home, head?.home),
    ...listChanges('development user', (base?.devUsers ?? []).map((u) => u.id), (head?.devUsers ?? []).map((u) => u.id)),
  ];
  if (base !== undefined && head !== undefined && appDetails.length > 0) changes.push({ area: 'app', id: appId, status: 'changed', details: appDetails });

  changes.push(...diffMap('datasource', base?.datasources, head?.datasources, datasourceDetails));
  changes.push(...diffMap('role', base?.roles, head?.roles, roleDetails));
  changes.push(...diffMap('query', base?.queries, head?.queries, queryDetails));
  changes.push(...diffMap('action', base?.actions, head?.actions, actionDetails));
  changes.push(...diffMap('page', base?.pages, head?.pages, pageDetails));
  return changes;
}

interface Described {
  details: string[];
  sqlDiff?: string[];
}

/** Describes one item's differences; called with `undefined` for the missing side of an added or removed item. */
type Describe<T> = (before: T | undefined, after: T | undefined) => Described;

function diffMap<T>(area: ChangeArea, before: Record<string, T> | undefined, after: Record<string, T> | undefined, describe: Describe<T>): Change[] {
  const a = before ?? {};
  const b = after ?? {};
  const ids = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: Change[] = [];
  for (const id of ids) {
    const had = Object.hasOwn(a, id);
    const has = Object.hasOwn(b, id);
    if (had && has && canonical(a[id]) === canonical(b[id])) continue;
    let status: ChangeStatus = 'changed';
    if (!had) status = 'added';
    else if (!has) status = 'removed';
    const described = describe(had ? a[id] : undefined, has ? b[id] : undefined);
    // Removed items are listed without details: everything about them is gone.
    const change: Change = { area, id, status, details: status === 'removed' ? [] : described.details };
    if (described.sqlDiff !== undefined && status !== 'removed') change.sqlDiff = described.sqlDiff;
    out.push(change);
  }
  return out;
}

function datasourceDetails(before: DatasourceSpec | undefined, after: DatasourceSpec | undefined): Described {
  const a = (before ?? {}) as unknown as Record<string, unknown>;
  const b = (after ?? {}) as unknown as Record<string, unknown>;
  const details: string[] = [];
  for (const key of unionKeys(a, b)) {
    if (canonical(a[key]) === canonical(b[key])) continue;
    // Values from the environment or under settings such as `url` or `password` may be credentials, so only the fact of a change is reported.
    const shown = SHOWN_DATASOURCE_SETTINGS.has(key) && !mayBeSecret(a[key]) && !mayBeSecret(b[key]);
    if (before === undefined) details.push(shown ? `\`${key}\`: ${show(b[key])}` : `\`${key}\` set`);
    else if (shown) details.push(...field(`\`${key}\``, a[key], b[key]));
    else details.push(`\`${key}\` changed`);
  }
  return { details };
}

function roleDetails(before: RoleSpec | undefined, after: RoleSpec | undefined): Described {
  return {
    details: [
      ...field('title', before?.title, after?.title),
      ...field('description', before?.description, after?.description),
      ...listChanges('member user', before?.members?.users ?? [], after?.members?.users ?? []),
      ...listChanges('member group', before?.members?.groups ?? [], after?.members?.groups ?? []),
      ...listChanges('inherited role', before?.inherits ?? [], after?.inherits ?? []),
    ],
  };
}

function queryDetails(before: QuerySpec | undefined, after: QuerySpec | undefined): Described {
  return statementDetails(before, after, []);
}

function actionDetails(before: ActionSpec | undefined, after: ActionSpec | undefined): Described {
  const extra = [
    ...field('description', before?.description, after?.description),
    ...field('expected changed rows', before?.expect?.rows, after?.expect?.rows),
    ...field('confirmation', before?.confirm, after?.confirm),
    ...field('success message', before?.success, after?.success),
    ...field('style', before?.style, after?.style),
    ...(before !== undefined && after !== undefined && canonical(before.steps) !== canonical(after.steps) ? ['steps changed'] : []),
    ...(before !== undefined && after !== undefined && canonical(before.onFailure) !== canonical(after.onFailure) ? ['onFailure step changed'] : []),
    ...field('preview', before?.preview, after?.preview),
  ];
  return statementDetails(before, after, extra);
}

/** Details shared by queries and actions: title, data source, SQL, parameters and allowed roles. */
function statementDetails(before: QuerySpec | ActionSpec | undefined, after: QuerySpec | ActionSpec | undefined, extra: string[]): Described {
  const details = [...field('title', before?.title, after?.title), ...field('data source', before?.datasource, after?.datasource)];
  let sqlDiff: string[] | undefined;
  if (before !== undefined && after !== undefined && before.sql !== after.sql) {
    const lines = diffLines(before.sql ?? '', after.sql ?? '');
    if (lines.every((line) => line.op === ' ')) {
      details.push('SQL changed in whitespace only');
    } else {
      details.push('SQL changed');
      sqlDiff = formatDiffLines(compactDiff(lines));
    }
  }
  details.push(...paramDetails(before, after), ...extra, ...listChanges('allowed role', before?.allow ?? [], after?.allow ?? []));
  return sqlDiff === undefined ? { details } : { details, sqlDiff };
}

function paramDetails(before: QuerySpec | ActionSpec | undefined, after: QuerySpec | ActionSpec | undefined): string[] {
  const a = before?.params ?? {};
  const b = after?.params ?? {};
  const requiredBefore = new Set(before?.required ?? []);
  const requiredAfter = new Set(after?.required ?? []);
  const out: string[] = [];
  for (const name of unionKeys(a, b)) {
    const had = Object.hasOwn(a, name);
    const has = Object.hasOwn(b, name);
    if (!had) {
      out.push(`parameter \`${name}\` added (${paramSummary(b[name], requiredAfter.has(name))})`);
      continue;
    }
    if (!has) {
      out.push(`parameter \`${name}\` removed`);
      continue;
    }
    const secret = a[name].secret === true || b[name].secret === true;
    const aSpec = a[name] as unknown as Record<string, unknown>;
    const bSpec = b[name] as unknown as Record<string, unknown>;
    for (const key of unionKeys(aSpec, bSpec)) {
      if (canonical(aSpec[key]) === canonical(bSpec[key])) continue;
      // The default of a secret parameter is itself a secret.
      if (secret && key === 'default') out.push(`parameter \`${name}\`: \`default\` changed`);
      else out.push(...field(`parameter \`${name}\`: \`${key}\``, aSpec[key], bSpec[key]));
    }
    if (requiredBefore.has(name) !== requiredAfter.has(name)) {
      out.push(`parameter \`${name}\` is ${requiredAfter.has(name) ? 'now required' : 'no longer required'}`);
    }
  }
  return out;
}

function paramSummary(param: ParamSpec, required: boolean): string {
  return [param.type, required ? 'required' : 'optional'].join(', ');
}

function pageDetails(before: PageSpec | undefined, after: PageSpec | undefined): Described {
  const details = [
    ...field('title', before?.title, after?.title),
    ...field('description', before?.description, after?.description),
    ...listChanges('allowed role', before?.allow ?? [], after?.allow ?? []),
    ...componentDetails(before?.components ?? [], after?.components ?? []),
  ];
  return { details };
}

/** Matches components by what they show (a table's id or query, a form's action), so inserting one does not report all later ones as changed. */
function componentDetails(before: ComponentSpec[], after: ComponentSpec[]): string[] {
  const a = keyComponents(before);
  const b = keyComponents(after);
  const out: string[] = [];
  for (const key of b.keys()) if (!a.has(key)) out.push(`component ${key} added`);
  for (const key of a.keys()) if (!b.has(key)) out.push(`component ${key} removed`);
  for (const [key, component] of b) {
    const old = a.get(key);
    if (old === undefined || canonical(old) === canonical(component)) continue;
    const oldProps = componentProps(old);
    const newProps = componentProps(component);
    for (const prop of unionKeys(oldProps, newProps)) {
      if (canonical(oldProps[prop]) === canonical(newProps[prop])) continue;
      out.push(...componentPropDetails(key, prop, oldProps[prop], newProps[prop]));
    }
  }
  const commonBefore = [...a.keys()].filter((key) => b.has(key));
  const commonAfter = [...b.keys()].filter((key) => a.has(key));
  if (canonical(commonBefore) !== canonical(commonAfter)) out.push('components reordered');
  return out;
}

function componentPropDetails(key: string, prop: string, before: unknown, after: unknown): string[] {
  const label = `component ${key}`;
  if (prop === 'columns' && Array.isArray(before) && Array.isArray(after)) {
    const name = (column: unknown): string => (typeof column === 'string' ? column : String((column as { field?: unknown }).field));
    const changes = listChanges('column', before.map(name), after.map(name));
    return (changes.length > 0 ? changes : ['columns changed (order, labels or formats)']).map((text) => `${label}: ${text}`);
  }
  if (prop === 'rowActions' && Array.isArray(before) && Array.isArray(after)) {
    const name = (entry: unknown): string => (typeof entry === 'string' ? entry : String((entry as { action?: unknown }).action));
    const changes = listChanges('row action', before.map(name), after.map(name));
    return (changes.length > 0 ? changes : ['row actions changed (order or parameters)']).map((text) => `${label}: ${text}`);
  }
  return field(`${label}: \`${prop}\``, before, after);
}

function keyComponents(components: ComponentSpec[]): Map<string, ComponentSpec> {
  const out = new Map<string, ComponentSpec>();
  for (const component of components) {
    let key: string;
    if ('table' in component) key = component.table.id !== undefined ? `table \`${component.table.id}\`` : `table of query \`${component.table.query}\``;
    else if ('form' in component) key = `form of action \`${component.form.action}\``;
    else if ('chart' in component) key = `chart of query \`${component.chart.query}\``;
    else if ('stat' in component) key = `stat of query \`${component.stat.query}\``;
    else key = `${Object.keys(component)[0]} component`;
    // Two tables of one query without ids are distinguished by their position.
    let unique = key;
    for (let n = 2; out.has(unique); n++) unique = `${key} (#${n})`;
    out.set(unique, component);
  }
  return out;
}

function componentProps(component: ComponentSpec): Record<string, unknown> {
  return Object.values(component)[0] as Record<string, unknown>;
}

/** Describes a single value that was set, removed or changed; nothing when equal. */
function field(label: string, before: unknown, after: unknown): string[] {
  if (canonical(before) === canonical(after)) return [];
  if (before === undefined) return [`${label} set to ${show(after)}`];
  if (after === undefined) return [`${label} removed (was ${show(before)})`];
  return [`${label} changed from ${show(before)} to ${show(after)}`];
}

/** Describes entries added to and removed from a list of names, such as a role's member groups. */
function listChanges(label: string, before: string[], after: string[]): string[] {
  const a = new Set(before);
  const b = new Set(after);
  return [
    ...[...b].filter((name) => !a.has(name)).map((name) => `${label} \`${name}\` added`),
    ...[...a].filter((name) => !b.has(name)).map((name) => `${label} \`${name}\` removed`),
  ];
}

/** Returns true for values that may hold a credential: references to the environment and URLs with a user part. */
export function mayBeSecret(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  return value.includes('${') || /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(value);
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : canonical(value);
  return text.length > MAX_SHOWN_LENGTH ? `${text.slice(0, MAX_SHOWN_LENGTH - 1)}…` : text;
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

/** JSON text with object keys sorted, so two values that differ only in key order compare equal. */
function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    return Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  });
}
