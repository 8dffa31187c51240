// Single-instance run: a few hundred Azure conversation requests on one simulated A100.
// pnpm --filter @adagen/engine exec tsx scripts/single-instance.ts [--trace <csv>] [--n 300]
//   [--rate 4] [--seed 1] [--profile llama-3-8b_a100-80gb_tp1]
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRng, interArrivalMs, summarize } from '@adagen/stats';
import { builtinProfiles, SimInstance } from '../src/index.js';

const MAX_TOKENS = 4096;
const { values } = parseArgs({
  options: {
    trace: { type: 'string' },
    n: { type: 'string', default: '300' },
    rate: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    profile: { type: 'string', default: 'llama-3-8b_a100-80gb_tp1' },
  },
});

// Shared data: $ADAGEN_SHARED_DIR, else ../shared beside the repository, else /work/shared.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const shared =
  [process.env.ADAGEN_SHARED_DIR, join(repoRoot, '..', 'shared'), '/work/shared'].find(
    (d) => d && existsSync(join(d, 'traces')),
  ) ?? '(ADAGEN_SHARED_DIR unset)';
const tracePath =
  values.trace ?? join(shared, 'traces', 'azure2023_AzureLLMInferenceTrace_conv.csv');
if (!existsSync(tracePath)) {
  console.error(
    `trace not found: ${tracePath}\n(set ADAGEN_SHARED_DIR to the shared folder or pass --trace <path>)`,
  );
  process.exit(1);
}
const profile = builtinProfiles[values.profile];
if (!profile) {
  console.error(
    `unknown profile ${values.profile}; known: ${Object.keys(builtinProfiles).join(', ')}`,
  );
  process.exit(1);
}

/** Prompt and output lengths of the first `n` rows (TIMESTAMP,ContextTokens,GeneratedTokens). */
function readLengths(path: string, n: number): Array<{ prompt: number; output: number }> {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const header = lines[0]?.split(',') ?? [];
  const ci = header.indexOf('ContextTokens');
  const gi = header.indexOf('GeneratedTokens');
  if (ci < 0 || gi < 0)
    throw new Error(`${path}: expected ContextTokens and GeneratedTokens columns`);
  const out = [];
  for (let i = 1; i < lines.length && out.length < n; i++) {
    const f = lines[i]!.split(',');
    const prompt = Number(f[ci]);
    const output = Number(f[gi]);
    if (!(prompt > 0) || !(output > 0)) continue;
    out.push({ prompt: Math.min(prompt, MAX_TOKENS), output: Math.min(output, MAX_TOKENS) });
  }
  return out;
}

const n = Number(values.n);
const rate = Number(values.rate);
const rng = createRng(Number(values.seed));
const lengths = readLengths(tracePath, n);
const arrivalMs = new Map<string, number>();
const firstMs = new Map<string, number>();
const lastMs = new Map<string, number>();
const count = new Map<string, number>();
const tbtMs: number[] = [];
let preemptions = 0;
let iterations = 0;

const inst = new SimInstance({
  id: 'a100-0',
  profile,
  config: { maxNumBatchedTokens: 512, maxNumSeqs: 128, enableChunkedPrefill: true },
  observer: {
    onIteration: () => void iterations++,
    onPreempted: () => void preemptions++,
    onToken(id, _index, atMs) {
      const last = lastMs.get(id);
      if (last === undefined) firstMs.set(id, atMs);
      else tbtMs.push(atMs - last);
      lastMs.set(id, atMs);
      count.set(id, (count.get(id) ?? 0) + 1);
    },
  },
});

let t = 0;
lengths.forEach((l, i) => {
  t += interArrivalMs(rng, rate, 1);
  const id = `r${i}`;
  arrivalMs.set(id, t);
  inst.runUntil(t);
  inst.enqueue({ kind: 'full', id, promptTokens: l.prompt, outputTokens: l.output }, t);
});
const endMs = inst.runToCompletion();

const ttft: number[] = [];
const tpot: number[] = [];
for (const [id, at] of arrivalMs) {
  ttft.push(firstMs.get(id)! - at);
  const k = count.get(id)!;
  if (k > 1) tpot.push((lastMs.get(id)! - firstMs.get(id)!) / (k - 1));
}
const row = (name: string, v: number[]) => {
  const s = summarize(v);
  const f = (x: number) => x.toFixed(1).padStart(8);
  console.log(
    `${name.padEnd(10)}${f(s.mean)}${f(s.p50)}${f(s.p90)}${f(s.p99)}${f(s.max)}   n=${s.count}`,
  );
};
const promptSum = lengths.reduce((s, l) => s + l.prompt, 0);
const outSum = lengths.reduce((s, l) => s + l.output, 0);
console.log(
  `${lengths.length} requests from ${tracePath} (capped at ${MAX_TOKENS}; mean prompt ${(promptSum / lengths.length).toFixed(0)}, mean output ${(outSum / lengths.length).toFixed(0)})`,
);
console.log(
  `Poisson ${rate} req/s (seed ${values.seed}); ${profile.name}; chunked prefill, budget 512, max 128 seqs, ${inst.config.numGpuBlocks} KV blocks`,
);
console.log(
  `${'ms'.padEnd(10)}${['mean', 'p50', 'p90', 'p99', 'max'].map((h) => h.padStart(8)).join('')}`,
);
row('TTFT', ttft);
row('TPOT', tpot);
row('TBT', tbtMs);
console.log(
  `preemptions ${preemptions}; iterations ${iterations}; makespan ${(endMs / 1000).toFixed(1)} s; last arrival ${(t / 1000).toFixed(1)} s`,
);
