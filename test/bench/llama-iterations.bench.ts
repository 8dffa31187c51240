/**
 * The latency model against real llama.cpp iterations: one in-process engine (the bench:llama
 * model, threads 1) runs a Poisson workload like bench:llama's; every engine step (its batch and
 * its whole time, as the llama agent reports it) feeds an online calibrator that starts from the
 * A100 profile. Prints, per kind of batch, the relative iteration error of the A100 profile, of
 * each observation as predicted before it was taken (out of sample), and of the final fit.
 *
 *   pnpm --filter @adagen/testkit bench:llama-iterations
 *   pnpm --filter @adagen/testkit bench:llama-iterations -- --requests 120 --rate 4 --out obs.jsonl
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  builtinProfiles,
  LatencyModel,
  observationOf,
  OnlineCalibrator,
  parseObservationsJsonl,
} from '@adagen/engine';
import type { BatchFeatures, CalibratorOptionsInput } from '@adagen/engine';
import { generateRandomLlama } from '@adagen/gguf';
import { LlamaEngine } from '@adagen/llama';
import type { IterationObservation } from '@adagen/llama';
import { flag, quantile, workload } from './llama-workload.js';

const REQUESTS = Number(flag('requests', '120'));
const RATE = Number(flag('rate', '4'));
const SEED = Number(flag('seed', '1'));
const OUT = flag('out', '');
const IN = flag('in', '');

interface Step extends BatchFeatures {
  durationMs: number;
  decodeMs: number;
}

/** Runs the engine on the workload; one Step per engine iteration. */
async function runEngine(): Promise<Step[]> {
  const dir = mkdtempSync(join(tmpdir(), 'adagen-bench-llama-it-'));
  const modelPath = join(dir, 'model.gguf');
  writeFileSync(modelPath, generateRandomLlama({ seed: 1 }));
  const engine = await LlamaEngine.load({
    modelPath,
    maxSequences: 4,
    contextSize: 2048,
    batchSize: 512,
  });
  const seen: IterationObservation[] = [];
  engine.observe((o) => seen.push(o));
  const t0 = performance.now();
  await Promise.all(
    workload(REQUESTS, RATE, SEED).map(async (a, i) => {
      const wait = a.atMs - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await new Promise<void>((resolve) =>
        engine.submit(
          {
            requestId: `r${i}`,
            input: { type: 'tokens', tokens: a.prompt },
            maxTokens: a.maxTokens,
            ignoreEos: true,
          },
          (e) => {
            if (e.type === 'done' || e.type === 'error') resolve();
          },
        ),
      );
    }),
  );
  await engine.close();
  return seen.map((o) => ({
    prefillTokens: o.prefillTokens,
    prefillAttnWork: o.prefillAttnWork,
    decodeRequests: o.decodeTokens,
    decodeContextTokens: o.decodeContextTokens,
    numSeqs: o.sequences,
    durationMs: o.durationMs,
    decodeMs: o.decodeMs,
  }));
}

/** Steps recorded by an earlier run (`--out`), to compare fitters on the same data. */
function readSteps(path: string): Step[] {
  return parseObservationsJsonl(readFileSync(path, 'utf8')).map((r) => {
    const o = observationOf(r);
    return { ...o, decodeMs: o.durationMs };
  });
}

const obs = IN === '' ? await runEngine() : readSteps(IN);
if (OUT !== '')
  writeFileSync(
    OUT,
    obs
      .map(({ decodeMs: _decodeMs, ...o }) => JSON.stringify({ type: 'iteration', ...o }))
      .join('\n'),
  );

type Kind = 'decode' | 'prefill' | 'mixed';
const kindOf = (f: BatchFeatures): Kind =>
  f.prefillTokens === 0 ? 'decode' : f.decodeRequests === 0 ? 'prefill' : 'mixed';
