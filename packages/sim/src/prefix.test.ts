import { builtinProfiles } from '@adagen/engine';
import { policyFor } from '@adagen/scheduler';
import type { TraceRequest, Workload } from '@adagen/workloads';
import { describe, expect, it } from 'vitest';
import type { SimConfigInput } from './config.js';
import { runSimulation } from './run.js';

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

/** Conversations: each turn repeats the previous prompt (same hash ids) and adds 1–3 blocks. */
function conversations(withHashes: boolean): Workload {
  const requests: TraceRequest[] = [];
  let next = 0;
  // 7 conversations over 3 instances: round-robin does not follow them by accident.
  const convs = Array.from({ length: 7 }, () => ({ ids: [] as number[] }));
  for (let i = 0; i < 60; i++) {
    const c = convs[i % convs.length]!;
    const grow = 1 + (i % 3);
    for (let k = 0; k < grow; k++) c.ids.push(next++);
    const promptTokens = c.ids.length * 512 - 100;
    requests.push({
      id: `q${i}`,
      arrivalMs: i * 400,
      promptTokens,
      outputTokens: 20 + (i % 7),
      source: 'test',
      ...(withHashes ? { hashIds: [...c.ids] } : {}),
    });
  }
  return { name: 'conversations', requests, notes: [] };
}

function config(policy: string, caching: boolean, withHashes = true): SimConfigInput {
  return {
    instances: {
      count: 3,
      profile: a100,
      engine: { enablePrefixCaching: caching, maxModelLen: 32768 },
    },
    policy: (ctx) => policyFor(policy, ctx),
    workload: conversations(withHashes),
    seed: 3,
  };
}

describe('prefix caching in the simulator', () => {
  it('reports hit rates; a cache-aware router hits more than round-robin', () => {
    const rr = runSimulation(config('round-robin', true)).metrics;
    const dyn = runSimulation(config('dynamo-kv', true)).metrics;
    expect(rr.prefixCache).toBeDefined();
    expect(dyn.prefixCache!.hitRate).toBeGreaterThan(rr.prefixCache!.hitRate);
    expect(dyn.prefixCache!.hitRate).toBeGreaterThan(0.5);
    expect(dyn.prefixCache!.requestsWithHit).toBeGreaterThan(40);
    expect(dyn.requests.finished).toBe(60);
    // Caching saves prefill: TTFT is lower than with the cache off.
    const off = runSimulation(config('dynamo-kv', false)).metrics;
    expect(off.prefixCache).toBeUndefined();
    expect(dyn.ttftMs.mean).toBeLessThan(off.ttftMs.mean);
  });

  it('AdaGen predicts TTFT on hits and misses and places on the cached instance', () => {
    const r = runSimulation(config('adagen', true)).metrics;
    expect(r.prefixCache!.hitRate).toBeGreaterThan(0.5);
    const e = r.ttftPredictionError!;
    expect(e.hits.count).toBeGreaterThan(30);
    expect(e.hits.p50).toBeLessThan(0.05);
  });

  it('without hash ids, caching on changes nothing', () => {
    const off = runSimulation(config('least-requests', false, false));
    const on = runSimulation(config('least-requests', true, false));
    expect(on.metrics.ttftMs).toEqual(off.metrics.ttftMs);
    expect(on.cdf).toEqual(off.cdf);
    expect(on.metrics.prefixCache!.hitTokens).toBe(0);
  });
});
