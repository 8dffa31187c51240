/**
 * What one decode of each decision-chain message costs in a process that has been idle, as a
 * service is between requests at 10–100 req/s, beside the same decode in a tight loop (hot). Each
 * cold sample follows an idle pause (`--idle-ms`, default 20); the decode is split into the
 * msgpack read and the schema check. The ratio cold/hot is why a hop's work on the critical path
 * costs far more in the fleet than loop benchmarks of the same code suggest.
 *
 *   pnpm --filter @adagen/testkit bench:cold-decode
 *   pnpm --filter @adagen/testkit bench:cold-decode -- --samples 300 --idle-ms 10
 */
import { createCodec } from '@adagen/protocol';
import { unpack } from 'msgpackr';
import { numberFlag, quantile } from './common.js';
import { chainSamples } from './sizes.js';

const samples = numberFlag('samples', 150, { min: 10, max: 100_000, integer: true });
const idleMs = numberFlag('idle-ms', 20, { min: 0, max: 60_000 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** µs per call in a tight loop, after a warm-up. */
function hotUs(f: () => unknown): number {
  for (let i = 0; i < 2000; i++) f();
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  return ((performance.now() - t0) / n) * 1000;
}

/** p50 µs of one call after each idle pause. */
async function coldUs(f: () => unknown): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) {
    await sleep(idleMs);
    const t0 = performance.now();
    f();
    xs.push((performance.now() - t0) * 1000);
  }
  return quantile(xs, 0.5);
}

console.log(
  `one decode per message, hot (tight loop) and cold (p50 of ${samples}, each after ${idleMs} ms idle), µs`,
);
console.log(
  'message           bytes   unpack hot  unpack cold   decode hot  decode cold  cold/hot',
);
for (const { name, schema, value } of chainSamples(128, 4)) {
  const codec = createCodec<unknown>(schema);
  const bytes = codec.encode(value);
  const check = (r: { ok: boolean }) => {
    if (!r.ok) throw new Error(`${name}: the sample does not decode`);
  };
  check(codec.decode(bytes));
  const uh = hotUs(() => unpack(bytes));
  const dh = hotUs(() => codec.decode(bytes));
  const uc = await coldUs(() => unpack(bytes));
  const dc = await coldUs(() => codec.decode(bytes));
  const cell = (x: number) => x.toFixed(1).padStart(11);
  console.log(
    `${name.padEnd(15)} ${String(bytes.byteLength).padStart(7)}  ${cell(uh)}  ${cell(uc)}  ${cell(dh)}  ${cell(dc)}  ${(dc / dh).toFixed(0).padStart(7)}×`,
  );
}