const summary = (errs: number[]) =>
  errs.length === 0
    ? '—'
    : `${(100 * quantile(errs, 0.5)).toFixed(1)} / ${(100 * quantile(errs, 0.9)).toFixed(1)} %`;

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const configs: [string, CalibratorOptionsInput][] = [
  ['default', {}],
  ['plain least squares', { huber: 0 }],
  ['recent-speed factor 0.15', { levelSmoothing: 0.15 }],
];
process.stdout.write(
  `${obs.length} engine steps${IN === '' ? '' : ` of ${IN}`} from ${REQUESTS} requests at ${RATE}/s; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}\n`,
);
for (const kind of ['decode', 'prefill', 'mixed'] as const) {
  const ms = obs.filter((o) => kindOf(o) === kind).map((o) => o.durationMs);
  const dec = obs.filter((o) => kindOf(o) === kind).map((o) => o.decodeMs);
  process.stdout.write(
    `  ${kind}: ${ms.length} steps, step ms p50 ${quantile(ms, 0.5).toFixed(2)} p90 ${quantile(ms, 0.9).toFixed(2)}; llama_decode ms p50 ${quantile(dec, 0.5).toFixed(2)}\n`,
  );
}
for (let d = 1; d <= 4; d++) {
  const steps = obs.filter((o) => o.prefillTokens === 0 && o.decodeRequests === d);
  const ms = steps.map((o) => o.durationMs);
  const dec = steps.map((o) => o.decodeMs);
  process.stdout.write(
    `  decode-only, ${d} sequence(s): ${ms.length} steps, step ms p10 ${quantile(ms, 0.1).toFixed(2)} p50 ${quantile(ms, 0.5).toFixed(2)} p90 ${quantile(ms, 0.9).toFixed(2)}; llama_decode ms p10 ${quantile(dec, 0.1).toFixed(2)} p50 ${quantile(dec, 0.5).toFixed(2)}\n`,
  );
}
const start = new LatencyModel(a100);
const rows: Record<string, string>[] = [];
const errorsOf = (predict: (f: BatchFeatures) => number) => {
  const by: Record<Kind | 'all', number[]> = { all: [], decode: [], prefill: [], mixed: [] };
  for (const o of obs) {
    const e = Math.abs(predict(o) - o.durationMs) / o.durationMs;
    by.all.push(e);
    by[kindOf(o)].push(e);
  }
  return by;
};
const row = (name: string, by: ReturnType<typeof errorsOf>) => ({
  model: name,
  'all p50/p90': summary(by.all),
  'decode p50/p90': summary(by.decode),
  'prefill p50/p90': summary(by.prefill),
  'mixed p50/p90': summary(by.mixed),
});
rows.push(
  row(
    'A100 profile (uncalibrated)',
    errorsOf((f) => start.iterationMs(f)),
  ),
);
for (const [name, options] of configs) {
  const cal = new OnlineCalibrator(a100, options);
  const before: number[] = [];
  for (const o of obs) {
    before.push(new LatencyModel(cal.profile()).iterationMs(o));
    cal.observe(o);
  }
  let i = 0;
  rows.push(
    row(
      `${name}: each step before it was observed`,
      errorsOf(() => before[i++]!),
    ),
  );
  const fitted = new LatencyModel(cal.profile());
  rows.push(
    row(
      `${name}: final fit`,
      errorsOf((f) => fitted.iterationMs(f)),
    ),
  );
  const l = cal.profile().latency;
  process.stdout.write(
    `  ${name}: b0 ${l.b0.toFixed(3)} m0 ${(l.m0 ?? 0).toFixed(4)} b1 ${l.b1.toFixed(4)} b2 ${l.b2.toFixed(4)} b3 ${l.b3.toFixed(4)} c2 ${l.c2.toExponential(2)} c4 ${l.c4.toExponential(2)} perSeq ${cal.profile().cpuOverhead.perSeqMs.toFixed(3)}; recent-speed factor ${cal.stats().level.toFixed(2)}\n`,
  );
}
const cols = Object.keys(rows[0]!);
const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
const line = (cells: string[]) => cells.map((c, k) => c.padEnd(widths[k]!)).join('  ');
process.stdout.write(
  `${line(cols)}\n${rows.map((r) => line(cols.map((c) => String(r[c])))).join('\n')}\n`,
);
