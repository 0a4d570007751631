// Runs the built CLI (`dist/bin/opsdeck.mjs`) as a child process, as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './apps.js';

export const CLI = join(REPO_ROOT, 'dist', 'bin', 'opsdeck.mjs');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Milliseconds from spawn to the "serving" line. */
  startupMs: number;
  output(): string;
}

/** Starts `opsdeck serve` on an ephemeral port and resolves once it prints its URL. */
export function spawnServer(root: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve', root, '--port', '0', ...extraArgs], {
    env: { ...process.env, OPSDECK_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`opsdeck serve did not start within 15 s; output:\n${output}`));
    }, 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /serving \d+ app\(s\) at (http:\/\/[^/\s]+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], startupMs: performance.now() - started, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`opsdeck serve exited with ${code} before serving; output:\n${output}`));
    });
  });
}

/** Kills a child and waits for it to be gone. */
export function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
