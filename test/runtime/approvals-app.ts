// A small SQLite app with an action that needs approval, written into a
// temporary folder for the approvals tests: agents request refunds, leads
// approve them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewApprovalRequest } from '../../runtime/approvals/store.js';
import type { TempRoot } from '../helpers/apps.js';

export const AMY = 'amy@refunds.example';
export const BOB = 'bob@refunds.example';
export const LEA = 'lea@refunds.example';
export const LIZ = 'liz@refunds.example';

/** Builds a request of Amy's to refund order 1, for tests of the approval stores. */
export function newRefundRequest(id: string, expiresAt: string): NewApprovalRequest {
  return {
    id,
    app: 'refunds',
    action: 'refund',
    params: { id: 1, refund: 5 },
    maskedParams: { id: 1, refund: 5 },
    requester: { id: AMY, name: 'Amy', groups: ['agents'], attributes: {} },
    createdAt: new Date().toISOString(),
    expiresAt,
    specVersion: 'abc',
  };
}

/** Returns the spec; `amountMaximum` lets a test change the parameter schema under a pending request. */
export function refundsSpec(options: { amountMaximum?: number; expiresAfter?: string } = {}): string {
  return `
opsdeck: 1
id: refunds
title: Refunds
datasources:
  main: { kind: sqlite, file: data/refunds.sqlite, migrations: migrations }
roles:
  agent: { members: { groups: [agents] } }
  lead: { inherits: [agent], members: { groups: [leads] } }
devUsers:
  - { id: ${AMY}, name: Amy Agent, groups: [agents] }
  - { id: ${BOB}, name: Bob Agent, groups: [agents] }
  - { id: ${LEA}, name: Lea Lead, groups: [leads] }
  - { id: ${LIZ}, name: Liz Lead, groups: [leads] }
queries:
  orders:
    datasource: main
    sql: select id, customer, amount, refunded, refunded_by from orders order by id
    allow: [agent]
actions:
  refund:
    title: Refund order
    datasource: main
    sql: update orders set refunded = :refund, refunded_by = :user.id, reference = :reference where id = :id and refunded = 0
    params:
      id: { type: integer, minimum: 1 }
      refund: { type: number, minimum: 0${options.amountMaximum === undefined ? '' : `, maximum: ${options.amountMaximum}`}, title: Refund }
      reference: { type: string, secret: true, maxLength: 40 }
    required: [id, refund]
    expect: { rows: 1, message: This order was refunded already. }
    preview: { table: orders, key: id }
    success: Refund of order {{ params.id }} done.
    approval: { by: [lead], expiresAfter: ${options.expiresAfter ?? '2h'} }
    allow: [agent]
pages:
  orders:
    title: Orders
    allow: [agent]
    components:
      - table:
          query: orders
          rowKey: id
          columns: [id, customer, { field: amount, format: number }, { field: refunded, format: number }, refunded_by]
          rowActions: [{ action: refund, params: { id: id } }]
`;
}

const MIGRATION = `
create table orders (id integer primary key, customer text not null, amount real not null, refunded real not null default 0, refunded_by text, reference text);
insert into orders (id, customer, amount) values (1, 'Ada', 120), (2, 'Grace', 80), (3, 'Linus', 45), (4, 'Margaret', 300), (5, 'Ken', 60), (6, 'Barbara', 99);
`;

/** Writes the refunds app into a new temporary root with the development sign-in. */
export function writeRefundsApp(spec = refundsSpec()): TempRoot {
  const root = mkdtempSync(join(tmpdir(), 'opsdeck-approvals-'));
  const appDir = join(root, 'refunds');
  mkdirSync(join(appDir, 'migrations'), { recursive: true });
  writeFileSync(join(appDir, 'app.yaml'), spec);
  writeFileSync(join(appDir, 'migrations', '001_orders.sql'), MIGRATION);
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  return { root, appDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}
