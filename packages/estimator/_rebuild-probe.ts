import { SimInstance, builtinProfiles } from '@adagen/engine';
import { LayoutEstimator } from './src/index.js';
const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const inst = new SimInstance({ id: 'a', profile, config: { maxNumSeqs: 256, maxNumBatchedTokens: 512 } });
for (let i = 0; i < 8; i++) inst.enqueue({ kind: 'full', id: `pre-${i}`, promptTokens: 128, outputTokens: 6000 }, 0);
let now = 0;
for (let k = 0; k < 200; k++) { now = inst.startIteration(now)!; inst.finishIteration(); }
const est = new LayoutEstimator({ profile: () => profile, sloFor: () => ({ ttftMs: 500, tpotMs: 100 }) });
const snaps = Array.from({ length: 2000 }, () => inst.snapshot());
const N = 2000;
let t = performance.now();
for (let i = 0; i < N; i++) est.entry({ id: 'a', profile: profile.name, snapshot: snaps[i]!, pending: [] }, now + 20);
const rebuildUs = ((performance.now() - t) * 1000) / N;
const input = { id: 'a', profile: profile.name, snapshot: snaps[0]!, pending: [] };
est.entry(input, now + 20);
t = performance.now();
for (let i = 0; i < N; i++) est.estimate(input, { id: `x${i}`, role: 'full', promptTokens: 128, outputTokens: 4, arrivalMs: now + 20 + i * 0.001 }, now + 20 + i * 0.001);
const estUs = ((performance.now() - t) * 1000) / N;
console.log(`rebuild ${rebuildUs.toFixed(1)} µs, estimate (cached entry) ${estUs.toFixed(1)} µs, iterations/estimate ${(est.iterations / (2 * N)).toFixed(1)}`);
