// Load checks of a page's layout: ids that share the page URL (tables, tabs,
// modals, drawers), tab ids, and the modal or drawer each button and
// `{ open: <id> }` row action opens.
import { tabSlug, type VisitedComponent } from './components.js';
import type { DiagnosticInput, DocPath } from './load.js';
import type { ButtonSpec, OverlaySpec, TableSpec, TabsSpec } from './spec.js';
import { suggestionHint } from './suggest.js';

/** URL key of a `tabs` component without an `id`. */
export const DEFAULT_TABS_KEY = 'tab';

/** Checks the ids and the modal and drawer references of one page. */
export function checkPageLayout(pageId: string, visited: VisitedComponent[], report: (input: DiagnosticInput) => void): void {
  const overlays = new Map<string, string>();
  for (const { kind, body } of visited) {
    if (kind === 'modal' || kind === 'drawer') overlays.set((body as OverlaySpec).id, kind);
  }

  const used = new Map<string, string>();
  const claim = (id: string, kind: string, path: DocPath, hint: string): void => {
    const earlier = used.get(id);
    if (earlier === undefined) {
      used.set(id, `${kind} at ${placeOf(path)}`);
      return;
    }
    report({ code: 'duplicate-id', path, message: `${kind} id \`${id}\` is already used by the ${earlier} on page \`${pageId}\``, hint });
  };
  const checkOpen = (target: string, path: DocPath): void => {
    if (overlays.has(target)) return;
    report({
      code: 'unknown-modal',
      path,
      message: `\`${target}\` is not the id of a modal or drawer on page \`${pageId}\``,
      hint: suggestionHint(target, overlays.keys(), 'Modals and drawers on this page') + ' Declare it with `- modal: { id: ..., title: ..., components: [...] }` on the same page.',
    });
  };

  for (const { kind, body, path } of visited) {
    if (kind === 'table') {
      const table = body as TableSpec;
      if (table.id !== undefined) claim(table.id, 'table', [...path, 'table', 'id'], 'Give each table on a page its own id.');
      (table.rowActions ?? []).forEach((rowAction, index) => {
        if (typeof rowAction === 'object' && 'open' in rowAction) checkOpen(rowAction.open, [...path, 'table', 'rowActions', index, 'open']);
      });
    } else if (kind === 'tabs') {
      const tabs = body as TabsSpec;
      const hint = tabs.id === undefined ? 'Give each `tabs` on the page its own `id`; it names the open tab in the page URL.' : 'Ids of tables, tabs, modals and drawers share the page URL, so each must be unique on the page.';
      claim(tabs.id ?? DEFAULT_TABS_KEY, 'tabs', tabs.id === undefined ? [...path, 'tabs'] : [...path, 'tabs', 'id'], hint);
      checkTabIds(tabs, [...path, 'tabs'], report);
    } else if (kind === 'modal' || kind === 'drawer') {
      claim((body as OverlaySpec).id, kind, [...path, kind, 'id'], 'Ids of tables, tabs, modals and drawers share the page URL, so each must be unique on the page.');
    } else if (kind === 'button') {
      checkOpen((body as ButtonSpec).open, [...path, 'button', 'open']);
    }
  }
}

function checkTabIds(tabs: TabsSpec, path: DocPath, report: (input: DiagnosticInput) => void): void {
  const seen = new Map<string, number>();
  tabs.tabs.forEach((tab, index) => {
    const key = tab.id ?? tabSlug(tab.title);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, index);
      return;
    }
    report({
      code: 'duplicate-id',
      path: tab.id === undefined ? [...path, 'tabs', index, 'title'] : [...path, 'tabs', index, 'id'],
      message: `tab \`${key}\` is already used by tab ${first + 1} of the same tabs`,
      hint: 'Give each tab its own `id` (or a title that differs in more than case and punctuation).',
    });
  });
}

/** Reads a path as `components[2] > tabs[0] > components[1]` for messages. */
function placeOf(path: DocPath): string {
  const steps: string[] = [];
  for (let index = 2; index + 1 < path.length; index++) {
    const [part, next] = [path[index], path[index + 1]];
    if (typeof part === 'string' && typeof next === 'number') steps.push(`${part}[${next}]`);
  }
  return steps.join(' > ');
}
