import { performance } from 'node:perf_hooks';
import { createAdaGenPolicy, policyFor } from '@adagen/scheduler';
import type { AdaGenOptions } from '@adagen/scheduler';
import { loadTrace, scaleToRate, mix } from '@adagen/workloads';
import { runSimulation } from '../src/index.js';

const [traceArg = 'code', rateArg = '6', nArg = '2000'] = process.argv.slice(2);
const files: Record<string, string> = {
  conv: '/work/shared/traces/azure2023_AzureLLMInferenceTrace_conv.csv',
  code: '/work/shared/traces/azure2023_AzureLLMInferenceTrace_code.csv',
  mooncake: '/work/shared/traces/mooncake_conversation_trace.jsonl',
};
let w;
if (traceArg === 'mix')
  w = mix([await loadTrace(files.code!), await loadTrace(files.conv!)], { name: 'mix' });
else w = await loadTrace(files[traceArg]!);
w = scaleToRate(w, Number(rateArg));
const skip = Number(process.env.SKIP ?? 0);
w = {
  ...w,
  requests: w.requests
    .slice(skip, skip + Number(nArg))
    .map((r) => ({ ...r, arrivalMs: r.arrivalMs - w.requests[skip]!.arrivalMs })),
};
const engine = traceArg === 'mooncake' ? { maxModelLen: 131072 } : {};
const variants: Record<string, AdaGenOptions | string> = {
  'fix': { planner: { onlyToFix: true } },
  'full': {},
  'prior-len': { classifier: { predictor: { minSamples: 1e9, priorOutputTokens: 256 } }, steps: { distribute: false } },
  'q35': { classifier: { longQuantile: 0.35 }, steps: { distribute: false } },
  'q25': { classifier: { longQuantile: 0.25 }, steps: { distribute: false } },
  'p75': { classifier: { predictor: { statistic: 0.75 } }, steps: { distribute: false } },
  'p90': { classifier: { predictor: { statistic: 0.9 } }, steps: { distribute: false } },
  'mean': { classifier: { predictor: { statistic: 'mean' } }, steps: { distribute: false } },
  'q75': { classifier: { longQuantile: 0.75 }, steps: { distribute: false } },
  'nd': { steps: { distribute: false } },
  'nc': { steps: { distribute: false, classify: false } },
  'asym-q5': { balancer: { pools: true, poolsMode: 'asymmetric' }, classifier: { longQuantile: 0.5 }, steps: { distribute: false } },
  'asym-spill-q5': { balancer: { pools: true, poolsMode: 'asymmetric', longSpill: true }, classifier: { longQuantile: 0.5 }, steps: { distribute: false } },
  'strict-spill-q5': { balancer: { pools: true, longSpill: true }, classifier: { longQuantile: 0.5 }, steps: { distribute: false } },
  lmetric: 'lmetric',
  adagen: {},
  'others=0': { balancer: { othersWeight: 0 } },
  'no-distribute': { steps: { distribute: false } },
  'others=0,no-dist': { balancer: { othersWeight: 0 }, steps: { distribute: false } },
  'no-classify': { steps: { classify: false } },
  'bestfit.5': { balancer: { bestFitMargin: 0.5 }, steps: { distribute: false } },
  pools: { balancer: { pools: true }, steps: { distribute: false } },
  'pools-q5': {
    balancer: { pools: true },
    classifier: { longQuantile: 0.5 },
    steps: { distribute: false },
  },
  'pools-q9': {
    balancer: { pools: true },
    classifier: { longQuantile: 0.9 },
    steps: { distribute: false },
  },
  llumnix: 'llumnix',
  'least-kv': 'least-kv',
  'no-sacrifice': { balancer: { sacrifice: false }, steps: { distribute: false } },
  'sac+bestfit.8': { balancer: { bestFitMargin: 0.8 }, steps: { distribute: false } },
  'reserve.5': { balancer: { reserveShare: 0.5 }, steps: { distribute: false } },
  'reserve.8': { balancer: { reserveShare: 0.8 }, steps: { distribute: false } },
  reserve1: { balancer: { reserveShare: 1 }, steps: { distribute: false } },
  'reserve.8-q5': {
    balancer: { reserveShare: 0.8 },
    classifier: { longQuantile: 0.5 },
    steps: { distribute: false },
  },
  'bestfit.8': { balancer: { bestFitMargin: 0.8 }, steps: { distribute: false } },
  'bestfit.9': { balancer: { bestFitMargin: 0.9 }, steps: { distribute: false } },
  bestfit1: { balancer: { bestFitMargin: 1 }, steps: { distribute: false } },
  'bestfit.8-q6': {
    balancer: { bestFitMargin: 0.8 },
    classifier: { longQuantile: 0.6 },
    steps: { distribute: false },
  },
  'bestfit.8-q9': {
    balancer: { bestFitMargin: 0.8 },
    classifier: { longQuantile: 0.9 },
    steps: { distribute: false },
  },
  'bf-long.3': { balancer: { bestFitMargin: 0.3 }, steps: { distribute: false } },
  'bf-long.5-q5': {
    balancer: { bestFitMargin: 0.5 },
    classifier: { longQuantile: 0.5 },
    steps: { distribute: false },
  },
  'bestfit.7': { balancer: { bestFitMargin: 0.7 }, steps: { distribute: false } },
  'bestfit.85': { balancer: { bestFitMargin: 0.85 }, steps: { distribute: false } },
  'ttft-only': {
    balancer: { latencyWeights: { tpot: 0, delay: 0 } },
    steps: { distribute: false },
  },
  'ttft+delay': { balancer: { latencyWeights: { tpot: 0 } }, steps: { distribute: false } },
  'ttft+tpot': { balancer: { latencyWeights: { delay: 0 } }, steps: { distribute: false } },
};
const only = process.argv[5]?.split(',');
for (const [name, v] of Object.entries(variants)) {
  if (only && !only.includes(name)) continue;
  const t0 = performance.now();
  const r = runSimulation(
    {
      instances: { count: 8, profile: 'a100', engine },
      policy: (ctx) => (typeof v === 'string' ? policyFor(v, ctx) : createAdaGenPolicy(ctx, v)),
      workload: w,
      seed: 1,
    },
    { now: () => performance.now() },
  );
  const m = r.metrics;
  console.log(
    `${name.padEnd(18)} att=${m.slo.attainment.toFixed(3)} ttft=${m.slo.ttftAttainment.toFixed(3)} tpot=${m.slo.tpotAttainment.toFixed(3)} ttft50=${m.ttftMs.p50.toFixed(0)} ttft99=${m.ttftMs.p99.toFixed(0)} tpot50=${m.tpotMs.p50.toFixed(1)} plans=${JSON.stringify(m.plans)} dec50=${r.decisionTimeUs?.p50.toFixed(0)}us wall=${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
}
