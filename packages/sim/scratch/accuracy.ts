// Compare AdaGen's predicted TTFT (at decision time) with the simulated outcome.
import { createAdaGenPolicy } from '@adagen/scheduler';
import type { Policy } from '@adagen/scheduler';
import { loadTrace, scaleToRate, firstN } from '@adagen/workloads';
import { summarize } from '@adagen/stats';
import { instanceSpecs, parseSimConfig, Simulation } from '../src/index.js';

const [traceArg = 'code', rateArg = '6', nArg = '2000', classify = '1'] = process.argv.slice(2);
const files: Record<string, string> = {
  conv: '/work/shared/traces/azure2023_AzureLLMInferenceTrace_conv.csv',
  code: '/work/shared/traces/azure2023_AzureLLMInferenceTrace_code.csv',
};
const w = firstN(scaleToRate(await loadTrace(files[traceArg]!), Number(rateArg)), Number(nArg));
const pred = new Map<string, { ttft: number; tpot: number; inst: string }>();
const config = parseSimConfig({
  instances: { count: 8, profile: 'a100' },
  policy: (ctx) => {
    const p = createAdaGenPolicy(ctx, { steps: { distribute: false, classify: classify === '1' } });
    const wrapped: Policy = {
      ...p,
      planner: {
        name: 'rec',
        plan: (pl, view) => {
          const d = p.planner.plan(pl, view);
          pred.set(pl.classification.request.id, {
            ttft: d.prediction?.ttftMs ?? NaN,
            tpot: d.prediction?.tpotMs ?? NaN,
            inst: pl.instanceId,
          });
          return d;
        },
      },
    };
    return wrapped;
  },
  workload: w,
  seed: 1,
});
const sim = new Simulation(config, instanceSpecs(config));
sim.run();
const m = sim.metrics;
const errs: number[] = [];
const signed: number[] = [];
const tpotErr: number[] = [];
w.requests.forEach((r, i) => {
  const p = pred.get(r.id);
  if (!p) return;
  const actual = m.firstTokenMs[i]! - m.arrivalMs[i]!;
  errs.push(Math.abs(p.ttft - actual) / actual);
  signed.push((p.ttft - actual) / actual);
  if (m.tokens[i]! > 2) {
    const tpot = (m.lastTokenMs[i]! - m.firstTokenMs[i]!) / (m.tokens[i]! - 1);
    tpotErr.push(Math.abs(p.tpot - tpot) / tpot);
  }
});
console.log('ttft |rel err|', summarize(errs));
console.log('ttft signed rel err', summarize(signed));
console.log('tpot |rel err|', summarize(tpotErr));
