/**
 * No policy reads a request's true output length: swapping the output lengths of a trace's
 * requests leaves every placement the same, as long as no request has finished yet (a finished
 * request legitimately changes the cluster's state and what online learners have observed).
 */
import { builtinProfiles } from '@adagen/engine';
import {
  adagenPolicyNames,
  adagenVariantNames,
  allBaselineNames,
  policyFor,
} from '@adagen/scheduler';
import type { Workload } from '@adagen/workloads';
import { describe, expect, it } from 'vitest';
import { runSimulation } from './run.js';
import { workloadOf } from './testing.js';

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

/** 24 requests in 1.2 s, outputs of 600+ tokens: none finishes before the last arrives. */
const rows = Array.from(
  { length: 24 },
  (_, i) => [i * 50, 300 + ((i * 733) % 3000), 600 + ((i * 389) % 1400)] as const,
);
const original = workloadOf(rows);
/** The same requests with their output lengths reversed. */
const swapped: Workload = {
  ...original,
  requests: original.requests.map((r, i) => ({
    ...r,
    outputTokens: original.requests[original.requests.length - 1 - i]!.outputTokens,
  })),
};

function placements(policy: string, w: Workload) {
  const r = runSimulation(
    {
      instances: { count: 4, profile: a100 },
      policy: (ctx) => policyFor(policy, ctx),
      workload: w,
      deadline: 'off',
    },
    { perRequest: true },
  );
  return r.requests!.map((q) => ({ plan: q.plan, instances: q.instances, firstTokenMs: q.ttftMs }));
}

describe('policies are blind to true output lengths', () => {
  it('the workloads differ only in output lengths, and nothing finishes during the arrivals', () => {
    expect(swapped.requests.map((r) => r.outputTokens)).not.toEqual(
      original.requests.map((r) => r.outputTokens),
    );
    const first = runSimulation(
      { instances: { count: 4, profile: a100 }, policy: 'round-robin', workload: original },
      { perRequest: true },
    ).requests!;
    const minEnd = Math.min(...first.map((q) => q.arrivalMs + q.e2eMs!));
    expect(minEnd).toBeGreaterThan(rows.at(-1)![0] + 100);
  });

  for (const policy of [...allBaselineNames, ...adagenPolicyNames, ...adagenVariantNames]) {
    it(`${policy}: identical placements after swapping output lengths`, () => {
      const a = placements(policy, original);
      const b = placements(policy, swapped);
      expect(b.map((p) => [p.plan, p.instances])).toEqual(a.map((p) => [p.plan, p.instances]));
    });
  }
});
