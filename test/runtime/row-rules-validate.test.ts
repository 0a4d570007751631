// `opsdeck validate` checks the columns that access rules name against the
// database: hidden, masked and searched columns, row rule columns, scope keys.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runValidate } from '../../runtime/commands/validate.js';
import { REPO_ROOT } from '../helpers/apps.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'row-rules', 'tickets');
let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

async function validate(edit: (spec: string) => string): Promise<{ code: number; diagnostics: Array<{ code: string; line: number; col: number; message: string; hint?: string }> }> {
  root = mkdtempSync(join(tmpdir(), 'opsdeck-rules-validate-'));
  cpSync(FIXTURE, join(root, 'tickets'), { recursive: true });
  const file = join(root, 'tickets', 'app.yaml');
  const original = readFileSync(file, 'utf8');
  const edited = edit(original);
  writeFileSync(file, edited);
  let stdout = '';
  const code = await runValidate([root, '--format', 'json'], { stdout: (text) => (stdout += text), stderr: () => undefined });
  return { code, diagnostics: JSON.parse(stdout).diagnostics };
}

describe('access rule columns', () => {
  it('accepts the fixture', async () => {
    const result = await validate((spec) => spec);
    expect(result.diagnostics).toEqual([]);
    expect(result.code).toBe(0);
  });

  it.each([
    ['hide: [cost_cents]', 'hide: [cost]', 'the rule hides `cost`', 'cost_cents'],
    ['mask: [customer_email]', 'mask: [customer_mail]', 'the rule masks `customer_mail`', 'customer_email'],
    ["rows: region = user.region and status != 'archived'", "rows: regoin = user.region and status != 'archived'", 'the row rule reads `regoin`', 'region'],
    ['searches: [subject, customer_email]', 'searches: [subject, email]', 'parameter `q` searches `email`', 'customer_email'],
    ['scope: { query: tickets, key: id, param: id }\n    allow: [agent, lead]\n  moveTicket', 'scope: { query: tickets, key: ticket_id, param: id }\n    allow: [agent, lead]\n  moveTicket', 'the scope key is `ticket_id`', 'id'],
  ])('names an unknown column: %s', async (from, to, message, guess) => {
    const result = await validate((spec) => spec.replace(from, to));
    expect(result.code).toBe(1);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code: 'unknown-column' });
    expect(result.diagnostics[0].message).toContain(message);
    expect(result.diagnostics[0].hint).toContain(guess);
  });
});
