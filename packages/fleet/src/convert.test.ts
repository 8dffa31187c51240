import { builtinProfiles, promptBlockHashes, SimInstance } from '@adagen/engine';
import { createCodec, isStateMessageFast, placementSchema } from '@adagen/protocol';
import type { InferenceRequest } from '@adagen/protocol';
import type { Classification, Placement } from '@adagen/scheduler';
import { describe, expect, it } from 'vitest';
import {
  classificationToWire,
  placementFromWire,
  placementToWire,
  snapshotOf,
  stateOf,
} from './convert.js';

const request: InferenceRequest = {
  v: 1,
  type: 'inference_request',
  requestId: 'req-1',
  attempt: 0,
  gatewayId: 'gw-1',
  model: 'm',
  endpoint: 'completions',
  promptTokens: 100,
  stream: false,
  receivedAtMs: 1000,
  deadlineAtMs: 61_000,
};

const classification: Classification = {
  request: { id: 'req-1', arrivalMs: 1000, promptTokens: 100 },
  predictedOutputTokens: 50,
  prefill: 'short',
  decode: 'short',
  thresholds: { prefillTokens: 1024, outputTokens: 256 },
};

const estimate = (instanceId: string, reached: boolean) => ({
  instanceId,
  nowMs: 1001,
  iterations: 12,
  horizonReached: !reached,
  firstTokenAtMs: reached ? 1040.5 : Number.POSITIVE_INFINITY,
  prefillDoneAtMs: reached ? 1040.5 : Number.POSITIVE_INFINITY,
  ttftMs: reached ? 40.5 : 900,
  tpotMs: 12.25,
  newlyViolated: reached ? 0 : 2,
  alreadyViolated: 1,
  addedDelayMs: 3.5,
  meanIterationMs: 12,
});

describe('placement on the wire', () => {
  it('carries the balance step’s estimates to the planner, unreached times included', () => {
    const placement: Placement = {
      classification,
      instanceId: 'a',
      candidates: 2,
      prediction: { ttftMs: 40.5, tpotMs: 12.25 },
      estimates: [estimate('a', true), estimate('b', false)],
    };
    const codec = createCodec(placementSchema);
    const wire = placementToWire(placement, classificationToWire(classification, request), 'x', 1);
    const decoded = codec.decode(codec.encode(wire));
    expect(decoded.ok, decoded.ok ? '' : decoded.error.message).toBe(true);
    if (!decoded.ok) return;
    expect(placementFromWire(decoded.value).estimates).toEqual(placement.estimates);
  });

  it('carries none when the policy estimated none', () => {
    const placement: Placement = { classification, instanceId: 'a', candidates: 1 };
    const wire = placementToWire(placement, classificationToWire(classification, request), 'x', 1);
    expect(wire.candidates).toEqual([]);
    expect(placementFromWire(wire).estimates).toBeUndefined();
  });
});

describe('state on the wire', () => {
  it('leaves the engine’s prefix-cache counters with the agent, so full states take the typed check', () => {
    const inst = new SimInstance({
      id: 'i',
      profile: builtinProfiles['llama-3-8b_a100-80gb_tp1']!,
      config: { enablePrefixCaching: true },
    });
    const tokens = Array.from({ length: 64 }, (_, i) => i + 1);
    const prefix = { blockHashes: promptBlockHashes(tokens, 16) };
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 64, outputTokens: 4, prefix }, 0);
    inst.runToCompletion();
    inst.enqueue(
      { kind: 'full', id: 'b', promptTokens: 64, outputTokens: 4, prefix },
      inst.clockMs,
    );
    const snapshot = inst.snapshot();
    expect(snapshot.prefixCache?.cachedBlocks).toBeGreaterThan(0); // the engine has counters
    const state = stateOf(snapshot, { seq: 1, status: 'ready', engine: 'sim' });
    expect('prefixCache' in state).toBe(false);
    expect(state.waiting[0]?.cachedTokens).toBeGreaterThan(0); // what deciders use stays
    expect(isStateMessageFast(state)).toBe(true);
    expect(snapshotOf(state)).toEqual({ ...snapshot, prefixCache: undefined });
  });
});
