// Runs the built CLI: `npm run build` must have run first (`npm test` does).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyChinookApp, type TempRoot } from '../helpers/apps.js';
import { CLI, kill, spawnServer, type ServerProcess } from '../helpers/process.js';
import { request } from '../helpers/server.js';

let temp: TempRoot | undefined;
let running: ServerProcess | undefined;

afterEach(async () => {
  if (running) await kill(running.child);
  temp?.remove();
  running = undefined;
  temp = undefined;
});

const PROXY_SETTINGS = 'identity:\n  mode: proxy\n  proxy:\n    trustedProxies: [127.0.0.1]\n';

/** Runs `opsdeck serve` to its exit and returns the exit code and output; fails when it is still serving after 15 s. */
function serveUntilExit(root: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', root, '--port', '0', ...args], { env: { ...process.env, OPSDECK_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`opsdeck serve did not exit within 15 s; output:\n${output}`));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('production mode', () => {
  it('refuses dev identity with --production', async () => {
    temp = copyChinookApp();
    const { code, output } = await serveUntilExit(temp.root, ['--production'], { NODE_ENV: 'development' });
    expect(code).toBe(1);
    expect(output).toContain('identity mode "dev"');
    expect(output).toContain('The mode comes from identity.mode in ');
    expect(output).toContain('opsdeck.yaml');
    expect(output).toContain('`identity.mode: proxy`');
    expect(output).not.toMatch(/serving \d+ app/);
  });

  it('refuses dev identity with NODE_ENV=production', async () => {
    temp = copyChinookApp();
    const { code, output } = await serveUntilExit(temp.root, [], { NODE_ENV: 'production' });
    expect(code).toBe(1);
    expect(output).toContain('production mode (--production or NODE_ENV=production) refuses it');
  });

  it('refuses dev identity when unset in opsdeck.yaml', async () => {
    temp = copyChinookApp('server: { host: 127.0.0.1 }\n');
    const { code, output } = await serveUntilExit(temp.root, ['--production'], {});
    expect(code).toBe(1);
    expect(output).toContain('which is dev when unset');
  });

  it('names --identity dev when the flag chose it', async () => {
    temp = copyChinookApp(PROXY_SETTINGS);
    const { code, output } = await serveUntilExit(temp.root, ['--identity', 'dev'], { NODE_ENV: 'production' });
    expect(code).toBe(1);
    expect(output).toContain('The mode comes from --identity dev.');
  });

  it('serves proxy identity in production', async () => {
    temp = copyChinookApp(PROXY_SETTINGS);
    running = await spawnServer(temp.root, ['--production'], { NODE_ENV: 'production' });
    const session = await request(`${running.url}/api/session`, { headers: { 'X-Forwarded-Email': 'ana@chinook.example' } });
    expect(session.status).toBe(200);
    expect(session.body.mode).toBe('proxy');
  });

  it('serves dev identity outside production', async () => {
    temp = copyChinookApp();
    running = await spawnServer(temp.root, [], { NODE_ENV: 'development' });
    expect((await request(`${running.url}/api/dev/users`)).status).toBe(200);
  });
});
