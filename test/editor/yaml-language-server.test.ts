// Runs the real yaml-language-server as an editor would (LSP JSON-RPC over
// stdio) on a copy of the examples and schemas, and checks that the modeline
// at the top of each example file selects the right schema, offline.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/apps.js';

const SERVER = join(REPO_ROOT, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server');
const DIAGNOSTICS_TIMEOUT_MS = 15_000;

interface LspDiagnostic {
  range: { start: { line: number; character: number } };
  message: string;
}

interface LspMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { message: string };
}

// Editor settings: validate with the modeline's schema only; no schema store, which is fetched over the network.
const SETTINGS = {
  yaml: { validate: true, hover: false, completion: false, schemas: {}, schemaStore: { enable: false } },
  http: { proxy: '', proxyStrictSSL: true },
};

// Preloaded into the server: records (and blocks) every outgoing connection, so the test can assert there was none.
const NETWORK_GUARD = `const net = require('node:net');
process.stderr.write('opsdeck-guard: loaded\\n');
net.Socket.prototype.connect = function (...args) {
  // http and https pass their options as the first item of an array.
  const options = Array.isArray(args[0]) ? args[0][0] : args[0];
  const target = typeof options === 'object' && options !== null ? \`\${options.host ?? options.path}:\${options.port ?? ''}\` : String(options);
  process.stderr.write(\`opsdeck-guard: network connection attempted to \${target}\\n\`);
  this.destroy(new Error('network access is blocked in this test'));
  return this;
};
`;

/** A minimal LSP client over the server's stdio. */
class LanguageClient {
  readonly stderr: string[] = [];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, (message: LspMessage) => void>();
  readonly #diagnostics = new Map<string, LspDiagnostic[]>();
  readonly #waiting = new Map<string, (diagnostics: LspDiagnostic[]) => void>();
  #buffer = Buffer.alloc(0);
  #nextId = 1;

