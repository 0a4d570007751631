// One process at a time on a SQLite file. Another live process's lock keeps a
// data source unavailable, with a reason naming that process. A lock left
// behind is taken over, and the data source then reads the file afresh. A
// process whose lock was taken over stops writing the file.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { DatasourceUnavailable } from '../../runtime/datasources/datasource.js';
import { lockPathOf } from '../../runtime/file-lock.js';
import { SqliteDatasource } from '../../runtime/datasources/sqlite.js';

const log = pino({ level: 'silent' });
let folder: string | undefined;
let sleeper: ChildProcess | undefined;
const opened: SqliteDatasource[] = [];

afterEach(async () => {
  for (const source of opened.splice(0)) await source.close().catch(() => undefined);
  sleeper?.kill('SIGKILL');
  sleeper = undefined;
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

/** Opens a data source on `name` in the test folder, with a table `notes`. */
async function openNotes(name = 'notes.sqlite'): Promise<SqliteDatasource> {
  folder ??= mkdtempSync(join(tmpdir(), 'opsdeck-sqlite-lock-'));
  const source = await SqliteDatasource.open({ file: join(folder, name), log });
  opened.push(source);
  return source;
}

/** Writes a lock file as another process would. */
function foreignLock(file: string, lock: { pid: number; host: string }, ageMs = 0): void {
  const path = lockPathOf(file);
  writeFileSync(path, JSON.stringify({ owner: 'another-process', ...lock }));
  const at = new Date(Date.now() - ageMs);
  utimesSync(path, at, at);
}

/** Starts a real process that stays alive, to stand for another server. */
function liveProcess(): number {
  sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return sleeper.pid!;
}

describe('sqlite file lock', () => {
  it('keeps the lock file while open', async () => {
    const source = await openNotes();
    const lock = lockPathOf(source.file);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    // The registry opens a second data source on the file for each new app version; the lock stays until the last closes.
    const again = await openNotes();
    await again.close();
    opened.pop();
    expect(existsSync(lock)).toBe(true);
    await source.close();
    opened.pop();
    expect(existsSync(lock)).toBe(false);
  });

  it('waits while another process has the file', async () => {
    const first = await openNotes();
    await first.write('create table notes (body text)', []);
    await first.write("insert into notes values ('kept')", []);
    await first.close();
    opened.pop();
    const pid = liveProcess();
    foreignLock(first.file, { pid, host: hostname() });

    const second = await openNotes();
    const rejected = second.query('select body from notes', []);
    await expect(rejected).rejects.toBeInstanceOf(DatasourceUnavailable);
    await expect(rejected).rejects.toThrow(`the SQLite file notes.sqlite is in use by another Opsdeck process (pid ${pid} on ${hostname()})`);
    await expect(second.write("insert into notes values ('lost')", [])).rejects.toBeInstanceOf(DatasourceUnavailable);
    await expect(second.ping()).rejects.toBeInstanceOf(DatasourceUnavailable);

    // Once that process is gone, the next ping takes the file and reads it as the other process left it.
    sleeper!.kill('SIGKILL');
    await new Promise((resolve) => sleeper!.once('exit', resolve));
    await second.ping();
    expect((await second.query('select body from notes', [])).rows).toEqual([{ body: 'kept' }]);
    expect(JSON.parse(readFileSync(lockPathOf(second.file), 'utf8')).pid).toBe(process.pid);
  });

  it('takes over a stale foreign lock', async () => {
    const source = await openNotes();
    await source.close();
    opened.pop();
    foreignLock(source.file, { pid: 1, host: 'another-host.example' });
    const blocked = await openNotes();
    await expect(blocked.ping()).rejects.toThrow('is in use by another Opsdeck process (pid 1 on another-host.example)');

    foreignLock(source.file, { pid: 1, host: 'another-host.example' }, 60_000);
    await blocked.ping();
    expect((await blocked.query('select 1 as one', [])).rows).toEqual([{ one: 1 }]);
  });

  it('stops writing after losing the lock', async () => {
    const source = await openNotes();
    await source.write('create table notes (body text)', []);
    const before = readFileSync(source.file);
    // Another host wrote its own lock, as a process that judged this one's lock stale would.
    foreignLock(source.file, { pid: 1, host: 'another-host.example' });
    // The owner rereads its lock every 5 s.
    await sleep(5_500);
    await expect(source.write("insert into notes values ('late')", [])).rejects.toThrow('is in use by another Opsdeck process (pid 1 on another-host.example)');
    expect(readFileSync(source.file).equals(before)).toBe(true);
    await source.close();
    opened.pop();
    expect(JSON.parse(readFileSync(lockPathOf(source.file), 'utf8')).host).toBe('another-host.example');
  }, 15_000);

  it('never locks an in-memory copy', async () => {
    folder = mkdtempSync(join(tmpdir(), 'opsdeck-sqlite-lock-'));
    const file = join(folder, 'copy.sqlite');
    const copy = await SqliteDatasource.openInMemory({ file, log });
    expect((await copy.query('select 1 as one', [])).rows).toEqual([{ one: 1 }]);
    expect(existsSync(lockPathOf(file))).toBe(false);
    await copy.close();
  });
});
