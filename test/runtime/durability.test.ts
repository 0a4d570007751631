import { afterEach, describe, expect, it } from 'vitest';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { kill, spawnServer, type ServerProcess } from '../helpers/process.js';
import { devLogin, request } from '../helpers/server.js';
import { join } from 'node:path';
import { verifyAuditFile } from '../../runtime/audit-verify.js';

let temp: TempRoot | undefined;
let server: ServerProcess | undefined;

afterEach(async () => {
  if (server) await kill(server.child);
  temp?.remove();
  server = undefined;
  temp = undefined;
});

describe('durability', () => {
  it('keeps an acknowledged action after SIGKILL', async () => {
    temp = copyChinookApp();
    server = await spawnServer(temp.root, ['--no-watch']);
    const cookie = await devLogin(server.url, 'ana@chinook.example');
    const api = `${server.url}/api/apps/chinook-support`;

    const flagged = await request(`${api}/actions/flagCustomer`, { method: 'POST', cookie, json: { params: { id: 21, reason: 'Suspicious refund pattern' } } });
    expect(flagged.status).toBe(200);
    const noted = await request(`${api}/actions/addNote`, { method: 'POST', cookie, json: { params: { id: 21, body: 'Written just before the crash' } } });
    expect(noted.status).toBe(200);
    await kill(server.child, 'SIGKILL');

    server = await spawnServer(temp.root, ['--no-watch']);
    const after = `${server.url}/api/apps/chinook-support`;
    const again = await devLogin(server.url, 'ana@chinook.example');
    const flags = await request(`${after}/queries/flaggedAccounts`, { method: 'POST', cookie: again, json: { filter: { CustomerId: 21 } } });
    expect(flags.body.total).toBe(1);
    expect(flags.body.rows[0].reason).toBe('Suspicious refund pattern');
    const notes = await request(`${after}/queries/notes`, { method: 'POST', cookie: again, json: { params: { customerId: 21 } } });
    expect(notes.body.rows.map((row: { body: string }) => row.body)).toEqual(['Written just before the crash']);

    // The audit chain survived the kill and the restarted server linked its records to it.
    const verified = await verifyAuditFile(join(temp.root, '.opsdeck', 'audit.jsonl'));
    expect(verified.problem).toBeUndefined();
    expect(verified.records).toBeGreaterThanOrEqual(8);
  });

  it('refuses to start with an invalid spec and prints the diagnostics', async () => {
    temp = copyChinookApp();
    const { writeFileSync, readFileSync } = await import('node:fs');
    const file = `${temp.appDir}/app.yaml`;
    writeFileSync(file, readFileSync(file, 'utf8').replace('query: invoices\n', 'query: invoicez\n'));
    const failure = await spawnServer(temp.root).then(
      (started) => {
        server = started;
        return '';
      },
      (err: Error) => err.message,
    );
    expect(failure).toContain('exited with 1');
    expect(failure).toMatch(/app\.yaml:\d+:\d+: error [a-z-]+: .*invoicez/);
  });
});
