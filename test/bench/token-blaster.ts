/**
 * The token source of the token-path benchmark: a process that plays the decision chain and an
 * agent at once, so the gateway's own cost is what gets measured. It answers
 * `adagen.v1.svc.classify` at once with a plan on `blast-0`, then publishes the request's stream
 * as fast as NATS takes it: `tokens` tokens in chunks of `perChunk` (msgpack `token` messages, as
 * agents send them), then the `done` outcome. For the bare relay it answers `bench.relay.start`
 * ({ id, tokens }) by publishing the same chunks on `bench.relay.<id>`.
 *
 * argv: <natsUrl> <perChunk>
 */
import { connect } from '@nats-io/transport-node';
import { pack, unpack } from 'msgpackr';

const [url = '', perChunkText = '1'] = process.argv.slice(2);
const perChunk = Math.max(1, Number(perChunkText));
const nc = await connect({ servers: url, name: 'bench-blaster' });
const AGENT = 'blast-0';

/** Publishes a stream's chunks, yielding now and then so replies and other streams interleave. */
async function blast(
  subject: string,
  requestId: string,
  attempt: number,
  tokens: number,
): Promise<void> {
  let seq = 0;
  for (let sent = 0; sent < tokens; sent += perChunk) {
    const n = Math.min(perChunk, tokens - sent);
    nc.publish(
      subject,
      pack({
        v: 1,
        type: 'token',
        requestId,
        attempt,
        instanceId: AGENT,
        seq: seq++,
        text: ' tok'.repeat(n),
        tokenCount: n,
        atMs: Date.now(),
      }),
    );
    if (seq % 64 === 0) await new Promise((r) => setImmediate(r));
  }
  nc.publish(
    subject,
    pack({
      v: 1,
      type: 'done',
      requestId,
      attempt,
      instanceId: AGENT,
      finishReason: 'length',
      usage: { promptTokens: 4, completionTokens: tokens },
      chunks: seq,
      timings: { ttftMs: 1, e2eMs: 2 },
      atMs: Date.now(),
    }),
  );
}

interface Ask {
  requestId: string;
  gatewayId: string;
  attempt: number;
  maxTokens?: number;
  targetOutputTokens?: number;
}

nc.subscribe('adagen.v1.svc.classify', {
  callback: (_e, msg) => {
    const r = unpack(msg.data) as Ask;
    msg.respond(
      pack({
        v: 1,
        type: 'plan_result',
        requestId: r.requestId,
        attempt: r.attempt,
        plan: { kind: 'single', instanceId: AGENT },
        dispatchedAtMs: Date.now(),
      }),
    );
    const tokens = r.targetOutputTokens ?? r.maxTokens ?? 16;
    void blast(
      `adagen.v1.stream.${r.gatewayId}.${r.requestId}.${AGENT}`,
      r.requestId,
      r.attempt,
      tokens,
    );
  },
});
nc.subscribe('bench.relay.start', {
  callback: (_e, msg) => {
    const { id, tokens } = JSON.parse(new TextDecoder().decode(msg.data)) as {
      id: string;
      tokens: number;
    };
    msg.respond(new Uint8Array(0));
    void blast(`bench.relay.${id}`, id, 0, tokens);
  },
});
await nc.flush();
process.stdin.on('close', () => void nc.drain().then(() => process.exit(0)));
process.stdin.resume();
process.stdout.write('ready\n');
