// Query throughput with row and column rules on, against the same query
// without rules, in the same run and on the same server: an agent whose rule
// limits rows to one region (and hides one column, masks another) against a
// lead without rules who asks for the same region with a filter, so both
// read, count and return the same rows. Target: the rules cost at most 10 %.
// Run with `npm run bench` (it builds first).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'bin', 'opsdeck.mjs');
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 10;
const ROWS = 20_000;

const SPEC = `opsdeck: 1
id: desk
title: Desk
datasources:
  main: { kind: sqlite, file: data/desk.sqlite, migrations: migrations }
roles:
  agent: { members: { groups: [support] } }
  lead: { members: { groups: [leads] } }
devUsers:
  - { id: agent@bench.example, groups: [support], attributes: { region: emea } }
  - { id: lead@bench.example, groups: [leads] }
queries:
  tickets:
    datasource: main
    sql: select id, region, subject, customer_email, cost_cents, status from ticket
    allow: [agent, lead]
    restrict:
      agent: { rows: "region = user.region and status != 'archived'", hide: [cost_cents], mask: [customer_email] }
pages:
  p: { title: P, allow: [agent, lead], components: [{ table: { query: tickets, columns: [id, region, subject, status] } }] }
`;

const MIGRATION = `CREATE TABLE ticket (id INTEGER PRIMARY KEY, region TEXT NOT NULL, subject TEXT NOT NULL, customer_email TEXT, cost_cents INTEGER NOT NULL, status TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
INSERT INTO ticket SELECT i, CASE i % 4 WHEN 0 THEN 'emea' WHEN 1 THEN 'amer' WHEN 2 THEN 'apac' ELSE 'latam' END,
  'Ticket ' || i, 'customer' || i || '@example.com', i * 7 % 10000, 'open' FROM n;`;

function start(root) {
  const child = spawn(process.execPath, [CLI, 'serve', root, '--port', '0', '--no-watch'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPSDECK_LOG_LEVEL: 'warn' } });
  let output = '';
  return new Promise((resolveStart, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = /serving \d+ app\(s\) at (http:\/\/[^/\s]+)\//.exec(output);
      if (match) resolveStart({ child, url: match[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`opsdeck serve exited with ${code}: ${output}`)));
  });
}

/** Signs in a dev user and returns the headers a query request needs: the cookies and, when the server issues one, the CSRF token. */
async function signIn(url, user) {
  const session = await fetch(`${url}/api/session`);
  await session.arrayBuffer();
  const token = session.headers.get('x-csrf-token');
  let cookies = session.headers.getSetCookie().map((c) => c.split(';')[0]);
  const headers = { 'content-type': 'application/json', ...(token ? { 'x-csrf-token': token } : {}), ...(cookies.length ? { cookie: cookies.join('; ') } : {}) };
  const login = await fetch(`${url}/api/dev/login`, { method: 'POST', headers, body: JSON.stringify({ user }) });
  if (login.status !== 200) throw new Error(`sign-in of ${user} answered ${login.status}: ${await login.text()}`);
  cookies = [...cookies, ...login.headers.getSetCookie().map((c) => c.split(';')[0])];
  return { ...headers, cookie: cookies.join('; ') };
}

async function load(url, headers, body) {
  const check = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await check.json();
  if (check.status !== 200) throw new Error(`${url} answered ${check.status}: ${JSON.stringify(json)}`);
  const result = await autocannon({ url, method: 'POST', headers, body: JSON.stringify(body), connections: CONNECTIONS, duration: DURATION_S });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  return { rps: result.requests.average, p99: result.latency.p99, total: json.total };
}

const root = mkdtempSync(join(tmpdir(), 'opsdeck-bench-rules-'));
let server;
try {
  mkdirSync(join(root, 'desk', 'migrations'), { recursive: true });
  writeFileSync(join(root, 'desk', 'app.yaml'), SPEC);
  writeFileSync(join(root, 'desk', 'migrations', '001.sql'), MIGRATION);
  writeFileSync(join(root, 'opsdeck.yaml'), 'identity:\n  mode: dev\n');
  server = await start(root);
  const query = `${server.url}/api/apps/desk/queries/tickets`;
  const agent = await signIn(server.url, 'agent@bench.example');
  const lead = await signIn(server.url, 'lead@bench.example');
  const page = { page: { size: 25, offset: 100 }, sort: [{ field: 'id', dir: 'desc' }] };

  // Alternating runs, so warm-up and machine noise fall on both sides.
  const runs = { rules: [], none: [] };
  for (let round = 0; round < 2; round++) {
    runs.none.push(await load(query, lead, { ...page, filter: { region: 'emea', status: { op: 'ne', value: 'archived' } } }));
    runs.rules.push(await load(query, agent, page));
  }
  const mean = (list, key) => list.reduce((sum, run) => sum + run[key], 0) / list.length;
  if (runs.rules[0].total !== runs.none[0].total) throw new Error(`the two sides read different rows: ${runs.rules[0].total} and ${runs.none[0].total}`);
  const ratio = mean(runs.rules, 'rps') / mean(runs.none, 'rps');
  console.log(JSON.stringify({ rows: ROWS, matching: runs.rules[0].total, withRules: mean(runs.rules, 'rps'), withoutRules: mean(runs.none, 'rps'), ratio }, null, 2));
  console.log('query with row and column rules | req/s   | p99 ms');
  console.log(`without rules (lead + filter)   | ${mean(runs.none, 'rps').toFixed(0).padStart(7)} | ${mean(runs.none, 'p99').toFixed(1)}`);
  console.log(`with rules (agent)              | ${mean(runs.rules, 'rps').toFixed(0).padStart(7)} | ${mean(runs.rules, 'p99').toFixed(1)}`);
  console.log(`ratio ${ratio.toFixed(2)} (target >= 0.90)`);
} finally {
  if (server) server.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
}
