import {
  composePolicy,
  DefaultClassifier,
  SinglePlanner,
  queuedPrefillTokens,
  outstandingRequests,
} from '@adagen/scheduler';
import type { Balancer, Classification, ClusterView } from '@adagen/scheduler';
import { loadTrace, scaleToRate } from '@adagen/workloads';
import { runSimulation } from '../src/index.js';

const [traceArg = 'code', rateArg = '6', nArg = '2000'] = process.argv.slice(2);
const files: Record<string, string> = {
  conv: '/work/shared/traces/azure2023_AzureLLMInferenceTrace_conv.csv',
  code: '/work/shared/traces/azure2023_AzureLLMInferenceTrace_code.csv',
};
let w = scaleToRate(await loadTrace(files[traceArg]!), Number(rateArg));
const skip = Number(process.env.SKIP ?? 0);
w = {
  ...w,
  requests: w.requests
    .slice(skip, skip + Number(nArg))
    .map((r) => ({ ...r, arrivalMs: r.arrivalMs - w.requests[skip]!.arrivalMs })),
};
function mk(
  name: string,
  score: (v: ClusterView['instances'][number], c: Classification) => number[],
): Balancer {
  return {
    name,
    place(c, view) {
      let best = 0;
      let bs: number[] | undefined;
      view.instances.forEach((v, i) => {
        const s = score(v, c);
        if (!bs || s[0]! < bs[0]! || (s[0] === bs[0] && (s[1] ?? 0) < (bs[1] ?? 0))) {
          bs = s;
          best = i;
        }
      });
      return {
        classification: c,
        instanceId: view.instances[best]!.id,
        candidates: view.instances.length,
      };
    },
  };
}
const running = (v: ClusterView['instances'][number]) =>
  v.snapshot.running.filter((r) => r.phase !== 'held').length;
const variants: Record<string, Balancer> = {
  'jsq-prefill': mk('jsq-prefill', (v) => [queuedPrefillTokens(v), running(v)]),
  lmetric: mk('lmetric', (v, c) => [
    (queuedPrefillTokens(v) + c.request.promptTokens) * (running(v) + v.pending.length + 1),
    queuedPrefillTokens(v),
  ]),
  'prefill*(run+1)': mk('x', (v, c) => [
    (queuedPrefillTokens(v) + c.request.promptTokens) * (running(v) + 1),
    queuedPrefillTokens(v),
  ]),
  'least-requests': mk('lr', (v) => [outstandingRequests(v), queuedPrefillTokens(v)]),
  'prefill+200*req': mk('y', (v) => [queuedPrefillTokens(v) + 200 * outstandingRequests(v)]),
};
for (const [name, b] of Object.entries(variants)) {
  const r = runSimulation({
    instances: { count: 8, profile: 'a100' },
    policy: () => composePolicy(name, new DefaultClassifier(), b, new SinglePlanner()),
    workload: w,
    seed: 1,
  });
  const m = r.metrics;
  console.log(
    `${name.padEnd(18)} att=${m.slo.attainment.toFixed(3)} ttft50=${m.ttftMs.p50.toFixed(0)} ttft90=${m.ttftMs.p90.toFixed(0)} ttft99=${m.ttftMs.p99.toFixed(0)}`,
  );
}

import { instanceSpecs, parseSimConfig, Simulation } from '../src/index.js';
import { createAdaGenPolicy } from '@adagen/scheduler';
for (const [name, mkp] of [
  [
    'jsq',
    () =>
      composePolicy('j', new DefaultClassifier(), variants['jsq-prefill']!, new SinglePlanner()),
  ],
  [
    'lmetric',
    () => composePolicy('l', new DefaultClassifier(), variants['lmetric']!, new SinglePlanner()),
  ],
  ['adagen', (ctx: never) => createAdaGenPolicy(ctx, { steps: { distribute: false } })],
] as const) {
  const config = parseSimConfig({
    instances: { count: 8, profile: 'a100' },
    policy: mkp as never,
    workload: w,
    seed: 1,
  });
  const sim = new Simulation(config, instanceSpecs(config));
  sim.run();
  const m = sim.metrics;
  const buckets = [
    [0, 500],
    [500, 1500],
    [1500, 3000],
    [3000, 6000],
    [6000, 1e9],
  ];
  const rows = buckets.map(([lo, hi]) => {
    let n = 0,
      ok = 0;
    w.requests.forEach((r, i) => {
      if (r.promptTokens < lo! || r.promptTokens >= hi!) return;
      n++;
      const ttft = m.firstTokenMs[i]! - m.arrivalMs[i]!;
      if (ttft <= m.ttftSloMs[i]!) ok++;
    });
    return `${lo}-${hi}: ${ok}/${n}`;
  });
  console.log(name.padEnd(8), rows.join('  '));
}
