// docs/spec-reference.md must match what scripts/spec-reference.mjs renders from the schemas.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/apps.js';

interface DocumentedSchema {
  file: string;
  schema: string;
  command: string;
  json: Record<string, unknown>;
}

interface SpecReferenceModule {
  readSchemas(root?: string): DocumentedSchema[];
  renderSpecReference(schemas: DocumentedSchema[]): string;
  headingAnchor(heading: string): string;
}

const generator = (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'spec-reference.mjs')).href)) as SpecReferenceModule;
const committed = readFileSync(join(REPO_ROOT, 'docs', 'spec-reference.md'), 'utf8');

describe('spec reference', () => {
  test('committed file is up to date', () => {
    const rendered = generator.renderSpecReference(generator.readSchemas(REPO_ROOT));
    expect(rendered === committed, 'docs/spec-reference.md is out of date; run npm run docs').toBe(true);
  });

  test('schema change changes the output', () => {
    const schemas = generator.readSchemas(REPO_ROOT);
    const app = schemas[0].json as { properties: { title: { description: string } } };
    app.properties.title.description = 'A changed description.';
    const rendered = generator.renderSpecReference(schemas);
    expect(rendered).not.toBe(committed);
    expect(rendered).toContain('| `title` | string | yes |  | at least 1 character | A changed description. |');
  });

  test('every internal link has a heading', () => {
    const anchors = new Set([...committed.matchAll(/^#+ (.+)$/gm)].map((match) => generator.headingAnchor(match[1])));
    const links = [...committed.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]);
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((link) => !anchors.has(link))).toEqual([]);
  });

  test('sections for each spec element', () => {
    for (const heading of ['### app.yaml: top level', '### app.yaml: query', '### app.yaml: action', '### app.yaml: page', '### app.yaml: table', '### opsdeck.yaml: identity.proxy', '### test.yaml: test']) {
      expect(committed).toContain(`${heading}\n`);
    }
  });

  test('rows show type, required, default and allowed values', () => {
    expect(committed).toContain('| `mode` | string | no | `dev` | `dev`, `proxy`, `oidc` |');
    expect(committed).toContain('| `query` | string | yes |  |  | Id of the query that fills the table. |');
    expect(committed).toContain('| `pageSize` | integer | no |  | at least 1; at most 500 |');
    expect(committed).toMatch(/\| `allow` \| list of string \| yes \|  \|  \| Roles that may run this query\./);
  });

  test('every schema property is listed', () => {
    for (const { json, file } of generator.readSchemas(REPO_ROOT)) {
      const names = new Set<string>();
      const walk = (node: unknown): void => {
        if (node === null || typeof node !== 'object') return;
        const properties = (node as { properties?: Record<string, unknown> }).properties;
        for (const name of Object.keys(properties ?? {})) names.add(name);
        // `if:` conditions repeat a property only to test its value.
        for (const [key, value] of Object.entries(node)) if (key !== 'if') walk(value);
      };
      walk(json);
      for (const name of names) expect(committed, `${file}: property ${name}`).toContain(`| \`${name}\` |`);
    }
  });
});
