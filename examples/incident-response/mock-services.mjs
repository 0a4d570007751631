// Mock chat, pager and ticket services for the incident-response example:
// one plain node:http server on 127.0.0.1 that records every request it
// receives. `node examples/incident-response/mock-services.mjs [port]`
// serves on port 4010 by default (or MOCK_SERVICES_PORT).
//
//   POST /chat/messages              -> 201 {"id": "msg-<n>"}
//   POST /pager/services/<s>/pages   -> 201 {"id": "page-<n>"}
//   PUT  /tickets/incidents/<id>     -> 200 {"ticket": {"id": "INC-<id>"}}
//   GET  /_received                  -> every request received so far
//   POST /_fail {"route": "pager", "status": 500, "delayMs": 0} -> that route fails (route null: none)
//   POST /_reset                     -> forget requests and failures
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const ROUTES = [
  { name: 'chat', method: 'POST', pattern: /^\/chat\/messages$/, answer: (n) => [201, { id: `msg-${n}` }] },
  { name: 'pager', method: 'POST', pattern: /^\/pager\/services\/[^/]+\/pages$/, answer: (n) => [201, { id: `page-${n}` }] },
  { name: 'tickets', method: 'PUT', pattern: /^\/tickets\/incidents\/([^/]+)$/, answer: (n, match) => [200, { ticket: { id: `INC-${decodeURIComponent(match[1])}` } }] },
];

/** Starts the mock services; resolves to { url, received, fail(route, status, delayMs), reset(), close() }. */
export function startMockServices({ port = 4010, host = '127.0.0.1' } = {}) {
  const received = [];
  let failure = { route: null, status: 500, delayMs: 0 };
  let counter = 0;

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        body = text;
      }
      const send = (status, value) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/_received' && req.method === 'GET') return send(200, received);
      if (req.url === '/_reset' && req.method === 'POST') {
        received.length = 0;
        failure = { route: null, status: 500, delayMs: 0 };
        return send(200, {});
      }
      if (req.url === '/_fail' && req.method === 'POST') {
        failure = { route: body?.route ?? null, status: body?.status ?? 500, delayMs: body?.delayMs ?? 0 };
        return send(200, failure);
      }
      const route = ROUTES.find((candidate) => candidate.method === req.method && candidate.pattern.test(req.url.split('?')[0]));
      received.push({ route: route?.name ?? null, method: req.method, url: req.url, headers: req.headers, body });
      if (!route) return send(404, { error: 'no such route' });
      const answer = () => {
        if (failure.route === route.name) return send(failure.status, { error: `${route.name} is failing on purpose` });
        const [status, value] = route.answer(++counter, route.pattern.exec(req.url.split('?')[0]));
        send(status, value);
      };
      if (failure.route === route.name && failure.delayMs > 0) setTimeout(answer, failure.delayMs);
      else answer();
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolve({
        url: `http://${host}:${actual}`,
        received,
        fail(route, status = 500, delayMs = 0) {
          failure = { route, status, delayMs };
        },
        reset() {
          received.length = 0;
          failure = { route: null, status: 500, delayMs: 0 };
        },
        close() {
          server.closeAllConnections();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.argv[2] ?? process.env.MOCK_SERVICES_PORT ?? 4010);
  const services = await startMockServices({ port });
  console.log(`mock chat, pager and ticket services at ${services.url} (chat: /chat, pager: /pager, tickets: /tickets)`);
}
