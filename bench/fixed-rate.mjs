// An open-loop load at a fixed rate, spread over one or more servers in turn
// as a round-robin load balancer would. Each request is due at a fixed time
// and its latency counts from that time, not from when it was sent, so a
// stall in the server or in this process shows as latency instead of as
// fewer requests. Latencies of every server go into one list, so the
// percentiles are those of the whole service.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Sends `rate` requests per second for `seconds` to `targets` in turn, each
 * `{ url, headers }`, as POST with `body`. Resolves to the count, errors,
 * and the p50 and p99 latency in milliseconds.
 */
export async function fixedRateLoad({ targets, rate, seconds, body }) {
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 64 }));
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies = new Float64Array(total);
  let errors = 0;
  const sent = [];
  const start = performance.now();
  for (let index = 0; index < total; index++) {
    const due = start + index * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const slot = index % targets.length;
    sent.push(
      post(targets[slot], agents[slot], body).then(
        () => {
          latencies[index] = performance.now() - due;
        },
        () => {
          errors += 1;
          latencies[index] = Number.NaN;
        },
      ),
    );
  }
  await Promise.all(sent);
  for (const agent of agents) agent.destroy();
  const sorted = [...latencies].filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  const at = (fraction) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return { requests: total, errors, p50: at(0.5), p99: at(0.99) };
}

/** Sends one POST and resolves when the whole response arrived with status 200. */
function post(target, agent, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(target.url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...target.headers } }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`status ${response.statusCode}`))));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}
