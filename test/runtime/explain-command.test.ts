// `opsdeck explain`: per page, query and action, the decision for one user and
// the rule behind it, with the row and column rules that apply.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runExplain } from '../../runtime/commands/explain.js';
import { REPO_ROOT } from '../helpers/apps.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'row-rules');

async function explain(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runExplain(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

describe('opsdeck explain', () => {
  it('names the deciding rule, the row rule and the hidden and masked columns for an agent', async () => {
    const result = await explain(FIXTURE, '--user', 'Ana@Example.com', '--groups', 'support,team-a', '--attribute', 'region=emea');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('app tickets (Ticket desk) for ana@example.com');
    expect(result.stdout).toContain('attributes: region=emea');
    expect(lines.find((line) => line.includes('query  tickets'))).toMatch(/allowed {2}role:agent run query:tickets \(via group:support\)/);
    expect(result.stdout).toContain("rows: region = user.region and status != 'archived'");
    expect(result.stdout).toContain('hidden: cost_cents');
    expect(result.stdout).toContain('masked: customer_email');
    expect(lines.find((line) => line.includes('action deleteTicket'))).toContain('allowed');
    expect(result.stdout).toContain('changes only rows the user sees through query tickets');
  });

  it('shows denials and unrestricted access for a lead', async () => {
    const result = await explain(FIXTURE, '--user', 'lena@example.com', '--groups', 'support-leads', '--format', 'json');
    expect(result.code).toBe(0);
    const entries = JSON.parse(result.stdout).apps[0].entries as Array<{ kind: string; id: string; allowed: boolean; rule: string; rows?: string; hidden?: string[] }>;
    const tickets = entries.find((entry) => entry.id === 'tickets')!;
    expect(tickets).toMatchObject({ allowed: true, rule: 'role:lead run query:tickets' });
    expect(tickets.rows).toBeUndefined();
    expect(tickets.hidden).toBeUndefined();
    expect(entries.find((entry) => entry.id === 'deleteTicket')).toMatchObject({ allowed: false, rule: 'no rule allows it' });
    expect(entries.find((entry) => entry.id === 'teams' && entry.kind === 'page')).toMatchObject({ allowed: false });
  });

  it('explains a user of no role as denied everywhere', async () => {
    const result = await explain(FIXTURE, '--user', 'someone@example.com', '--format', 'json');
    const entries = JSON.parse(result.stdout).apps[0].entries as Array<{ allowed: boolean }>;
    expect(entries.length).toBeGreaterThan(5);
    expect(entries.every((entry) => !entry.allowed)).toBe(true);
  });

  it('names the rule that lets a user export a query', async () => {
    const exports = join(REPO_ROOT, 'test', 'fixtures', 'b1');
    const clerk = await explain(exports, '--user', 'ana@example.com', '--format', 'json');
    const entries = JSON.parse(clerk.stdout).apps[0].entries as Array<{ kind: string; id: string; export?: string }>;
    expect(entries.find((entry) => entry.kind === 'query' && entry.id === 'entries')?.export).toBe('role:clerk export query:entries');
    const viewer = await explain(exports, '--user', 'victor@example.com');
    expect(viewer.stdout).not.toContain('may export it');
    expect((await explain(exports, '--user', 'ana@example.com')).stdout).toContain('may export it: role:clerk export query:entries');
  });

  it('refuses missing or malformed options with the usage', async () => {
    expect((await explain(FIXTURE)).stderr).toContain('--user');
    expect((await explain(FIXTURE, '--user', 'a', '--attribute', 'region')).stderr).toContain('is not name=value');
    expect((await explain(FIXTURE, '--user', 'a', '--format', 'xml')).code).toBe(2);
    const unknownApp = await explain(FIXTURE, '--user', 'a', '--app', 'nope');
    expect(unknownApp.code).toBe(2);
    expect(unknownApp.stderr).toContain('ids found: tickets');
  });
});
