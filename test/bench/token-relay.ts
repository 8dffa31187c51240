/**
 * The bare NATS → SSE relay of the token-path benchmark: an HTTP server that, per POST, subscribes
 * to `bench.relay.<id>`, asks the blaster to start that stream, and writes each message's text as
 * an OpenAI-style SSE chunk until the `done` message, then `[DONE]`. Decoding, no validation, no
 * ordering, no retries, no deadlines, no accounting: the floor of what a NATS → SSE hop costs.
 *
 * argv: <natsUrl> <port>
 */
import { createServer } from 'node:http';
import { connect } from '@nats-io/transport-node';
import { unpack } from 'msgpackr';

const [url = '', portText = '0'] = process.argv.slice(2);
const nc = await connect({ servers: url, name: 'bench-relay' });
let next = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const { max_tokens: tokens } = JSON.parse(Buffer.concat(chunks).toString()) as {
      max_tokens: number;
    };
    const id = `r${next++}`;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const sub = nc.subscribe(`bench.relay.${id}`, {
      callback: (_e, msg) => {
        const m = unpack(msg.data) as { type: string; text?: string };
        if (m.type === 'token')
          res.write(
            `data: ${JSON.stringify({ id, object: 'text_completion', choices: [{ index: 0, text: m.text, finish_reason: null }] })}\n\n`,
          );
        else {
          sub.unsubscribe();
          res.end('data: [DONE]\n\n');
        }
      },
    });
    void nc.request('bench.relay.start', JSON.stringify({ id, tokens }), { timeout: 10_000 });
  });
});
server.listen(Number(portText), '127.0.0.1', () => process.stdout.write('ready\n'));
process.stdin.on('close', () => {
  server.close();
  void nc.drain().then(() => process.exit(0));
});
process.stdin.resume();
