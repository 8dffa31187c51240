import { createAdaGenPolicy } from '@adagen/scheduler';
import type { Policy } from '@adagen/scheduler';
import { loadTrace, scaleToRate, mix } from '@adagen/workloads';
import { instanceSpecs, parseSimConfig, Simulation } from '../src/index.js';
const files = {
  conv: '/work/shared/traces/azure2023_AzureLLMInferenceTrace_conv.csv',
  code: '/work/shared/traces/azure2023_AzureLLMInferenceTrace_code.csv',
};
const [rate = '26', n = '4000'] = process.argv.slice(2);
let w = scaleToRate(
  mix([await loadTrace(files.code), await loadTrace(files.conv)], { name: 'mix' }),
  Number(rate),
);
w = { ...w, requests: w.requests.slice(0, Number(n)) };
const pred = new Map<string, { ttft: number; slo: number; hopeless: boolean }>();
const config = parseSimConfig({
  instances: { count: 8, profile: 'a100' },
  policy: (ctx) => {
    const p = createAdaGenPolicy(ctx, { steps: { distribute: false } });
    return {
      ...p,
      planner: {
        name: 'r',
        plan: (pl, view) => {
          const d = p.planner.plan(pl, view);
          pred.set(pl.classification.request.id, {
            ttft: d.prediction?.ttftMs ?? NaN,
            slo: 0,
            hopeless: false,
          });
          return d;
        },
      },
    } as Policy;
  },
  workload: w,
  seed: 1,
});
const sim = new Simulation(config, instanceSpecs(config));
sim.run();
const m = sim.metrics;
let predOkMissed = 0,
  predMissMissed = 0,
  predMissMet = 0,
  met = 0,
  total = 0;
const missedByBucket = new Map<string, number>();
w.requests.forEach((r, i) => {
  total++;
  const ttft = m.firstTokenMs[i]! - m.arrivalMs[i]!;
  const slo = m.ttftSloMs[i]!;
  const p = pred.get(r.id)!;
  const ok = ttft <= slo;
  const pOk = p.ttft <= slo;
  if (ok) met++;
  if (!ok && pOk) predOkMissed++;
  if (!ok && !pOk) predMissMissed++;
  if (ok && !pOk) predMissMet++;
  if (!ok) {
    const b = r.promptTokens < 500 ? '<500' : r.promptTokens < 2000 ? '<2000' : '>=2000';
    missedByBucket.set(b + ' ' + r.source, (missedByBucket.get(b + ' ' + r.source) ?? 0) + 1);
  }
});
console.log({ total, met, predOkMissed, predMissMissed, predMissMet });
console.log(missedByBucket);
