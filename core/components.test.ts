import { describe, expect, it } from 'vitest';
import { layoutAppText } from '../test/fixtures/u2/layout-app.js';
import { buildApp } from './build-app.js';
import { childLists, pageComponents, tabSlug, walkComponents } from './components.js';
import type { ComponentSpec } from './spec.js';

const nested: ComponentSpec[] = [
  { markdown: 'hi' },
  {
    tabs: {
      tabs: [
        { title: 'A', components: [{ table: { id: 'a', query: 'q', columns: ['x'] } }] },
        { title: 'B', components: [{ grid: { columns: [{ components: [{ form: { action: 'act' } }] }] } }] },
      ],
    },
  },
  { modal: { id: 'm', title: 'M', components: [{ detail: { query: 'q', fields: ['x'] } }] } },
];

describe('walkComponents', () => {
  it('visits nested components in document order', () => {
    const kinds = walkComponents(nested, ['pages', 'p', 'components']).map((visit) => visit.kind);
    expect(kinds).toEqual(['markdown', 'tabs', 'table', 'grid', 'form', 'modal', 'detail']);
  });

  it('gives each component its path in the spec', () => {
    const paths = walkComponents(nested, ['pages', 'p', 'components']).map((visit) => visit.path.join('/'));
    expect(paths).toContain('pages/p/components/1/tabs/tabs/0/components/0');
    expect(paths).toContain('pages/p/components/1/tabs/tabs/1/components/0/grid/columns/0/components/0');
    expect(paths).toContain('pages/p/components/2/modal/components/0');
  });

  it('names the modals around a component', () => {
    const detail = walkComponents(nested, []).find((visit) => visit.kind === 'detail');
    expect(detail?.overlays).toEqual(['m']);
  });

  it('skips maps without exactly one key', () => {
    const odd = [{ table: { query: 'q', columns: ['x'] }, form: { action: 'a' } }] as unknown as ComponentSpec[];
    expect(walkComponents(odd, [])).toEqual([]);
  });

  it('finds no children in leaf components', () => {
    expect(childLists({ table: { query: 'q', columns: ['x'] } }, [])).toEqual([]);
    expect(childLists({ markdown: 'x' }, [])).toEqual([]);
  });
});

describe('tabSlug', () => {
  it('lowercases and dashes titles', () => {
    expect(tabSlug('Invoices & Notes')).toBe('invoices-notes');
    expect(tabSlug('  ')).toBe('tab');
  });
});

/** Builds the layout fixture after `edit` changed its pages. */
function build(edit: (text: string) => string = (text) => text) {
  const text = edit(layoutAppText());
  return { ...buildApp({ file: 'u2/app.yaml', text }), text };
}

/** Returns the 1-based number of the first line of `text` that `match` accepts. */
function lineOf(text: string, match: (line: string) => boolean): number {
  return text.split('\n').findIndex(match) + 1;
}

function errors(result: ReturnType<typeof build>) {
  return result.diagnostics.filter((diagnostic) => diagnostic.severity !== 'warning');
}

describe('layout load checks', () => {
  it('fixture app builds without errors', () => {
    const result = build();
    expect(errors(result)).toEqual([]);
    expect(result.model).toBeDefined();
  });

  it('counts the nested detail query as shown', () => {
    const result = build();
    expect(result.diagnostics.filter((d) => d.code === 'unused-query')).toEqual([]);
  });

  it('reports a duplicate table id inside tabs', () => {
    const result = build((text) => text.replace('id: invoices\n', 'id: customers\n'));
    const duplicate = result.diagnostics.find((d) => d.code === 'duplicate-id');
    expect(duplicate?.message).toContain('table id `customers` is already used by the table at components[1] > columns[0] > components[0]');
    // The second `id: customers` is the one inside the tabs.
    const first = lineOf(result.text, (row) => row.includes('id: customers'));
    const second = lineOf(result.text.split('\n').slice(first).join('\n'), (row) => row.includes('id: customers')) + first;
    expect(duplicate?.line).toBe(second);
  });

  it('reports a modal id that a table already uses', () => {
    const result = build((text) => text.replace('id: history\n', 'id: invoices\n').replace('open: history }', 'open: invoices }'));
    expect(result.diagnostics.find((d) => d.code === 'duplicate-id')?.message).toContain('modal id `invoices` is already used by the table');
  });

  it('reports two tabs with the same id', () => {
    const result = build((text) => text.replace('- title: Notes\n', '- title: invoices\n'));
    expect(result.diagnostics.find((d) => d.code === 'duplicate-id')?.message).toContain('tab `invoices` is already used by tab 1');
  });

  it('reports an unknown modal id with a suggestion', () => {
    const result = build((text) => text.replace('open: history }', 'open: histroy }'));
    const unknown = result.diagnostics.find((d) => d.code === 'unknown-modal');
    expect(unknown?.message).toBe('`histroy` is not the id of a modal or drawer on page `layout`');
    expect(unknown?.hint).toContain('history');
    expect(unknown?.line).toBe(lineOf(result.text, (row) => row.includes('open: histroy')));
  });

  it('reports an unknown modal id in a row action', () => {
    const result = build((text) => text.replace('{ open: customerDrawer, label: Open }', '{ open: customerDrawr, label: Open }'));
    const unknown = result.diagnostics.find((d) => d.code === 'unknown-modal');
    expect(unknown?.hint).toContain('customerDrawer');
  });

  it('checks detail query references', () => {
    const result = build((text) => text.replace('query: customer\n', 'query: custmer\n'));
    expect(result.diagnostics.find((d) => d.code === 'unknown-query')?.hint).toContain('customer');
  });

  it('resolves selections across nesting in document order', () => {
    // The drawer's detail follows `customers`, which sits inside a grid above it: no error.
    expect(errors(build())).toEqual([]);
    const later = build((text) => text.replace('params: { id: "{{ customers.selected.CustomerId }}" }\n                    fields:', 'params: { id: "{{ invoices.selected.InvoiceId }}" }\n                    fields:'));
    expect(later.diagnostics.find((d) => d.code === 'template-unknown-table')?.message).toContain('no table with that id comes earlier');
  });
});

describe('pageComponents', () => {
  it('lists the fixture page', () => {
    const model = build().model!;
    const kinds = pageComponents('layout', model.pages.layout).map((visit) => visit.kind);
    expect(kinds.filter((kind) => kind === 'table')).toHaveLength(6);
  });
});
