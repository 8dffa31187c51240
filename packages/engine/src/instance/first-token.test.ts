import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../latency/builtin.js';
import { SimInstance } from './sim-instance.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

describe('first-token time in snapshots', () => {
  it('is absent before the first token and kept through clone and fromSnapshot', () => {
    const inst = new SimInstance({ id: 'i0', profile });
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 100, outputTokens: 50 }, 0);
    expect(inst.snapshot().waiting[0]!.firstTokenAtMs).toBeUndefined();
    const firstEnd = inst.startIteration(0)!;
    inst.finishIteration();
    inst.runUntil(firstEnd + 100);
    const snap = inst.snapshot();
    expect(snap.running[0]!.firstTokenAtMs).toBe(firstEnd);
    expect(inst.clone().snapshot().running[0]!.firstTokenAtMs).toBe(firstEnd);
    const rebuilt = SimInstance.fromSnapshot(snap, profile, { outputTokensFor: () => 50 });
    expect(rebuilt.snapshot().running[0]!.firstTokenAtMs).toBe(firstEnd);
  });
});

describe('without an observer', () => {
  it('still counts tokens and finishes requests', () => {
    const inst = new SimInstance({ id: 'i0', profile });
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 100, outputTokens: 5 }, 0);
    inst.runToCompletion();
    expect(inst.hasWork()).toBe(false);
    expect(inst.snapshot().kv.usedBlocks).toBe(0);
  });
});

describe('phaseOf', () => {
  it('tracks a request through its phases', () => {
    const inst = new SimInstance({ id: 'i0', profile });
    expect(inst.phaseOf('p')).toBeUndefined();
    inst.enqueue({ kind: 'prefill', id: 'p', promptTokens: 600 }, 0);
    expect(inst.phaseOf('p')).toBe('waiting');
    inst.startIteration(0);
    inst.finishIteration();
    expect(inst.phaseOf('p')).toBe('prefilling');
    inst.runToCompletion();
    expect(inst.phaseOf('p')).toBe('held');
    inst.release('p');
    expect(inst.phaseOf('p')).toBeUndefined();
  });
});
