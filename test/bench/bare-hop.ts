/**
 * One hop of the bare NATS chain the control-plane benchmark compares against: a process that
 * answers requests on `bench.hop.<i>`; every hop but the last first makes its own request to
 * the next hop with a payload of the size the fleet sends there, then answers with a reply of
 * the size the fleet answers. The last hop answers at once with the wall-clock time it got the
 * request (the "agent started" moment). No validation, no decoding, no logic: only NATS.
 *
 * argv: <natsUrl> <index> <hops> <forwardBytes> <replyBytes>
 */
import { connect } from '@nats-io/transport-node';

const [url = '', indexText = '0', hopsText = '4', forwardText = '0', replyText = '0'] =
  process.argv.slice(2);
const index = Number(indexText);
const hops = Number(hopsText);
const forward = new Uint8Array(Number(forwardText));
const replyBytes = Number(replyText);
const nc = await connect({ servers: url, name: `bench-hop-${index}` });
const sub = nc.subscribe(`bench.hop.${index}`, { queue: `hop-${index}` });
process.stdin.on('close', () => void nc.drain().then(() => process.exit(0)));
process.stdin.resume();
await nc.flush();
process.stdout.write('ready\n');
for await (const msg of sub) {
  if (index === hops - 1) {
    const out = new Uint8Array(Math.max(replyBytes, 8));
    new DataView(out.buffer).setFloat64(0, performance.timeOrigin + performance.now(), true);
    msg.respond(out);
    continue;
  }
  nc.request(`bench.hop.${index + 1}`, forward, { timeout: 10_000 }).then(
    (reply) => {
      const out = new Uint8Array(Math.max(replyBytes, reply.data.byteLength));
      out.set(reply.data.subarray(0, 8));
      msg.respond(out);
    },
    () => msg.respond(new Uint8Array(0)),
  );
}
