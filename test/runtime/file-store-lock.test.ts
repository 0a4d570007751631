// The file store serves one process: a second `opsdeck serve` on the same
// folder would fork the audit hash chain, so it stops at start and names the
// process that has the folder's lock. A process killed without a word leaves its
// lock behind, and the next start on the same host takes it over.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TempRoot } from '../helpers/apps.js';
import { kill, spawnServer, type ServerProcess } from '../helpers/process.js';
import { request } from '../helpers/server.js';
import { AuditUnavailable, FileAuditLog } from '../../runtime/audit.js';
import { writeRefundsApp } from './approvals-app.js';

let temp: TempRoot | undefined;
const servers: ServerProcess[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await kill(server.child, 'SIGKILL');
  temp?.remove();
  temp = undefined;
});

describe('file store lock', () => {
  it('stops a second process on the same folder', async () => {
    temp = writeRefundsApp();
    const first = await spawnServer(temp.root, ['--no-watch']);
    servers.push(first);
    const failure = await spawnServer(temp.root, ['--no-watch']).then(
      (started) => {
        servers.push(started);
        return '';
      },
      (err: Error) => err.message,
    );
    expect(failure).toContain('exited with 1');
    expect(failure).toContain(`its audit log .opsdeck/audit.jsonl is in use by another Opsdeck process (pid ${first.child.pid}`);
    expect(failure).toContain('set store.kind: postgres in opsdeck.yaml to run several');
    expect((await request(`${first.url}/readyz`)).status).toBe(200);
  });

  it('takes over the lock of a killed process', async () => {
    temp = writeRefundsApp();
    const first = await spawnServer(temp.root, ['--no-watch']);
    await kill(first.child, 'SIGKILL');
    expect(existsSync(join(temp.root, '.opsdeck', 'audit.jsonl.opsdeck-lock'))).toBe(true);
    const second = await spawnServer(temp.root, ['--no-watch']);
    servers.push(second);
    expect((await request(`${second.url}/readyz`)).status).toBe(200);
  });

  it('stops appending once another process took the lock', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'opsdeck-audit-lock-'));
    try {
      let taker: string | undefined;
      const audit = new FileAuditLog(join(folder, 'audit.jsonl'), { lockTakenBy: () => taker });
      const entry = { user: 'u@example.com', groups: [], app: 'desk', object: 'action:a', outcome: 'succeeded' as const, specVersion: 'v1' };
      expect((await audit.append(entry)).seq).toBe(1);
      taker = 'another Opsdeck process (pid 7 on web-2)';
      const rejected = audit.append(entry);
      await expect(rejected).rejects.toBeInstanceOf(AuditUnavailable);
      await expect(rejected).rejects.toThrow('the audit log is in use by another Opsdeck process (pid 7 on web-2); the file store serves one process');
      expect(audit.status).toEqual({ available: false, reason: 'the audit log is in use by another Opsdeck process (pid 7 on web-2)' });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
