// Traversal of a page's components: containers (`tabs`, `section`, `grid`,
// `modal`, `drawer`) hold lists of components, which may hold more.
import type { DocPath } from './load.js';
import type { ComponentSpec } from './spec.js';

/** One component found by `pageComponents`, with its place in the spec. */
export interface VisitedComponent {
  /** The component's key, such as `table` or `tabs`. */
  kind: string;
  /** The value under that key. */
  body: unknown;
  component: ComponentSpec;
  /** Path of the component itself: `[..., 'components', index]`. */
  path: DocPath;
  /** Ids of the modals and drawers that contain the component, outermost first. */
  overlays: string[];
}

/** A list of child components inside a container, with its path. */
export interface ChildList {
  components: ComponentSpec[];
  path: DocPath;
}

/** Returns the key of a component map, such as `table`; undefined for a map without exactly one key. */
export function componentKind(component: ComponentSpec): string | undefined {
  const keys = Object.keys(component);
  return keys.length === 1 ? keys[0] : undefined;
}

/** Returns the child lists of a container component, each with its path below `path`; none for other kinds. */
export function childLists(component: ComponentSpec, path: DocPath): ChildList[] {
  const kind = componentKind(component);
  const body = kind === undefined ? undefined : (component as Record<string, unknown>)[kind];
  if (typeof body !== 'object' || body === null) return [];
  const record = body as Record<string, unknown>;
  const lists: ChildList[] = [];
  const add = (value: unknown, at: DocPath): void => {
    if (Array.isArray(value)) lists.push({ components: value as ComponentSpec[], path: at });
  };
  switch (kind) {
    case 'section':
    case 'modal':
    case 'drawer':
      add(record.components, [...path, kind, 'components']);
      break;
    case 'tabs':
      listOf(record.tabs).forEach((tab, index) => add(tab.components, [...path, kind, 'tabs', index, 'components']));
      break;
    case 'grid':
      listOf(record.columns).forEach((column, index) => add(column.components, [...path, kind, 'columns', index, 'components']));
      break;
  }
  return lists;
}

function listOf(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];
}

/**
 * Lists every component of `components` in document order, depth first: a
 * container comes before the components it holds. `base` is the path of the
 * list, such as `['pages', 'home', 'components']`.
 */
export function walkComponents(components: ComponentSpec[], base: DocPath): VisitedComponent[] {
  const found: VisitedComponent[] = [];
  const visit = (list: ComponentSpec[], listPath: DocPath, overlays: string[]): void => {
    list.forEach((component, index) => {
      const path = [...listPath, index];
      const kind = componentKind(component);
      if (kind === undefined) return;
      const body = (component as Record<string, unknown>)[kind];
      found.push({ kind, body, component, path, overlays });
      const inner = (kind === 'modal' || kind === 'drawer') && typeof (body as { id?: unknown })?.id === 'string' ? [...overlays, (body as { id: string }).id] : overlays;
      for (const child of childLists(component, path)) visit(child.components, child.path, inner);
    });
  };
  visit(components, base, []);
  return found;
}

/** Lists every component of a page in document order; see `walkComponents`. */
export function pageComponents(pageId: string, page: { components: ComponentSpec[] }): VisitedComponent[] {
  return walkComponents(page.components, ['pages', pageId, 'components']);
}

/** Lowercases a tab title and joins its words with dashes, for a tab without an `id`. */
export function tabSlug(title: string): string {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug === '' ? 'tab' : slug;
}
