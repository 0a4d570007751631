// A copy of the chinook-support example with audit settings: agents read the
// audit trail, `invoices` records its parameters, `notes` records nothing,
// and `tokenLookup` has secret parameters.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';

export interface AuditedApp extends TempRoot {
  auditFile: string;
}

const TOKEN_QUERY = `  tokenLookup:
    title: Token lookup
    datasource: main
    sql: select customer_id as "CustomerId" from customer where customer_id = :customerId and :apiToken is not null and :pin is not null
    params:
      customerId: { type: integer, minimum: 1 }
      apiToken: { type: string }
      pin: { type: string, secret: true }
    required: [customerId]
    audit: params
    allow: [viewer]

`;

export function copyAuditedApp(): AuditedApp {
  const temp = copyChinookApp();
  const file = join(temp.appDir, 'app.yaml');
  let text = readFileSync(file, 'utf8');
  const replace = (from: string, to: string): void => {
    if (!text.includes(from)) throw new Error(`the example app.yaml no longer contains ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  };
  replace('  invoices:\n    title: Invoices\n', '  invoices:\n    title: Invoices\n    audit: params\n');
  replace('  notes:\n    title: Notes\n', '  notes:\n    title: Notes\n    audit: off\n');
  replace('queries:\n', `queries:\n${TOKEN_QUERY}`);
  // The example names its audit viewers; the tests rely on agents being one of them.
  if (!/^audit:\n  viewers: \[agent\]$/m.test(text)) throw new Error('the example app.yaml no longer lets agents view the audit trail');
  writeFileSync(file, text);
  return { ...temp, auditFile: join(temp.root, '.opsdeck', 'audit.jsonl') };
}

/** Reads every record of the audit log. */
export function readAudit(file: string): Array<Record<string, any>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}
