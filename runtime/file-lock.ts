// Keeps one process at a time on a file that only one writer may use: a
// `kind: sqlite` database, which each process keeps in memory and writes back
// whole, and the file store's audit log, whose hash chain two writers would
// fork. A lock file beside it, `<file>.opsdeck-lock`, names the process that
// owns it, which refreshes its time every few seconds. Another process finds
// it fresh and leaves the file alone. A lock left by a process that is gone is
// taken over: at once when that process ran on this host, otherwise once the
// lock is older than STALE_MS.
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';

/** How often the owner refreshes its lock's time. */
const REFRESH_MS = 5_000;
/** Age after which a lock of another host counts as left behind. */
export const STALE_MS = 30_000;

/** This process's id in lock files: new at each start, so a restarted process with the same pid is distinguished from its earlier run. */
const OWNER = randomUUID();

interface LockContent {
  owner: string;
  pid: number;
  host: string;
}

interface HeldLock {
  /** Data sources of this process that use the file (the registry opens one per app version). */
  users: number;
  timer: NodeJS.Timeout;
  /** Set when another process took the lock over; the file must not be written any more. */
  lost?: string;
}

const locksOfThisProcess = new Map<string, HeldLock>();

/** Returns the lock file's path for a database file. */
export function lockPathOf(file: string): string {
  return `${file}.opsdeck-lock`;
}

/**
 * Takes the lock of `file` for one more user in this process. Returns
 * undefined on success, or a description of the live process that has the
 * lock, such as "another Opsdeck process (pid 12 on web-1)".
 */
export function acquireFileLock(file: string): string | undefined {
  const path = lockPathOf(file);
  const mine = locksOfThisProcess.get(path);
  if (mine !== undefined && mine.lost === undefined) {
    mine.users += 1;
    return undefined;
  }
  const blocker = takeLock(path);
  if (blocker !== undefined) return holderOf(blocker);
  if (mine !== undefined) {
    // Taken back after it was lost: the users already counted keep their count.
    mine.lost = undefined;
    mine.users += 1;
    mine.timer = refreshTimer(path);
    return undefined;
  }
  locksOfThisProcess.set(path, { users: 1, timer: refreshTimer(path) });
  return undefined;
}

/** Returns undefined while this process holds the lock of `file`, or a description of what took it. */
export function lockLost(file: string): string | undefined {
  const lock = locksOfThisProcess.get(lockPathOf(file));
  return lock === undefined ? 'an unknown process (this process no longer has the lock)' : lock.lost;
}

/** Ends one user's hold; the last one removes the lock file, if it is still this process's. */
export function releaseFileLock(file: string): void {
  const path = lockPathOf(file);
  const lock = locksOfThisProcess.get(path);
  if (lock === undefined) return;
  lock.users -= 1;
  if (lock.users > 0) return;
  clearInterval(lock.timer);
  locksOfThisProcess.delete(path);
  if (lock.lost === undefined && readLock(path)?.owner === OWNER) unlinkQuietly(path);
}

/** Creates the lock file, or takes over a left-behind one. Returns the content of a live lock of another process that blocks it. */
function takeLock(path: string): LockContent | undefined {
  const content: LockContent = { owner: OWNER, pid: process.pid, host: hostname() };
  try {
    const fd = openSync(path, 'wx', 0o644);
    try {
      writeSync(fd, JSON.stringify(content));
    } finally {
      closeSync(fd);
    }
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const current = readLock(path);
  if (current !== undefined && current.owner !== OWNER && !leftBehind(path, current)) return current;
  // Written aside and renamed over, so a reader never sees half a lock.
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o644);
  try {
    writeSync(fd, JSON.stringify(content));
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  return undefined;
}

/** Tells whether a lock of another owner was left by a process that is gone. */
function leftBehind(path: string, lock: LockContent): boolean {
  if (lock.host === hostname()) {
    // This process under an earlier owner id (a restart that got the same pid, as in a container) or a process that exited.
    if (lock.pid === process.pid) return true;
    try {
      process.kill(lock.pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
  return Date.now() - statSync(path).mtimeMs > STALE_MS;
}

/** Refreshes the lock's time, and notices when another process took it over. */
function refreshTimer(path: string): NodeJS.Timeout {
  const timer = setInterval(() => {
    const lock = locksOfThisProcess.get(path);
    if (lock === undefined) return;
    const current = readLock(path);
    if (current?.owner !== OWNER) {
      lock.lost = current === undefined ? `a process that removed the lock file ${basename(path)}` : holderOf(current);
      clearInterval(lock.timer);
      return;
    }
    const now = new Date();
    try {
      utimesSync(path, now, now);
    } catch {
      // The next refresh tries again; a lock older than STALE_MS may be taken over meanwhile, which the next read notices.
    }
  }, REFRESH_MS);
  timer.unref();
  return timer;
}

function readLock(path: string): LockContent | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    return typeof value.owner === 'string' && typeof value.pid === 'number' && typeof value.host === 'string' ? (value as LockContent) : undefined;
  } catch {
    return undefined;
  }
}

function holderOf(lock: LockContent): string {
  return `another Opsdeck process (pid ${lock.pid} on ${lock.host})`;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
