/**
 * Runs inside a host namespace (the test process cannot reach the hosts' addresses): reads one
 * JSON command per line on stdin and answers one JSON line on stdout with the same `id`.
 *   { id, op: 'send', url, body, clientTimeoutMs }  → { id, outcome }   (faults/client.ts)
 *   { id, op: 'get', url }                           → { id, status, text } (status 0: no answer)
 */
import http from 'node:http';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { send } from '../faults/client.js';

const commandSchema = z.discriminatedUnion('op', [
  z.object({
    id: z.number(),
    op: z.literal('send'),
    url: z.string(),
    body: z.record(z.string(), z.unknown()),
    clientTimeoutMs: z.number(),
  }),
  z.object({ id: z.number(), op: z.literal('get'), url: z.string() }),
]);

// A fresh connection per request: a reused keep-alive socket that the gateway closes as idle just
// as a request goes out ends in ECONNRESET — a client-side race (the request may be retried by
// a client that knows it is idempotent), not an outcome of the fleet's.
http.globalAgent = new http.Agent({ keepAlive: false });

const answer = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const command = commandSchema.parse(JSON.parse(line));
  switch (command.op) {
    case 'send':
      void send(command.url, command.body, { clientTimeoutMs: command.clientTimeoutMs }).then(
        (outcome) => answer({ id: command.id, outcome }),
      );
      break;
    case 'get':
      void fetch(command.url, { signal: AbortSignal.timeout(2000) })
        .then(async (res) => answer({ id: command.id, status: res.status, text: await res.text() }))
        .catch(() => answer({ id: command.id, status: 0, text: '' }));
      break;
  }
}
