// The client view of layout components and `detail`: containers keep only the
// children the user may see, and are left out when none is left.
import { tabSlug } from '../../core/components.js';
import type { ColumnSpec, ComponentSpec } from '../../core/spec.js';
import type { QueryAccess } from '../access/query-access.js';

type ClientComponent = Record<string, unknown>;
type ToClient = (component: ComponentSpec) => ClientComponent | undefined;

/**
 * Returns the client view of a layout component or `detail`, `undefined` when
 * the user may see none of it, or `null` when `component` is another kind.
 */
export function clientLayout(component: ComponentSpec, toClient: ToClient, accessOf: (query: string) => QueryAccess | undefined): ClientComponent | undefined | null {
  const children = (list: ComponentSpec[]): ClientComponent[] => list.map(toClient).filter((child) => child !== undefined);

  if ('section' in component) {
    const components = children(component.section.components);
    if (components.length === 0) return undefined;
    return { type: 'section', title: component.section.title, description: component.section.description, components };
  }
  if ('tabs' in component) {
    const tabs = component.tabs.tabs
      .map((tab) => ({ id: tab.id ?? tabSlug(tab.title), title: tab.title, components: children(tab.components) }))
      .filter((tab) => tab.components.length > 0);
    if (tabs.length === 0) return undefined;
    return { type: 'tabs', id: component.tabs.id, tabs };
  }
  if ('grid' in component) {
    const columns = component.grid.columns
      .map((column) => ({ span: column.span, components: children(column.components) }))
      .filter((column) => column.components.length > 0);
    if (columns.length === 0) return undefined;
    return { type: 'grid', columns };
  }
  if ('modal' in component || 'drawer' in component) {
    const [type, overlay] = 'modal' in component ? ['modal', component.modal] as const : ['drawer', component.drawer] as const;
    const components = children(overlay.components);
    if (components.length === 0) return undefined;
    return { type, id: overlay.id, title: overlay.title, components };
  }
  if ('button' in component) {
    return { type: 'button', label: component.button.label, open: component.button.open, style: component.button.style ?? 'default' };
  }
  if ('markdown' in component) return { type: 'markdown', text: component.markdown };
  if ('detail' in component) {
    const detail = component.detail;
    const access = accessOf(detail.query);
    if (access === undefined) return undefined;
    // Hidden columns are left out; masked ones arrive masked from the query endpoint, so they are shown as text.
    const fields = detail.fields
      .map((field: string | ColumnSpec) => (typeof field === 'string' ? { field, format: 'text' } : { format: 'text', ...field }))
      .filter((field) => !access.hidden.has(field.field))
      .map((field) => (access.masked.has(field.field) ? { ...field, format: 'text', masked: true } : field));
    if (fields.length === 0) return undefined;
    return { type: 'detail', title: detail.title, query: detail.query, params: detail.params ?? {}, fields, empty: detail.empty };
  }
  return null;
}

/**
 * Drops the buttons and `open` row actions whose modal or drawer the user
 * cannot see, after `clientLayout` left that modal out. Works in place.
 */
export function dropDanglingOpeners(components: ClientComponent[]): void {
  const overlays = new Set<unknown>();
  forEachClientComponent(components, (component) => {
    if (component.type === 'modal' || component.type === 'drawer') overlays.add(component.id);
  });
  const prune = (list: ClientComponent[]): ClientComponent[] =>
    list.filter((component) => component.type !== 'button' || overlays.has(component.open));
  const visit = (list: ClientComponent[]): ClientComponent[] => {
    const remaining = prune(list);
    for (const component of remaining) {
      if (component.type === 'table' && Array.isArray(component.rowActions)) {
        component.rowActions = (component.rowActions as Array<Record<string, unknown>>).filter((entry) => entry.open === undefined || overlays.has(entry.open));
      }
      for (const key of ['components'] as const) if (Array.isArray(component[key])) component[key] = visit(component[key] as ClientComponent[]);
      for (const key of ['tabs', 'columns'] as const) {
        if (component.type !== 'tabs' && component.type !== 'grid') continue;
        for (const item of (component[key] as Array<{ components: ClientComponent[] }> | undefined) ?? []) item.components = visit(item.components);
      }
    }
    return remaining;
  };
  components.splice(0, components.length, ...visit(components));
}

/** Calls `visit` on every client component, containers before their children. */
export function forEachClientComponent(components: ClientComponent[], visit: (component: ClientComponent) => void): void {
  for (const component of components) {
    visit(component);
    const nested = [component.components, ...((component.tabs ?? component.columns ?? []) as Array<{ components?: unknown }>).map((item) => item.components)];
    for (const list of nested) if (Array.isArray(list)) forEachClientComponent(list as ClientComponent[], visit);
  }
}