  constructor(guardFile: string) {
    this.#child = spawn(process.execPath, [SERVER, '--stdio'], {
      env: { ...process.env, NODE_OPTIONS: `--require ${guardFile}` },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stdout.on('data', (chunk: Buffer) => this.#receive(chunk));
    this.#child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
  }

  request(method: string, params: unknown): Promise<LspMessage> {
    const id = this.#nextId++;
    this.#send({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolveReply) => this.#pending.set(id, resolveReply));
  }

  notify(method: string, params: unknown): void {
    this.#send({ jsonrpc: '2.0', method, params });
  }

  /** Opens a document and resolves with the first diagnostics the server publishes for it. */
  open(file: string): Promise<LspDiagnostic[]> {
    const uri = pathToFileURL(file).href;
    this.#diagnostics.delete(uri);
    const published = new Promise<LspDiagnostic[]>((resolveDiagnostics, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${file} within ${DIAGNOSTICS_TIMEOUT_MS} ms; server stderr:\n${this.stderr.join('')}`)), DIAGNOSTICS_TIMEOUT_MS);
      this.#waiting.set(uri, (diagnostics) => {
        clearTimeout(timer);
        resolveDiagnostics(diagnostics);
      });
    });
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: readFileSync(file, 'utf8') } });
    return published;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((done) => this.#child.once('exit', done));
    await Promise.race([this.request('shutdown', null), new Promise((done) => setTimeout(done, 2000))]);
    this.notify('exit', null);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  #send(message: unknown): void {
    const body = JSON.stringify(message);
    this.#child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const headerEnd = this.#buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.#buffer.subarray(0, headerEnd).toString())?.[1]);
      if (this.#buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(this.#buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString()) as LspMessage;
      this.#buffer = this.#buffer.subarray(headerEnd + 4 + length);
      this.#handle(message);
    }
  }

  #handle(message: LspMessage): void {
    if (message.method === undefined && message.id !== undefined) {
      this.#pending.get(message.id)?.(message);
      this.#pending.delete(message.id);
      return;
    }
    if (message.method === 'textDocument/publishDiagnostics') {
      const { uri, diagnostics } = message.params as { uri: string; diagnostics: LspDiagnostic[] };
      this.#diagnostics.set(uri, diagnostics);
      this.#waiting.get(uri)?.(diagnostics);
      this.#waiting.delete(uri);
      return;
    }
    if (message.method === 'workspace/configuration' && message.id !== undefined) {
      const items = (message.params as { items: Array<{ section?: string }> }).items;
      this.#send({ jsonrpc: '2.0', id: message.id, result: items.map((item) => SETTINGS[item.section as keyof typeof SETTINGS] ?? null) });
      return;
    }
    // Any other request from the server (capability registration, progress) gets an empty success reply.
    if (message.id !== undefined) this.#send({ jsonrpc: '2.0', id: message.id, result: null });
  }
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'data' ? [] : yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

/** Schema file a modeline must name, by the kind of file. */
function expectedSchema(file: string): string {
  if (file.endsWith('.test.yaml')) return 'app-test.schema.json';
  if (file.endsWith('opsdeck.yaml')) return 'opsdeck.schema.json';
  return 'app.schema.json';
}

let workspace: string;
let client: LanguageClient;
const exampleFiles = yamlFiles(join(REPO_ROOT, 'examples')).filter((file) => !file.endsWith('specs-repo-ci.yml'));

/** Writes a changed copy of an example file beside the original (same depth, so its relative modeline still resolves). */
function brokenCopy(example: string, name: string, change: (text: string) => string): { file: string; text: string } {
  const original = join(workspace, 'examples', example);
  const file = join(dirname(original), name);
  const text = change(readFileSync(original, 'utf8'));
  writeFileSync(file, text);
  return { file, text };
}

function lineOf(text: string, fragment: string): number {
  const index = text.indexOf(fragment);
  if (index < 0) throw new Error(`test setup: "${fragment}" not found`);
  return text.slice(0, index).split('\n').length - 1;
}

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'opsdeck-yaml-ls-'));
  cpSync(join(REPO_ROOT, 'schemas'), join(workspace, 'schemas'), { recursive: true });
  cpSync(join(REPO_ROOT, 'examples'), join(workspace, 'examples'), { recursive: true, filter: (source) => !source.split('/').includes('data') });
  mkdirSync(join(workspace, '.guard'));
  const guardFile = join(workspace, '.guard', 'network-guard.cjs');
  writeFileSync(guardFile, NETWORK_GUARD);

  client = new LanguageClient(guardFile);
  const folder = pathToFileURL(join(workspace, 'examples')).href;
  const initialized = await client.request('initialize', {
    processId: process.pid,
    rootUri: folder,
    workspaceFolders: [{ uri: folder, name: 'examples' }],
    capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } }, textDocument: { publishDiagnostics: {} } },
  });
  if (initialized.error !== undefined) throw new Error(`initialize failed: ${initialized.error.message}`);
  client.notify('initialized', {});
  client.notify('workspace/didChangeConfiguration', { settings: SETTINGS });
}, 30_000);

afterAll(async () => {
  await client?.stop();
  rmSync(workspace, { recursive: true, force: true });
});

describe('example modelines', () => {
  test('examples have YAML files', () => {
    expect(exampleFiles.map((file) => relative(REPO_ROOT, file))).toEqual(expect.arrayContaining(['examples/opsdeck.yaml', 'examples/chinook-support/app.yaml']));
    expect(exampleFiles.some((file) => file.endsWith('.test.yaml'))).toBe(true);
  });

  test.each(exampleFiles.map((file) => relative(REPO_ROOT, file)))('%s starts with the right modeline', (file) => {
    const firstLine = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n')[0];
    const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(firstLine);
    expect(match, `first line of ${file}: ${firstLine}`).not.toBeNull();
    const target = resolve(dirname(join(REPO_ROOT, file)), match![1]);
    expect(relative(REPO_ROOT, target)).toBe(join('schemas', expectedSchema(file)));
  });
});

describe('yaml-language-server', () => {
  test.each(exampleFiles.map((file) => relative(join(REPO_ROOT, 'examples'), file)))('%s has no diagnostics', async (file) => {
    const diagnostics = await client.open(join(workspace, 'examples', file));
    expect(diagnostics.map((d) => `${d.range.start.line}: ${d.message}`)).toEqual([]);
  });

  test('misspelt kind is reported on its line', async () => {
    const { file, text } = brokenCopy('chinook-support/app.yaml', 'kind.yaml', (source) => source.replace('kind: sqlite', 'kind: sqllite'));
    const diagnostics = await client.open(file);
    expect(diagnostics.map((d) => d.range.start.line)).toContain(lineOf(text, 'kind: sqllite'));
  });

  test('misspelt columns is reported on its line', async () => {
    const { file, text } = brokenCopy('chinook-support/app.yaml', 'colums.yaml', (source) => source.replace('          columns:\n            - Customer', '          colums:\n            - Customer'));
    const diagnostics = await client.open(file);
    const line = lineOf(text, 'colums:');
    expect(diagnostics.find((d) => d.range.start.line === line)?.message).toMatch(/colums/);
  });

  test('test file uses the test schema', async () => {
    const { file, text } = brokenCopy('chinook-support/tests/customers.test.yaml', 'broken.test.yaml', (source) => source.replace('expect: { total: 1 }', 'expect: { totl: 1 }'));
    const diagnostics = await client.open(file);
    expect(diagnostics.map((d) => d.range.start.line)).toContain(lineOf(text, 'totl: 1'));
  });

  test('settings file uses the settings schema', async () => {
    const { file, text } = brokenCopy('opsdeck.yaml', 'opsdeck-broken.yaml', (source) => source.replace('mode: dev', 'mode: development'));
    const diagnostics = await client.open(file);
    expect(diagnostics.map((d) => d.range.start.line)).toContain(lineOf(text, 'mode: development'));
  });

  test('included fragment uses the fragment schema', async () => {
    const file = join(workspace, 'examples', 'chinook-support', 'extra-pages.yaml');
    const good = [
      '# yaml-language-server: $schema=../../schemas/app-fragment.schema.json',
      'pages:',
      '  reports:',
      '    title: Reports',
      '    allow: [viewer]',
      '    components:',
      '      - table: { query: customers, columns: [FirstName] }',
      '',
    ].join('\n');
    writeFileSync(file, good);
    expect((await client.open(file)).map((d) => d.message)).toEqual([]);
    const broken = join(workspace, 'examples', 'chinook-support', 'extra-broken.yaml');
    const text = good.replace('    allow: [viewer]', '    alow: [viewer]');
    writeFileSync(broken, text);
    const diagnostics = await client.open(broken);
    expect(diagnostics.map((d) => d.range.start.line)).toContain(lineOf(text, 'alow:'));
  });

  test('no network connection attempted', () => {
    const stderr = client.stderr.join('');
    expect(stderr).toContain('opsdeck-guard: loaded');
    expect(stderr).not.toContain('network connection attempted');
  });
});

// Runs last: it makes the server try a connection, to show the guard above would see one.
describe('network guard', () => {
  test('catches a schema fetched by URL', async () => {
    const file = join(workspace, 'examples', 'remote-schema.yaml');
    // Port 9 on the loopback address: the guard blocks the connection before it is made.
    writeFileSync(file, '# yaml-language-server: $schema=http://127.0.0.1:9/remote.schema.json\nopsdeck: 1\n');
    // The blocked request may never settle, so the test waits for the guard's line instead of diagnostics.
    client.open(file).catch(() => undefined);
    const started = Date.now();
    while (!client.stderr.join('').includes('network connection attempted') && Date.now() - started < 10_000) {
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(client.stderr.join('')).toContain('opsdeck-guard: network connection attempted to 127.0.0.1:9');
  });
});
