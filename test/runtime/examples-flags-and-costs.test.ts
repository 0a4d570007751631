// The feature-flags and contractor-costs examples served over HTTP: the apps
// each user may open, the team lead's row rule on real requests, and a flag
// switched through the action endpoint writing its history.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/apps.js';
import { devLogin, request, startServer, type TestServer } from '../helpers/server.js';

let root: string;
let server: TestServer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-examples-'));
  for (const example of ['feature-flags', 'contractor-costs']) {
    const source = join(REPO_ROOT, 'examples', example);
    cpSync(source, join(root, example), { recursive: true, filter: (path) => !path.startsWith(join(source, 'data')) });
  }
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await startServer(root);
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

type Rows = { rows: Array<Record<string, unknown>> };

async function query(cookie: string, app: string, id: string, params: Record<string, unknown> = {}) {
  return request(`${server.url}/api/apps/${app}/queries/${id}`, { method: 'POST', cookie, json: { params, page: { size: 500 } } });
}

describe('feature-flags and contractor-costs examples', () => {
  test('each user lists only their apps', async () => {
    const fiona = await devLogin(server.url, 'fiona@costs.example');
    const dana = await devLogin(server.url, 'dana@flags.example');
    const nils = await devLogin(server.url, 'nils@costs.example');
    const ids = async (cookie: string) => ((await request(`${server.url}/api/apps`, { cookie })).body as { apps: Array<{ id: string; status: string }> }).apps.map((app) => `${app.id}:${app.status}`);
    expect(await ids(fiona)).toEqual(['contractor-costs:ok']);
    expect(await ids(dana)).toEqual(['feature-flags:ok']);
    expect(await ids(nils)).toEqual([]);
  });

  test('team lead reads only their team', async () => {
    const mei = await devLogin(server.url, 'mei@costs.example');
    const teams = await query(mei, 'contractor-costs', 'teams');
    expect(teams.status).toBe(200);
    expect((teams.body as Rows).rows.map((row) => row.team)).toEqual(['mobile']);

    const weekly = await query(mei, 'contractor-costs', 'weeklyCost');
    expect(new Set((weekly.body as Rows).rows.map((row) => row.team))).toEqual(new Set(['mobile']));

    const otherTeam = await query(mei, 'contractor-costs', 'contractors', { team: 'data' });
    expect(otherTeam.status).toBe(200);
    expect((otherTeam.body as Rows).rows).toEqual([]);
  });

  test('finance reads every team', async () => {
    const fiona = await devLogin(server.url, 'fiona@costs.example');
    const teams = await query(fiona, 'contractor-costs', 'teams');
    expect((teams.body as Rows).rows.map((row) => row.team)).toEqual(['data', 'mobile', 'platform', 'security', 'support', 'web']);
  });

  test('spike threshold out of range is rejected', async () => {
    const fiona = await devLogin(server.url, 'fiona@costs.example');
    const response = await query(fiona, 'contractor-costs', 'costSpikes', { threshold: 11 });
    expect(response.status).toBe(400);
    expect((response.body as { error: { code: string; field: string } }).error).toMatchObject({ code: 'invalid_params', field: 'params.threshold' });
  });

  test('flag toggle writes history with the email', async () => {
    const eli = await devLogin(server.url, 'eli@flags.example');
    const action = await request(`${server.url}/api/apps/feature-flags/actions/enableFlag`, { method: 'POST', cookie: eli, json: { params: { key: 'live-chat', environment: 'staging' } } });
    expect(action.status).toBe(200);
    expect((action.body as { changes: number }).changes).toBe(1);

    const history = await query(eli, 'feature-flags', 'flagHistory', { key: 'live-chat' });
    expect((history.body as Rows).rows[0]).toMatchObject({ environment: 'staging', field: 'enabled', old_value: 'off', new_value: 'on', changed_by: 'eli@flags.example' });
    const states = await query(eli, 'feature-flags', 'flagStates', { environment: 'staging', search: 'live-chat' });
    expect((states.body as Rows).rows).toEqual([expect.objectContaining({ flag_key: 'live-chat', status: 'on', updated_by: 'eli@flags.example' })]);

    const again = await request(`${server.url}/api/apps/feature-flags/actions/enableFlag`, { method: 'POST', cookie: eli, json: { params: { key: 'live-chat', environment: 'staging' } } });
    expect(again.status).toBe(409);
  });

  test('viewer cannot toggle a flag', async () => {
    const vera = await devLogin(server.url, 'vera@flags.example');
    const action = await request(`${server.url}/api/apps/feature-flags/actions/disableFlag`, { method: 'POST', cookie: vera, json: { params: { key: 'dark-mode', environment: 'production' } } });
    expect(action.status).toBe(403);
  });
});
