import { SimInstance, builtinProfiles } from '@adagen/engine';
import type { InstanceSnapshot } from '@adagen/engine';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createCodec } from '../codec.js';
import { instanceStateSchema } from './state.js';
import type { InstanceState } from './state.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

/** The wire envelope around an engine snapshot (what an agent publishes). */
function wrap(snapshot: InstanceSnapshot, seq: number): InstanceState {
  return { v: 1, type: 'instance_state', seq, status: 'ready', engine: 'sim', ...snapshot };
}

/** The snapshot inside a decoded state: no cast, the wire type is an InstanceSnapshot. */
function unwrap(state: InstanceState): InstanceSnapshot {
  const { v: _v, type: _t, seq: _s, status: _st, engine: _e, ...snapshot } = state;
  return snapshot;
}

describe('InstanceState carries the engine snapshot', () => {
  it('is an InstanceSnapshot at the type level, and the other way round', () => {
    expectTypeOf<InstanceState>().toExtend<InstanceSnapshot>();
    expectTypeOf<InstanceSnapshot['running'][number]>().toExtend<
      InstanceState['running'][number]
    >();
  });

  it('round-trips every snapshot of a run with preemptions, mid-iteration ones included', () => {
    const codec = createCodec(instanceStateSchema);
    // A tiny KV cache so decodes run out of blocks and the latest arrival is preempted.
    const inst = new SimInstance({
      id: 'gpu-1',
      profile,
      config: { numGpuBlocks: 24, maxNumBatchedTokens: 32, maxNumSeqs: 8 },
    });
    for (let i = 0; i < 3; i++) {
      inst.enqueue(
        { kind: 'full', id: `r${i}`, promptTokens: 90, outputTokens: 60, meta: { maxTokens: 64 } },
        i,
      );
    }
    inst.enqueue(
      { kind: 'segment', id: 's0', promptTokens: 200, startToken: 100, endToken: 150 },
      0,
    );
    let seq = 0;
    let sawPreempted = false;
    let sawRecompute = false;
    for (let now = 0; inst.hasWork() && seq < 2000;) {
      const end = inst.startIteration(now);
      if (end === undefined) break;
      const snapshots = [inst.snapshot()];
      inst.finishIteration();
      snapshots.push(inst.snapshot());
      for (const snapshot of snapshots) {
        const decoded = codec.decode(codec.encode(wrap(snapshot, seq++)));
        expect(decoded.ok, decoded.ok ? '' : decoded.error.message).toBe(true);
        if (!decoded.ok) return;
        expect(unwrap(decoded.value)).toEqual(snapshot);
        for (const r of snapshot.running) {
          if ((r.preemptions ?? 0) > 0) sawPreempted = true;
          if (r.prefilledTokens > r.promptTokens) sawRecompute = true;
        }
      }
      now = end;
    }
    expect(sawPreempted).toBe(true);
    expect(sawRecompute).toBe(true);
  });
});
