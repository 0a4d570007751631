import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FileAuditLog } from '../../runtime/audit.js';
import { FileApprovalStore } from '../../runtime/approvals/file-store.js';
import { FileSessionRevocations } from '../../runtime/session-revocations.js';
import { systemStoreContract } from './system-store.contract.js';

const folders: string[] = [];
const log = pino({ level: 'silent' });
const folder = (): string => {
  const made = mkdtempSync(join(tmpdir(), 'opsdeck-store-'));
  folders.push(made);
  return made;
};
/** Returns a path whose parent is a regular file, so nothing can be written there. */
const underAFile = (name: string): string => {
  const blocker = join(folder(), 'not-a-folder');
  writeFileSync(blocker, '');
  return join(blocker, name);
};

systemStoreContract({
  name: 'files',
  openAuditWriters: async () => {
    const shared = new FileAuditLog(join(folder(), 'audit.jsonl'));
    return [shared, shared];
  },
  openUnavailableAudit: async () => new FileAuditLog(underAFile('audit.jsonl')),
  openApprovalStores: async () => {
    const shared = new FileApprovalStore(join(folder(), 'approvals.jsonl'), log);
    return [shared, shared];
  },
  openUnavailableApprovals: async () => new FileApprovalStore(underAFile('approvals.jsonl'), log),
  openSessionLists: async () => {
    const shared = new FileSessionRevocations(join(folder(), 'signed-out.jsonl'));
    return [shared, shared];
  },
  openUnavailableSessions: async () => new FileSessionRevocations(underAFile('signed-out.jsonl')),
  cleanup: async () => {
    for (const made of folders) rmSync(made, { recursive: true, force: true });
  },
});
