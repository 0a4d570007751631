// A small HTTP server on 127.0.0.1 for action-step tests: each route responds
// as the test sets (status, body, delay), and every request is recorded,
// including when its connection closed.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Set when the client closed the connection before the response was sent. */
  abandoned: boolean;
}

export interface RouteAnswer {
  status?: number;
  body?: unknown;
  /** Raw text sent instead of JSON. */
  text?: string;
  delayMs?: number;
}

export interface HttpRecorder {
  url: string;
  requests: RecordedRequest[];
  /** Sets the answer for requests whose path (without query) equals `path`. */
  answer(path: string, answer: RouteAnswer): void;
  close(): Promise<void>;
}

/** Starts the recorder on an ephemeral port of 127.0.0.1; unknown paths answer 200 `{}`. */
export async function startRecorder(): Promise<HttpRecorder> {
  const requests: RecordedRequest[] = [];
  const answers = new Map<string, RouteAnswer>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const record: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), abandoned: false };
      requests.push(record);
      res.on('close', () => {
        if (!res.writableFinished) record.abandoned = true;
      });
      const answer = answers.get((req.url ?? '').split('?')[0]) ?? {};
      const send = (): void => {
        if (res.destroyed) return;
        const text = answer.text ?? JSON.stringify(answer.body ?? {});
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
        res.end(text);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer: (path, answer) => answers.set(path, answer),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
