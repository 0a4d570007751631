// The client view of a spec: what the browser may know. Pages the user may
// view, the parameter schemas of queries those pages use, and the actions the
// user may run. Never SQL, data source settings or role members.
import type { AppModel } from '../../core/model.js';
import type { ColumnSpec, ComponentSpec, ParamSpec, RowActionSpec } from '../../core/spec.js';
import type { AppEnforcer } from '../enforcer.js';
import type { Identity } from '../identity.js';

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
    };
  }

  const queries: Record<string, ClientParams & { title?: string }> = {};
  const pages = [];
  for (const [id, page] of Object.entries(model.pages)) {
    if (!enforcer.allows(identity, `page:${id}`, 'view')) continue;
    const components = page.components.map((component) => clientComponent(component, actions, (query) => enforcer.allows(identity, `query:${query}`, 'run'))).filter((c) => c !== undefined);
    for (const component of components) {
      if (component.type === 'table' && !queries[component.query as string]) {
        const query = model.queries[component.query as string];
        queries[component.query as string] = { title: query.spec.title, ...publicParams(query.spec.params, query.spec.required) };
      }
    }
    pages.push({ id, title: page.title, description: page.description, components });
  }

  return {
    id: model.id,
    title: model.title,
    description: model.spec.description,
    version: model.version,
    specVersion,
    user: { id: identity.id, name: identity.name, groups: identity.groups },
    pages,
    queries,
    actions,
  };
}

function publicParams(params: Record<string, ParamSpec> | undefined, required: string[] | undefined): ClientParams {
  return { params: params ?? {}, required: required ?? [] };
}

function clientComponent(
  component: ComponentSpec,
  actions: Record<string, unknown>,
  mayRunQuery: (query: string) => boolean,
): Record<string, unknown> | undefined {
  if ('table' in component) {
    const table = component.table;
    if (!mayRunQuery(table.query)) return undefined;
    const rowActions = (table.rowActions ?? [])
      .map((entry: RowActionSpec) => (typeof entry === 'string' ? { action: entry, params: {} } : { action: entry.action, params: entry.params ?? {}, when: entry.when }))
      .filter((entry) => entry.action in actions);
    const columns = table.columns.map((column: string | ColumnSpec) => (typeof column === 'string' ? { field: column, format: 'text' } : { format: 'text', ...column }));
    return {
      type: 'table',
      id: table.id,
      title: table.title,
      query: table.query,
      search: table.search,
      params: table.params ?? {},
      columns,
      rowKey: table.rowKey,
      pageSize: table.pageSize ?? 25,
      empty: table.empty,
      rowActions,
    };
  }
  if ('form' in component) {
    if (!(component.form.action in actions)) return undefined;
    return { type: 'form', title: component.form.title, action: component.form.action };
  }
  return undefined;
}
