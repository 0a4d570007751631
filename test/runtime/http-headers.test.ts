import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { HttpDatasource } from '../../runtime/datasources/http.js';
import { headerValue, UnsafeRequestValue } from '../../runtime/datasources/http-url.js';
import { unsafeParamsOfRequests } from '../../runtime/actions/run-steps.js';

let server: Server;
let base: string;
let received: Record<string, string | string[] | undefined>[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push(request.headers);
    response.setHeader('content-type', 'application/json');
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('HTTP request headers', () => {
  it('keep the data source header over a step header of any case', async () => {
    received = [];
    const source = new HttpDatasource({ name: 'api', baseUrl: base, headers: { Authorization: 'Bearer secret-token' }, timeoutMs: 2_000, retries: 0, maxResponseBytes: 65_536, log: pino({ level: 'silent' }) });
    await source.send({ method: 'POST', url: new URL(`${base}/things`), headers: { authorization: 'step-auth user-text', 'x-trace': 'abc' } });
    expect(received[0].authorization).toBe('Bearer secret-token');
    expect(received[0]['x-trace']).toBe('abc');
  });

  it('reject values fetch cannot send before any step runs', () => {
    const errors = unsafeParamsOfRequests([{ method: 'POST', path: '/things', headers: { 'x-note': '{{ params.note }}' } }], { note: '€uro' });
    expect(errors.map((error) => error.field)).toEqual(['params.note']);
    expect(() => headerValue('x-note', 'a\u2028b', { params: {}, steps: {} } as never)).toThrow(UnsafeRequestValue);
  });
});
