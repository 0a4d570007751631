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

  test('recompute month runs with progress and rebuilds the weekly cost tables', async () => {
    const fiona = await devLogin(server.url, 'fiona@costs.example');
    const api = `${server.url}/api/apps/contractor-costs`;
    const mei = await devLogin(server.url, 'mei@costs.example');
    // Finance runs jobs; team leads see none of them.
    expect((await request(`${api}/jobs`, { cookie: mei })).body.jobs).toEqual([]);
    expect((await request(`${api}/jobs/recomputeMonth/runs`, { method: 'POST', cookie: mei, json: { params: { month: '2026-10' } } })).status).toBe(403);

    const bad = await request(`${api}/jobs/recomputeMonth/runs`, { method: 'POST', cookie: fiona, json: { params: { month: '2026-13' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('params.month');

    const before = await query(fiona, 'contractor-costs', 'weeklyTeamCost', { team: 'data' });
    const octoberBefore = (before.body as Rows).rows.filter((row) => String(row.week_start).startsWith('2026-10'));
    expect(octoberBefore.length).toBeGreaterThan(3);

    const started = await request(`${api}/jobs/recomputeMonth/runs`, { method: 'POST', cookie: fiona, json: { params: { month: '2026-10' } } });
    expect(started.status).toBe(202);
    let run = started.body.run;
    for (let i = 0; i < 400 && !['succeeded', 'failed'].includes(run.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      run = (await request(`${api}/jobs/runs/${run.id}`, { cookie: fiona })).body.run;
    }
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((step: { id: string; status: string }) => `${step.id}:${step.status}`)).toEqual(['reprice:done', 'aggregate:done', 'flag:done']);
    // Every contractor with an October timesheet was walked, six per chunk.
    expect(run.steps[0].rows).toBe(run.steps[0].rowsTotal);
    expect(run.steps[0].rowsTotal).toBeGreaterThan(300);

    const after = await query(fiona, 'contractor-costs', 'weeklyTeamCost', { team: 'data' });
    const octoberAfter = (after.body as Rows).rows.filter((row) => String(row.week_start).startsWith('2026-10'));
    expect(octoberAfter.map((row) => row.week_start)).toEqual(octoberBefore.map((row) => row.week_start));
    expect(octoberAfter.every((row) => Date.parse(String(row.computed_at)) > Date.parse('2026-11-30T00:00:00Z'))).toBe(true);
    expect(octoberAfter.every((row) => row.status === 'spike' || row.status === 'normal')).toBe(true);

    // The nightly job has a schedule; the list shows its next time.
    const jobs = (await request(`${api}/jobs`, { cookie: fiona })).body.jobs;
    expect(jobs.find((job: { id: string }) => job.id === 'aggregateWeeks').schedule).toMatchObject({ cron: '30 1 * * *', timeZone: 'Europe/Berlin' });
  });

  test('team lead exports their team\'s timesheets only', async () => {
    const mei = await devLogin(server.url, 'mei@costs.example');
    const own = await fetch(`${server.url}/api/apps/contractor-costs/queries/teamTimesheets/export?format=csv&params=${encodeURIComponent(JSON.stringify({ team: 'mobile' }))}`, { headers: { cookie: mei } });
    expect(own.status).toBe(200);
    const lines = (await own.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,week_start,contractor,country,hours,cost,status,team');
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.slice(1).every((line) => line.endsWith(',mobile'))).toBe(true);
    const other = await fetch(`${server.url}/api/apps/contractor-costs/queries/teamTimesheets/export?format=csv&params=${encodeURIComponent(JSON.stringify({ team: 'data' }))}`, { headers: { cookie: mei } });
    expect(other.status).toBe(200);
    expect((await other.text()).trim().split('\r\n')).toEqual(['id,week_start,contractor,country,hours,cost,status,team']);
  });
});
