// The client view of a spec: what the browser may know. Pages the user may
// view, the parameter schemas of queries those pages use, and the actions the
// user may run. Never SQL, data source settings or role members.
import type { AppModel } from '../../core/model.js';
import type { ColumnSpec, ComponentSpec, ParamSpec, RowActionSpec } from '../../core/spec.js';
import type { AppEnforcer } from '../enforcer.js';
import { AUDIT_OBJECT } from '../audit-events.js';
import type { Identity } from '../identity.js';
import { blockedSearchParams, queryAccess, type QueryAccess } from '../access/query-access.js';
import { clientChart, clientStat } from './client-chart.js';
import { jobInfo } from './job-routes.js';
import { clientLayout, dropDanglingOpeners, forEachClientComponent } from './client-layout.js';

interface ClientParams {
  params: Record<string, ParamSpec>;
  required: string[];
}

/**
 * Builds the client view of `model` for one user. `specVersion` is the
 * served version people read (a git commit, or the content hash outside git);
 * `version` stays the content hash.
 */
export function clientView(model: AppModel, enforcer: AppEnforcer, identity: Identity, specVersion: string = model.version): Record<string, unknown> {
  const actions: Record<string, unknown> = {};
  for (const [id, action] of Object.entries(model.actions)) {
    if (!enforcer.allows(identity, `action:${id}`, 'run')) continue;
    const spec = action.spec;
    actions[id] = {
      title: spec.title,
      description: spec.description,
      style: spec.style ?? 'default',
      ...publicParams(spec.params, spec.required),
      confirm: spec.confirm,
      success: spec.success,
      // Only the fact that a preview exists: its table, key and steps stay on the server.
      ...(action.preview === undefined ? {} : { preview: true }),
      // Role names, so the UI can show who decides; never their members.
      ...(spec.approval === undefined ? {} : { approval: { by: spec.approval.by } }),
    };
  }

  const jobs = new Set(Object.keys(model.jobs).filter((id) => enforcer.allows(identity, `job:${id}`, 'run')));
  const queries: Record<string, ClientParams & { title?: string }> = {};
  const pages = [];
  for (const [id, page] of Object.entries(model.pages)) {
    if (!enforcer.allows(identity, `page:${id}`, 'view')) continue;
    const accessOf = (query: string): QueryAccess | undefined => {
      const roles = enforcer.grantingRoles(identity, `query:${query}`, 'run');
      return roles.length === 0 ? undefined : queryAccess(model.queries[query], roles);
    };
    const components = page.components.map((component) => clientComponent(component, model, actions, accessOf, jobs)).filter((c) => c !== undefined);
    dropDanglingOpeners(components);
    forEachClientComponent(components, (component) => {
      // Exports: the Export button shows only where the server would allow the download (see export-routes.ts).
      if (component.type === 'table' && enforcer.allows(identity, `query:${component.query as string}`, 'export')) component.export = true;
      if ((component.type === 'table' || component.type === 'detail') && !queries[component.query as string]) {
        const query = model.queries[component.query as string];
        queries[component.query as string] = { title: query.spec.title, ...publicParams(query.spec.params, query.spec.required, blockedSearchParams(query, accessOf(query.id)!)) };
      }
    });
    pages.push({ id, title: page.title, description: page.description, components });
  }

  return {
    id: model.id,
    title: model.title,
    description: model.spec.description,
    version: model.version,
    specVersion,
    user: { id: identity.id, name: identity.name, email: identity.email, groups: identity.groups },
    pages,
    queries,
    actions,
    // The Approvals page: for users who may approve an action or send requests for approval.
    approvals: Object.entries(model.actions).some(([id, action]) => action.spec.approval !== undefined && (enforcer.allows(identity, `action:${id}`, 'approve') || enforcer.allows(identity, `action:${id}`, 'run'))),
    // The Jobs page and `job` components: jobs the user may run, with their start forms.
    jobs: Object.fromEntries([...jobs].map((id) => [id, jobInfo(model.jobs[id])])),
    // Background exports of the user's own show on the Jobs page too.
    exports: Object.values(model.queries).some((query) => query.kind === 'sql' && enforcer.allows(identity, `query:${query.id}`, 'export')),
    // The Audit page: for the roles of `audit: { viewers }`; the audit API checks the same rule on every request.
    mayViewAudit: enforcer.allows(identity, AUDIT_OBJECT, 'view'),
  };
}

