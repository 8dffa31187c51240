import { performance } from 'node:perf_hooks';
import { policyFor } from '@adagen/scheduler';
import { loadTrace, scaleToRate, firstN, capLengths, mix } from '@adagen/workloads';
import { runSimulation } from '../src/index.js';

const [
  traceArg = 'conv',
  rateArg = '10',
  nArg = '2000',
  policiesArg = 'adagen,lmetric,llumnix,least-kv,round-robin',
  instArg = '8',
] = process.argv.slice(2);
const files: Record<string, string> = {
  conv: '/work/shared/traces/azure2023_AzureLLMInferenceTrace_conv.csv',
  code: '/work/shared/traces/azure2023_AzureLLMInferenceTrace_code.csv',
  mooncake: '/work/shared/traces/mooncake_conversation_trace.jsonl',
};
let w;
if (traceArg === 'mix') {
  w = mix([await loadTrace(files.code!), await loadTrace(files.conv!)], { name: 'mix' });
} else w = await loadTrace(files[traceArg]!);
w = firstN(scaleToRate(w, Number(rateArg)), Number(nArg));
const engine = traceArg === 'mooncake' ? { maxModelLen: 131072 } : {};
for (const p of policiesArg.split(',')) {
  const t0 = performance.now();
  const r = runSimulation(
    {
      instances: { count: Number(instArg), profile: 'a100', engine },
      policy: (ctx) => policyFor(p, ctx),
      workload: w,
      seed: 1,
    },
    { now: () => performance.now() },
  );
  const m = r.metrics;
  console.log(
    `${p.padEnd(22)} att=${m.slo.attainment.toFixed(3)} ttft=${m.slo.ttftAttainment?.toFixed(3) ?? ''} tpot=${m.slo.tpotAttainment?.toFixed(3) ?? ''} ttft50=${m.ttftMs.p50.toFixed(0)} ttft99=${m.ttftMs.p99.toFixed(0)} tpot50=${m.tpotMs.p50.toFixed(1)} tpot99=${m.tpotMs.p99.toFixed(1)} plans=${JSON.stringify(m.plans ?? '')} dec_p50us=${r.decisionTimeUs?.p50.toFixed(0)} p99us=${r.decisionTimeUs?.p99.toFixed(0)} wall=${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
}
