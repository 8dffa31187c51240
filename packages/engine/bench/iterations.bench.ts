// Simulated request-iterations per second on one core, steady-state decode batches.
// pnpm --filter @adagen/engine bench
import { performance } from 'node:perf_hooks';
import { builtinProfiles, LatencyModel, SimInstance } from '../src/index.js';
import { NaiveInstance } from './naive.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const model = new LatencyModel(profile);
const RUN_MS = Number(process.env.BENCH_MS ?? 1500);
const PROMPT = 1024;
/** Staggered output lengths so requests finish (and are replaced) all the time. */
const outputFor = (i: number) => 2 + ((i * 37) % 400);

function timeLoop(step: () => number): number {
  for (let i = 0; i < 2000; i++) step(); // warm-up
  let reqIters = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < RUN_MS) {
    for (let i = 0; i < 500; i++) reqIters += step();
    t = performance.now();
  }
  return reqIters / ((t - t0) / 1000);
}

function ours(batch: number): number {
  const finished: string[] = [];
  let tokens = 0;
  const inst = new SimInstance({
    id: 'bench',
    profile,
    config: { maxNumSeqs: batch, maxNumBatchedTokens: Math.max(512, batch) },
    observer: {
      onToken: () => void tokens++,
      onFinished: (id) => void finished.push(id),
    },
  });
  let next = 0;
  const add = () => {
    const i = next++;
    inst.enqueue(
      {
        kind: 'decode',
        id: `r${i}`,
        promptTokens: PROMPT,
        generatedTokens: 1,
        outputTokens: outputFor(i),
      },
      inst.clockMs,
    );
  };
  for (let i = 0; i < batch; i++) add();
  const rate = timeLoop(() => {
    inst.startIteration(inst.clockMs);
    const n = inst.finishIteration().numSeqs;
    while (finished.length > 0) {
      finished.pop();
      add();
    }
    return n;
  });
  if (tokens === 0) throw new Error('no tokens');
  return rate;
}

function naive(batch: number): number {
  const finished: string[] = [];
  const events: unknown[] = [];
  const inst = new NaiveInstance(model, 16, (e) => {
    events.push(e);
    if (e.type === 'finished') finished.push(e.id);
  });
  let next = 0;
  const add = () => {
    const i = next++;
    inst.add(`r${i}`, PROMPT, 1, outputFor(i));
  };
  for (let i = 0; i < batch; i++) add();
  return timeLoop(() => {
    const n = inst.step();
    while (finished.length > 0) {
      finished.pop();
      add();
    }
    if (events.length > 100_000) events.length = 0;
    return n;
  });
}

function cloneRate(batch: number): number {
  const inst = new SimInstance({ id: 'c', profile, config: { maxNumSeqs: batch } });
  for (let i = 0; i < batch; i++) {
    inst.enqueue({ kind: 'full', id: `r${i}`, promptTokens: 500, outputTokens: 1000 }, 0);
  }
  inst.runUntil(5000);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < RUN_MS / 3) {
    for (let i = 0; i < 100; i++) inst.clone();
    n += 100;
  }
  return n / ((performance.now() - t0) / 1000);
}

const fmt = (x: number) => (x / 1e6).toFixed(2).padStart(10);
console.log(`node ${process.version}; ${RUN_MS} ms per measurement; decode-only steady state`);
console.log(
  `${'batch'.padStart(6)}${'ours M/s'.padStart(10)}${'naive M/s'.padStart(10)}${'ratio'.padStart(8)}${'iter/s'.padStart(10)}`,
);
for (const batch of [16, 64, 256]) {
  const a = ours(batch);
  const b = naive(batch);
  console.log(
    `${String(batch).padStart(6)}${fmt(a)}${fmt(b)}${(a / b).toFixed(1).padStart(7)}x${Math.round(
      a / batch,
    )
      .toString()
      .padStart(10)}`,
  );
}
for (const batch of [16, 256]) {
  const r = cloneRate(batch);
  console.log(
    `clone() with ${batch} running: ${Math.round(r)} /s (${(1e6 / r).toFixed(1)} µs each)`,
  );
}
