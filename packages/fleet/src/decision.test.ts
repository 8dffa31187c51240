import { decisionRecordSchema } from '@adagen/protocol';
import type { Placement } from '@adagen/scheduler';
import { describe, expect, it } from 'vitest';
import { decisionRecord } from './decision.js';

const classification = {
  request: { id: 'r1', arrivalMs: 0, promptTokens: 3000 },
  predictedOutputTokens: 100,
  prefill: 'long',
  decode: 'long',
  thresholds: { prefillTokens: 1024, outputTokens: 64 },
} as const;

const base = {
  balancerId: 'bal-0',
  requestId: 'r1',
  attempt: 0,
  atMs: 1000,
  policy: 'adagen',
  promptTokens: 3000,
  predictedOutputTokens: 100,
  slo: { ttftMs: 900, tpotMs: 57 },
  decideMs: 0.5,
};

function placement(over: Partial<Placement> = {}): Placement {
  return {
    classification: { ...classification, request: { ...classification.request } },
    instanceId: 'a',
    candidates: 20,
    prediction: { ttftMs: 1200, tpotMs: 20, newlyViolated: 0 },
    considered: Array.from({ length: 20 }, (_, i) => ({
      instanceId: i === 0 ? 'a' : `b${i}`,
      ttftMs: 1200 + i * 100,
      tpotMs: 20,
      newlyViolated: i,
      meetsSlo: false,
    })),
    ...over,
  };
}

describe('decisionRecord', () => {
  it('explains a distributed plan: the single placement missed, the split clears it', () => {
    const d = decisionRecord({
      ...base,
      outcome: 'placed',
      placement: placement(),
      plan: { kind: 'pd-split', prefillInstanceId: 'a', decodeInstanceId: 'b1' },
      planPredicted: { ttftMs: 800, tpotMs: 18 },
    });
    expect(decisionRecordSchema.safeParse(d).success).toBe(true);
    // Bounded: 20 candidates weighed, 16 listed, the chosen first.
    expect(d.considered).toBe(20);
    expect(d.candidates).toHaveLength(16);
    expect(d.candidates[0]).toMatchObject({ instanceId: 'a', meetsSlo: false });
    expect(d.predicted).toEqual({ ttftMs: 800, tpotMs: 18 });
    expect(d.reasons.join('\n')).toMatch(/runner-up b1: TTFT 1300 ms/);
    expect(d.reasons.at(-1)).toMatch(
      /^pd-split: on a alone it was predicted to miss its SLO \(TTFT 1200 ms, TPOT 20 ms\); prefill on a, decode on b1 is predicted to clear every violation \(predicted TTFT 800 ms/,
    );
  });

  it('explains a shed request and a hopeless placement, and keeps infinite predictions finite', () => {
    const p = placement({ hopeless: true });
    p.considered = [
      { instanceId: 'a', ttftMs: Infinity, tpotMs: 30, newlyViolated: 0, meetsSlo: false },
    ];
    const d = decisionRecord({
      ...base,
      outcome: 'shed',
      placement: p,
      why: 'its TTFT is predicted at 9000 ms at best',
      errorCode: 'overloaded',
    });
    expect(decisionRecordSchema.safeParse(d).success).toBe(true);
    expect(d.plan).toBeUndefined();
    expect(d.hopeless).toBe(true);
    expect(d.reasons[0]).toBe('shed: its TTFT is predicted at 9000 ms at best');
    expect(d.reasons[1]).toMatch(/^a: predicted TTFT ∞/);
    expect(d.reasons[2]).toMatch(/miss its SLO on all 1 candidates/);
    expect(d.candidates[0]!.predicted!.ttftMs).toBe(1e9);
  });

  it('says what became of a shard offer, before the placement', () => {
    const d = decisionRecord({
      ...base,
      outcome: 'placed',
      placement: placement({ hopeless: true }),
      plan: { kind: 'single', instanceId: 'a' },
      spill: 'offered to shard 1, which declined: predicted to miss on all 4 agents there too',
    });
    expect(decisionRecordSchema.safeParse(d).success).toBe(true);
    expect(d.reasons[0]).toBe(
      'shard spill: offered to shard 1, which declined: predicted to miss on all 4 agents there too',
    );
    expect(d.reasons[1]).toMatch(/^a: predicted TTFT 1200 ms/);
  });

  it('says a policy without predictions chose by its own score', () => {
    const d = decisionRecord({
      ...base,
      policy: 'round-robin',
      outcome: 'placed',
      placement: { classification: placement().classification, instanceId: 'a', candidates: 4 },
      plan: { kind: 'single', instanceId: 'a' },
    });
    expect(decisionRecordSchema.safeParse(d).success).toBe(true);
    expect(d.candidates).toEqual([]);
    expect(d.reasons).toEqual([
      'round-robin chose a by its own score among 4 instance(s); it predicts no latency',
    ]);
  });
});
