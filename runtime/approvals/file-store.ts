// The approval store of one served folder: an append-only JSON-lines file of
// events (`.opsdeck/approvals.jsonl`), each fsynced before the caller goes on,
// and replayed into memory when the server starts.
//
// NOTE: this store suits one server process. Moving approvals to PostgreSQL is
// planned, so that several processes can share them. Until then two servers on
// one folder do not see each other's events.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';
import { applyEvent, ApprovalConflict, ApprovalStoreUnavailable, type ApprovalEvent, type ApprovalRequest, type ApprovalStore, type NewApprovalRequest } from './store.js';

/** Keeps requests in memory and every change in the file. The file contains parameter values in clear (secret ones too) and is created with mode 0600. */
export class FileApprovalStore implements ApprovalStore {
  readonly file: string;
  readonly #requests = new Map<string, ApprovalRequest>();
  readonly #log: Logger;

  constructor(file: string, log: Logger) {
    this.file = file;
    this.#log = log;
    this.#replay();
  }

  async create(request: NewApprovalRequest): Promise<ApprovalRequest> {
    return this.#apply({ type: 'created', at: request.createdAt, request });
  }

  async get(app: string, id: string): Promise<ApprovalRequest | undefined> {
    const request = this.#requests.get(id);
    return request?.app === app ? request : undefined;
  }

  async list(app: string): Promise<ApprovalRequest[]> {
    return [...this.#requests.values()].filter((request) => request.app === app);
  }

  async record(event: Exclude<ApprovalEvent, { type: 'created' }>): Promise<ApprovalRequest> {
    return this.#apply(event);
  }

  /** Checks the event against the current state, writes it durably, then changes the state. */
  #apply(event: ApprovalEvent): ApprovalRequest {
    const id = event.type === 'created' ? event.request.id : event.id;
    const next = applyEvent(this.#requests.get(id), event);
    this.#append(event);
    this.#requests.set(id, next);
    return next;
  }

  #append(event: ApprovalEvent): void {
    const line = Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
    let fd: number | undefined;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      fd = openSync(this.file, 'a', 0o600);
      let offset = 0;
      while (offset < line.length) offset += writeSync(fd, line, offset, line.length - offset);
      fsyncSync(fd);
    } catch (err) {
      throw new ApprovalStoreUnavailable(`cannot write the approvals file ${this.file}: ${(err as Error).message}`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Replays the file. A line that is not a valid event (such as one cut short by a crash) is skipped and logged. */
  #replay(): void {
    if (!existsSync(this.file)) return;
    const lines = readFileSync(this.file, 'utf8').split('\n');
    let skipped = 0;
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        const event = JSON.parse(line) as ApprovalEvent;
        const id = event.type === 'created' ? event.request.id : event.id;
        this.#requests.set(id, applyEvent(this.#requests.get(id), event));
      } catch (err) {
        if (!(err instanceof SyntaxError || err instanceof ApprovalConflict || err instanceof TypeError)) throw err;
        skipped += 1;
        this.#log.warn({ file: this.file, line: index + 1, err }, 'approvals file: line skipped');
      }
    });
    this.#log.info({ file: this.file, requests: this.#requests.size, skipped }, 'approvals loaded');
  }
}
