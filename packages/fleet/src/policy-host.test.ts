import type { InstanceState } from '@adagen/protocol';
import { readyState } from '@adagen/protocol/testing';
import { decide } from '@adagen/scheduler';
import { describe, expect, it } from 'vitest';
import { PolicyHost } from './policy-host.js';
import { FleetView } from './view.js';

const slo = {
  ttft: { kind: 'absolute', ms: 2000 },
  tpot: { kind: 'absolute', ms: 200 },
} as const;

function agent(id: string, atMs: number): InstanceState {
  return readyState({
    instanceId: id,
    seq: 1,
    atMs,
    kv: { totalBlocks: 1000, usedBlocks: 10 },
    running: [0, 1, 2].map((i) => ({
      id: `${id}-r${i}`,
      kind: 'full',
      promptTokens: 100,
      phase: 'decoding',
      prefilledTokens: 100,
      generatedTokens: 5 + i,
      arrivalMs: atMs - 50,
      predictedOutputTokens: 200,
    })),
  });
}

describe('PolicyHost', () => {
  it('counts its estimator’s work across rebuilds of the policy, and none for a policy that simulates nothing', () => {
    const view = new FleetView({ staleAfterMs: 1e9 });
    for (const id of ['a', 'b']) view.applyState(agent(id, 0), 0);
    const host = new PolicyHost({ policy: 'adagen', seed: 1, slo });
    const place = (n: number, nowMs: number) =>
      decide(
        host.forView(view)!,
        { id: `q${n}`, arrivalMs: nowMs, promptTokens: 100 },
        view.cluster(nowMs),
      );
    place(1, 10);
    const one = host.work()!;
    expect(one.estimates).toBe(2); // both agents simulated with the request
    expect(one.rebuilds).toBe(2);
    expect(one.iterations).toBeGreaterThan(0);
    // A third agent: the policy is built again, and the count goes on from where it was.
    view.applyState(agent('c', 20), 20);
    place(2, 30);
    expect(host.builds).toBe(2);
    const two = host.work()!;
    expect(two.estimates).toBe(one.estimates + 3);
    expect(two.rebuilds).toBe(one.rebuilds + 3);
    expect(two.iterations).toBeGreaterThan(one.iterations);

    const plain = new PolicyHost({ policy: 'least-kv', seed: 1, slo });
    decide(plain.forView(view)!, { id: 'q3', arrivalMs: 40, promptTokens: 100 }, view.cluster(40));
    expect(plain.work()).toBeUndefined();
  });
});
