// Explains what one user may do in an app: for each page, query and action,
// allowed or denied and the rule that decided, and for queries the row rule
// and the hidden and masked columns that apply. Used by `opsdeck explain` and
// the development endpoint GET /api/apps/:app/explain.
import type { AppModel } from '../../core/model.js';
import { formatRowRule } from '../../core/row-rules.js';
import type { AppEnforcer, PolicyAct, PolicyObject } from '../enforcer.js';
import type { Identity } from '../identity.js';
import { queryAccess } from './query-access.js';

export interface ExplainEntry {
  kind: 'page' | 'query' | 'action';
  id: string;
  title: string;
  allowed: boolean;
  /** The allowing rule (`role:agent run query:tickets`), or why nothing allowed it. */
  rule: string;
  /** The member that holds the allowing role: `user:<id>` or `group:<name>`. */
  via?: string;
  /** Queries: the row rules that apply, joined with `or`; absent when every row is visible. */
  rows?: string;
  hidden?: string[];
  masked?: string[];
  /** Scoped actions: the query whose rows the action may change. */
  scope?: string;
  /** Queries the user may run: whether they may also export it, and the rule that allows that. */
  export?: string;
}

export const NO_RULE = 'no rule allows it';

/** Lists every page, query and action of the app with the decision for `identity`. */
export function explainApp(model: AppModel, enforcer: AppEnforcer, identity: Identity): ExplainEntry[] {
  const entries: ExplainEntry[] = [];
  const decide = (kind: ExplainEntry['kind'], id: string, title: string, object: PolicyObject, act: PolicyAct): ExplainEntry => {
    const decision = enforcer.decide(identity, object, act);
    const entry: ExplainEntry = { kind, id, title, allowed: decision.allowed, rule: decision.rule ?? NO_RULE };
    if (decision.via !== undefined) entry.via = decision.via;
    entries.push(entry);
    return entry;
  };
  for (const [id, page] of Object.entries(model.pages)) decide('page', id, page.title, `page:${id}`, 'view');
  for (const [id, query] of Object.entries(model.queries)) {
    const entry = decide('query', id, query.spec.title ?? id, `query:${id}`, 'run');
    if (!entry.allowed) continue;
    const access = queryAccess(query, enforcer.grantingRoles(identity, `query:${id}`, 'run'));
    if (access.rows !== undefined) entry.rows = access.rows.map((rule) => formatRowRule(rule)).join(' or ');
    if (access.hidden.size > 0) entry.hidden = [...access.hidden];
    if (access.masked.size > 0) entry.masked = [...access.masked];
    const exporting = enforcer.decide(identity, `query:${id}`, 'export');
    if (exporting.allowed) entry.export = exporting.rule;
  }
  for (const [id, action] of Object.entries(model.actions)) {
    const entry = decide('action', id, action.spec.title, `action:${id}`, 'run');
    if (entry.allowed && action.scope !== undefined) entry.scope = action.scope.query;
  }
  return entries;
}

/** Formats the entries of one app as aligned text for a terminal. */
export function formatExplain(model: AppModel, identity: Identity, entries: ExplainEntry[]): string {
  const attributes = Object.entries(identity.attributes).map(([name, value]) => `${name}=${Array.isArray(value) ? value.join('|') : String(value)}`);
  const lines = [`app ${model.id} (${model.title}) for ${identity.id}`, `  groups: ${identity.groups.length > 0 ? identity.groups.join(', ') : '(none)'}`];
  if (attributes.length > 0) lines.push(`  attributes: ${attributes.join(', ')}`);
  lines.push('');
  const width = Math.max(...entries.map((entry) => entry.id.length), 4);
  for (const entry of entries) {
    const decision = entry.allowed ? `allowed  ${entry.rule}${entry.via === undefined ? '' : ` (via ${entry.via})`}` : `denied   ${entry.rule}`;
    lines.push(`  ${entry.kind.padEnd(6)} ${entry.id.padEnd(width)}  ${decision}`);
    const indent = ' '.repeat(width + 11);
    if (entry.kind === 'query' && entry.allowed) lines.push(`${indent}rows: ${entry.rows ?? 'all'}`);
    if (entry.hidden !== undefined) lines.push(`${indent}hidden: ${entry.hidden.join(', ')}`);
    if (entry.masked !== undefined) lines.push(`${indent}masked: ${entry.masked.join(', ')}`);
    if (entry.scope !== undefined) lines.push(`${indent}changes only rows the user sees through query ${entry.scope}`);
    if (entry.export !== undefined) lines.push(`${indent}may export it: ${entry.export}`);
  }
  return `${lines.join('\n')}\n`;
}
