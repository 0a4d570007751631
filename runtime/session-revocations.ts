// Sessions that were signed out before their cookie expired. A session cookie
// is signed and carries its own expiry, so any process with the session secret
// accepts it. Signing out must therefore be recorded where every process reads
// it, or a copy of the cookie would stay valid until it expires. The file
// store keeps the list in `.opsdeck/signed-out.jsonl` for one process; the
// PostgreSQL store shares it between processes (system-store/pg-sessions.ts).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The signed-out sessions, checked on every request without I/O. */
export interface SessionRevocations {
  /** Tells whether the session with this id was signed out. */
  isRevoked(id: string): boolean;
  /** Records that a session was signed out, kept until `expiresAt` (ms since the epoch), when its cookie stops working anyway. */
  revoke(id: string, expiresAt: number): Promise<void>;
  /** Whether sign-outs made elsewhere are being read; readiness reports it. */
  status(): { available: boolean; reason?: string };
  close(): Promise<void>;
}

/** Raised when a sign-out cannot be recorded; the message names no path or URL. */
export class RevocationFailed extends Error {}

/** Signed-out session ids with their expiry, dropping those past it. */
export class RevokedIds {
  readonly #expiries = new Map<string, number>();

  has(id: string, now = Date.now()): boolean {
    const expiresAt = this.#expiries.get(id);
    return expiresAt !== undefined && expiresAt >= now;
  }

  add(id: string, expiresAt: number): void {
    this.#expiries.set(id, Math.max(expiresAt, this.#expiries.get(id) ?? 0));
  }

  /** Forgets the ids whose sessions have expired; returns how many are left. */
  prune(now = Date.now()): number {
    for (const [id, expiresAt] of this.#expiries) if (expiresAt < now) this.#expiries.delete(id);
    return this.#expiries.size;
  }

  entries(): Array<[string, number]> {
    return [...this.#expiries];
  }
}

/**
 * The file store's list: one JSON line `{"id", "exp"}` per sign-out. Loading
 * drops expired lines and, when it dropped any, writes the file again
 * without them, so the file does not grow without end.
 */
export class FileSessionRevocations implements SessionRevocations {
  readonly #file: string;
  readonly #ids = new RevokedIds();

  constructor(file: string) {
    this.#file = file;
    if (!existsSync(file)) return;
    let lines = 0;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines += 1;
      const parsed = parseLine(line);
      // A torn last line (the process stopped mid-write) is skipped, so only that one sign-out is lost.
      if (parsed !== undefined) this.#ids.add(parsed.id, parsed.exp);
    }
    if (this.#ids.prune() < lines) this.#rewrite();
  }

  isRevoked(id: string): boolean {
    return this.#ids.has(id);
  }

  async revoke(id: string, expiresAt: number): Promise<void> {
    this.#ids.add(id, expiresAt);
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      await appendFile(this.#file, `${JSON.stringify({ id, exp: expiresAt })}\n`);
    } catch (err) {
      throw new RevocationFailed(`cannot record the sign-out in the signed-out sessions file: ${(err as NodeJS.ErrnoException).code ?? 'write failed'}`);
    }
  }

  /** Returns available always, because one process writes the file and reads only its own sign-outs. */
  status(): { available: boolean; reason?: string } {
    return { available: true };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #rewrite(): void {
    const text = this.#ids
      .entries()
      .map(([id, exp]) => `${JSON.stringify({ id, exp })}\n`)
      .join('');
    const temporary = `${this.#file}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, this.#file);
  }
}

/** Reads one line of the file, or returns undefined when it is not a valid entry. */
function parseLine(line: string): { id: string; exp: number } | undefined {
  try {
    const value = JSON.parse(line) as { id?: unknown; exp?: unknown };
    return typeof value.id === 'string' && typeof value.exp === 'number' ? { id: value.id, exp: value.exp } : undefined;
  } catch {
    return undefined;
  }
}
