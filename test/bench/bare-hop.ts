/**
 * One hop of the bare NATS chains the control-plane benchmark compares against: a process that
 * answers requests on `bench.hop.<i>` and `bench.ihop.<i>`; every hop but the last first makes
 * its own request to the next hop with a payload of the size the fleet sends there, then answers
 * with a reply of the size the fleet answers. The last hop answers at once with the wall-clock
 * time it got the request (the "agent started" moment). No validation, no decoding, no logic:
 * only NATS. Two chains, as two ways to make a request: `hop` with the NATS client's own
 * `request`, `ihop` with the runtime's `inboxRequest` (what the fleet's services use). A third,
 * `chop` (checked), is `ihop` plus the protocol's own work at every boundary and nothing else:
 * each hop decodes and checks the fleet's real message of its step with the protocol's codec
 * (msgpack and the typed check, as the services' endpoints do) and encodes the next step's real
 * message the same way before sending it; the last hop decodes the dispatch before it stamps.
 *
 * argv: <natsUrl> <index> <hops> <forwardBytes> <replyBytes> <promptTokens> <outputTokens>
 */
import { createCodec } from '@adagen/protocol';
import { inboxRequest } from '@adagen/runtime';
import type { Msg } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { chainSamples } from './sizes.js';

const [
  url = '',
  indexText = '0',
  hopsText = '4',
  forwardText = '0',
  replyText = '0',
  promptText = '128',
  outputText = '4',
] = process.argv.slice(2);
const index = Number(indexText);
const hops = Number(hopsText);
const forward = new Uint8Array(Number(forwardText));
const replyBytes = Number(replyText);
const nc = await connect({ servers: url, name: `bench-hop-${index}`, noAsyncTraces: true });

// The checked chain's messages: this hop gets the step's message (request, classification,
// placement, dispatch) and sends the next one.
const samples = chainSamples(Number(promptText), Number(outputText));
const incoming = createCodec<unknown>(samples[index]!.schema);
const next = samples[index + 1]!;
const outgoing = createCodec<unknown>(next.schema);

const chains = {
  hop: (subject: string) => nc.request(subject, forward, { timeout: 10_000 }),
  ihop: (subject: string) => inboxRequest(nc, subject, forward, 10_000),
  chop: (subject: string) => inboxRequest(nc, subject, outgoing.encode(next.value), 10_000),
};
for (const [chain, send] of Object.entries(chains)) {
  nc.subscribe(`bench.${chain}.${index}`, {
    queue: `${chain}-${index}`,
    callback: (_e, msg: Msg) => {
      if (chain === 'chop' && !incoming.decode(msg.data).ok) {
        msg.respond(new Uint8Array(0));
        return;
      }
      if (index === hops - 1) {
        const out = new Uint8Array(Math.max(replyBytes, 8));
        new DataView(out.buffer).setFloat64(0, performance.timeOrigin + performance.now(), true);
        msg.respond(out);
        return;
      }
      send(`bench.${chain}.${index + 1}`).then(
        (reply) => {
          const out = new Uint8Array(Math.max(replyBytes, reply.data.byteLength));
          out.set(reply.data.subarray(0, 8));
          msg.respond(out);
        },
        () => msg.respond(new Uint8Array(0)),
      );
    },
  });
}
process.stdin.on('close', () => void nc.drain().then(() => process.exit(0)));
process.stdin.resume();
await nc.flush();
process.stdout.write('ready\n');