/** Parameter schemas for forms, without `searches` (column names are the server's business) and without parameters the caller may not send. */
export function publicParams(params: Record<string, ParamSpec> | undefined, required: string[] | undefined, blocked: Map<string, string> = new Map()): ClientParams {
  const shown: Record<string, ParamSpec> = {};
  for (const [name, param] of Object.entries(params ?? {})) {
    if (blocked.has(name)) continue;
    const { searches: _searches, ...rest } = param;
    shown[name] = rest;
  }
  return { params: shown, required: required ?? [] };
}

function clientComponent(
  component: ComponentSpec,
  model: AppModel,
  actions: Record<string, unknown>,
  accessOf: (query: string) => QueryAccess | undefined,
  jobs: Set<string>,
): Record<string, unknown> | undefined {
  const layout = clientLayout(component, (child) => clientComponent(child, model, actions, accessOf, jobs), accessOf);
  if (layout !== null) return layout;
  if ('table' in component) {
    const table = component.table;
    const access = accessOf(table.query);
    if (access === undefined) return undefined;
    const rowActions = (table.rowActions ?? [])
      .map((entry: RowActionSpec) => {
        if (typeof entry === 'string') return { action: entry, params: {} };
        if ('open' in entry) return { open: entry.open, label: entry.label, when: entry.when };
        return { action: entry.action, params: entry.params ?? {}, when: entry.when };
      })
      .filter((entry) => ('open' in entry ? true : entry.action in actions));
    // Hidden columns are left out of the page; masked ones are shown as masked and cannot be sorted.
    const columns = table.columns
      .map((column: string | ColumnSpec) => (typeof column === 'string' ? { field: column, format: 'text' } : { format: 'text', ...column }))
      .filter((column) => !access.hidden.has(column.field))
      .map((column) => (access.masked.has(column.field) ? { ...column, format: 'text', masked: true } : column));
    const searchBlocked = table.search !== undefined && blockedSearchParams(model.queries[table.query], access).has(table.search);
    return {
      type: 'table',
      id: table.id,
      title: table.title,
      query: table.query,
      search: searchBlocked ? undefined : table.search,
      params: table.params ?? {},
      columns,
      // A key the caller's column rules hide or mask cannot identify rows for them, and the server refuses it as a paging key.
      rowKey: table.rowKey !== undefined && (access.hidden.has(table.rowKey) || access.masked.has(table.rowKey)) ? undefined : table.rowKey,
      pageSize: table.pageSize ?? 25,
      empty: table.empty,
      rowActions,
      selection: table.selection ?? 'single',
      bulkActions: (table.bulkActions ?? []).filter((id) => id in actions),
    };
  }
  if ('form' in component) {
    if (!(component.form.action in actions)) return undefined;
    return { type: 'form', id: component.form.id, title: component.form.title, action: component.form.action, defaults: component.form.defaults };
  }
  if ('chart' in component) return clientChart(component.chart, accessOf, model.queries[component.chart.query]?.spec.title);
  if ('stat' in component) return clientStat(component.stat, accessOf);
  if ('job' in component) {
    if (!jobs.has(component.job.job)) return undefined;
    return { type: 'job', job: component.job.job, ...(component.job.title === undefined ? {} : { title: component.job.title }) };
  }
  // A filter bar holds no data, only its inputs; the server still checks every parameter its values reach.
  if ('filters' in component) return { type: 'filters', id: component.filters.id, fields: component.filters.fields };
  return undefined;
}
