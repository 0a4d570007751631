// The row rule language: what parses, what each mistake says and where, and
// the spec checks of `restrict:`, `scope:`, wildcards and superusers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildApp } from '../../core/build-app.js';
import { formatRowRule, parseRowRule, RowRuleError, ruleColumns, ruleUserValues } from '../../core/row-rules.js';

const fixturePath = join(import.meta.dirname, '../fixtures/row-rules/tickets/app.yaml');
const fixture = readFileSync(fixturePath, 'utf8');

function diagnose(text: string) {
  const { model, diagnostics } = buildApp({ file: 'app.yaml', text });
  return { model, found: diagnostics.map((d) => ({ code: d.code, line: d.line, col: d.col, message: d.message })) };
}

function failure(text: string): { message: string; offset: number } {
  try {
    parseRowRule(text);
  } catch (err) {
    if (err instanceof RowRuleError) return { message: err.message, offset: err.offset };
    throw err;
  }
  throw new Error(`"${text}" parsed`);
}

describe('parseRowRule', () => {
  test('reads comparisons, lists, null tests and precedence', () => {
    const rule = parseRowRule(`region = user.region and (status != 'closed' or priority >= 3) and not team in user.groups and owner is not null`);
    expect(formatRowRule(rule)).toBe(`region = user.region and (status != 'closed' or priority >= 3) and not team in user.groups and owner is not null`);
    expect(ruleColumns(rule)).toEqual(['region', 'status', 'priority', 'team', 'owner']);
    expect(ruleUserValues(rule)).toEqual(['region', 'groups']);
  });

  test('binds `and` tighter than `or`', () => {
    expect(formatRowRule(parseRowRule('a = 1 or b = 2 and c = 3'))).toBe('a = 1 or (b = 2 and c = 3)');
  });

  test('reads quoted names, doubled quotes, negative numbers, `<>` and literal lists', () => {
    const rule = parseRowRule(`"Billing Country" <> 'Côte d''Ivoire' and balance > -10.5 and kind not in ('a', 'b', true)`);
    expect(formatRowRule(rule)).toBe(`"Billing Country" != 'Côte d''Ivoire' and balance > -10.5 and kind not in ('a', 'b', true)`);
  });

  test.each([
    ['', 0, 'empty'],
    ['region = ', 9, 'expected a value'],
    ['region == user.region', 8, 'expected a value'],
    ['region = emea', 9, "write text in single quotes ('emea')"],
    ["region = 'emea", 9, 'not closed'],
    ['user.region = region', 0, 'starts with the column'],
    ['region = user.region; drop table x', 20, 'not part of the row rule language'],
    ['region = user.', 14, 'a name after `user.`'],
    ['(region = user.region', 21, 'expected `)`'],
    ['region in user', 14, '`.` and a name after `user`'],
    ['region is 1', 10, '`null` after `is`'],
    ['region = user.region region', 21, '`and`, `or` or the end'],
    ['region = 1 and', 14, 'a column name'],
  ])('rejects %j at offset %i', (text, offset, words) => {
    const problem = failure(text);
    expect(problem.offset).toBe(offset);
    expect(problem.message).toContain(words);
  });

  test('refuses a rule longer than 2000 characters', () => {
    expect(failure(`a = 1${' or a = 1'.repeat(300)}`).message).toContain('at most 2000');
  });
});

describe('spec checks of access rules', () => {
  test('the fixture has no problems and compiles its rules', () => {
    const { model, found } = diagnose(fixture);
    expect(found).toEqual([]);
    expect(model!.queries.tickets.restrict.agent.hide).toEqual(['cost_cents']);
    expect(formatRowRule(model!.queries.tickets.restrict.agent.rows!)).toBe(`region = user.region and status != 'archived'`);
  });

  test('a row rule that does not parse points at the character inside the rule', () => {
    const { found } = diagnose(fixture.replace("rows: region = user.region and status != 'archived'", 'rows: region = user.region and status ~ 1'));
    expect(found).toEqual([expect.objectContaining({ code: 'row-rule-syntax', line: 33, col: 47 })]);
    expect(found[0].message).toContain('`~` is not part of the row rule language');
  });

  test('a restriction for a role that the query does not allow, or that does not exist', () => {
    const notAllowed = diagnose(fixture.replace('    allow: [agent]\n    restrict:\n      agent:\n        rows: team in user.groups', '    allow: [lead]\n    restrict:\n      agent:\n        rows: team in user.groups'));
    expect(notAllowed.found.map((d) => d.code)).toContain('restrict-role-not-allowed');
    const unknown = diagnose(fixture.replace('    restrict:\n      agent:\n        rows: region', '    restrict:\n      agnet:\n        rows: region'));
    expect(unknown.found.map((d) => d.code)).toContain('unknown-role');
    expect(unknown.found.find((d) => d.code === 'unknown-role')!.message).toContain('agnet');
  });

  test('a column both hidden and masked', () => {
    const { found } = diagnose(fixture.replace('mask: [customer_email]', 'mask: [customer_email, cost_cents]'));
    expect(found).toEqual([expect.objectContaining({ code: 'restrict-conflict' })]);
  });

  test('a wildcard in an allow list is refused with the superuser hint', () => {
    const { found, model } = diagnose(fixture.replace('    allow: [agent, lead]\n    restrict:', "    allow: ['*']\n    restrict:"));
    expect(model).toBeUndefined();
    expect(found.map((d) => d.code)).toContain('wildcard-grant');
  });

  test('scope mistakes: unknown query, unknown parameter, a query with required parameters', () => {
    expect(diagnose(fixture.replace('scope: { query: tickets, key: id, param: id }\n    allow: [agent, lead]\n  moveTicket', 'scope: { query: tikets, key: id, param: id }\n    allow: [agent, lead]\n  moveTicket')).found.map((d) => d.code)).toContain('unknown-query');
    expect(diagnose(fixture.replace('scope: { query: tickets, key: id, param: id }\n    preview', 'scope: { query: tickets, key: id, param: ticket }\n    preview')).found.map((d) => d.code)).toContain('unknown-param');
    const required = fixture.replace("params:\n      q: { type: string, maxLength: 100, searches: [subject, customer_email] }", "params:\n      q: { type: string, maxLength: 100, searches: [subject, customer_email] }\n    required: [q]");
    expect(diagnose(required).found.map((d) => d.code)).toContain('scope-required-params');
  });
});
