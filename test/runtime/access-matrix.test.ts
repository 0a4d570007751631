// Walks every endpoint of two apps (the chinook-support example and the
// ticket desk fixture) as every development user, and compares each answer
// with what the spec allows. The expected answers are worked out here from
// the spec's roles, members, allow lists and restrictions, independently of
// the server's policy code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXAMPLE_DIR, REPO_ROOT } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

interface Spec {
  id: string;
  roles: Record<string, { superuser?: boolean; inherits?: string[]; members?: { users?: string[]; groups?: string[] } }>;
  pages: Record<string, { allow: string[] }>;
  queries?: Record<string, { allow: string[]; required?: string[]; restrict?: Record<string, { hide?: string[] }> }>;
  actions?: Record<string, { allow: string[]; preview?: unknown }>;
  devUsers?: Array<{ id: string; groups?: string[] }>;
}

const APPS = [
  { folder: 'chinook-support', source: EXAMPLE_DIR },
  { folder: 'tickets', source: join(REPO_ROOT, 'test', 'fixtures', 'row-rules', 'tickets') },
];

let root: string;
let server: TestServer;
const specs: Spec[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-access-matrix-'));
  for (const app of APPS) {
    cpSync(app.source, join(root, app.folder), { recursive: true, filter: (path) => !path.includes(`${app.folder}/data`) });
    specs.push(parse(readFileSync(join(app.source, 'app.yaml'), 'utf8')) as Spec);
  }
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
}, 30_000);

afterAll(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The roles a user holds in one app: through members (email ids compared case-insensitively), then inheritance. */
function rolesOf(spec: Spec, user: { id: string; groups?: string[] }): Set<string> {
  const held = new Set<string>();
  for (const [role, body] of Object.entries(spec.roles)) {
    const byUser = (body.members?.users ?? []).some((member) => member.toLowerCase() === user.id.toLowerCase());
    const byGroup = (body.members?.groups ?? []).some((group) => (user.groups ?? []).includes(group));
    if (byUser || byGroup) held.add(role);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const role of [...held]) for (const parent of spec.roles[role]?.inherits ?? []) if (!held.has(parent)) changed = held.add(parent) !== undefined;
  }
  return held;
}

/** The roles through which the user reaches an allow list; a superuser role reaches every list. */
function granting(spec: Spec, roles: Set<string>, allow: string[]): string[] {
  return [...roles].filter((role) => allow.includes(role) || spec.roles[role]?.superuser === true);
}

const allUsers = () => specs.flatMap((spec) => (spec.devUsers ?? []).map((user) => ({ spec, user })));

describe('every endpoint as every user', () => {
  it('lists exactly the apps with a page the user may view', async () => {
    for (const user of new Map(allUsers().map(({ user }) => [user.id, user])).values()) {
      const cookie = await devLogin(server.url, user.id);
      const listed = (await request(`${server.url}/api/apps`, { cookie })).body.apps.map((app: { id: string }) => app.id).sort();
      const expected = specs.filter((spec) => Object.values(spec.pages).some((page) => granting(spec, rolesOf(spec, user), page.allow).length > 0)).map((spec) => spec.id).sort();
      expect(listed, user.id).toEqual(expected);
    }
  });

  it('answers each page, query, preview and action as the spec allows, hidden columns included', async () => {
    let checked = 0;
    for (const { user } of allUsers()) {
      const cookie = await devLogin(server.url, user.id);
      for (const spec of specs) {
        const roles = rolesOf(spec, user);
        const base = `${server.url}/api/apps/${spec.id}`;
        const view = await request(`${base}/spec`, { cookie });
        const pages = Object.entries(spec.pages).filter(([, page]) => granting(spec, roles, page.allow).length > 0).map(([id]) => id);
        if (pages.length === 0) expect(view.status, `${user.id} ${spec.id} spec`).toBe(404);
        else expect(view.body.pages.map((page: { id: string }) => page.id).sort(), `${user.id} ${spec.id} pages`).toEqual(pages.sort());

        for (const [id, query] of Object.entries(spec.queries ?? {})) {
          const through = granting(spec, roles, query.allow);
          // A query with required parameters is probed with none: an allowed caller gets 400, a denied one 403.
          const response = await request(`${base}/queries/${id}`, { method: 'POST', json: {}, cookie });
          const label = `${user.id} query ${spec.id}.${id}`;
          checked++;
          if (through.length === 0) {
            expect(response.status, label).toBe(403);
            continue;
          }
          if ((query.required ?? []).length > 0) {
            expect(response.status, label).toBe(400);
            continue;
          }
          expect(response.status, label).toBe(200);
          const hiddenForAll = through.map((role) => new Set(query.restrict?.[role]?.hide ?? [])).reduce((a, b) => new Set([...a].filter((column) => b.has(column))));
          for (const column of hiddenForAll) {
            expect(response.body.columns, label).not.toContain(column);
            for (const row of response.body.rows) expect(Object.keys(row), label).not.toContain(column);
          }
        }

        for (const [id, action] of Object.entries(spec.actions ?? {})) {
          const allowed = granting(spec, roles, action.allow).length > 0;
          // An undeclared parameter is refused after authorization, so an allowed caller sees 400 and nothing runs.
          const probe = { params: { opsdeck_probe: 1 } };
          const run = await request(`${base}/actions/${id}`, { method: 'POST', json: probe, cookie });
          expect(run.status, `${user.id} action ${spec.id}.${id}`).toBe(allowed ? 400 : 403);
          if (action.preview !== undefined) {
            const preview = await request(`${base}/actions/${id}/preview`, { method: 'POST', json: probe, cookie });
            expect(preview.status, `${user.id} preview ${spec.id}.${id}`).toBe(allowed ? 400 : 403);
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  }, 60_000);
});
