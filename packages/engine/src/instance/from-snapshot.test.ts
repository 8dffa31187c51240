import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../latency/builtin.js';
import { EngineConfigError } from '../scheduler/config.js';
import { SimInstance } from './sim-instance.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const other = builtinProfiles[Object.keys(builtinProfiles).find((k) => k !== profile.name)!]!;
const outputTokensFor = () => 50;

function snapshotWith(config: ConstructorParameters<typeof SimInstance>[0]['config']) {
  const inst = new SimInstance({ id: 'i0', profile, config });
  inst.enqueue({ kind: 'full', id: 'a', promptTokens: 100, outputTokens: 50 }, 0);
  inst.runUntil(30);
  return inst.snapshot();
}

describe('fromSnapshot resolves each engine setting once', () => {
  it('shares the resolved config between rebuilds of the same settings, and only those', () => {
    const snap = snapshotWith({ maxNumSeqs: 64 });
    const a = SimInstance.fromSnapshot(snap, profile, { outputTokensFor });
    const b = SimInstance.fromSnapshot(structuredClone(snap), profile, { outputTokensFor });
    expect(b.config).toBe(a.config);
    expect(Object.isFrozen(a.config)).toBe(true);
    expect(a.config.maxNumSeqs).toBe(64);

    const wider = SimInstance.fromSnapshot(snapshotWith({ maxNumSeqs: 128 }), profile, {
      outputTokensFor,
    });
    expect(wider.config).not.toBe(a.config);
    expect(wider.config.maxNumSeqs).toBe(128);
    const elsewhere = SimInstance.fromSnapshot(snap, other, { outputTokensFor });
    expect(elsewhere.config).not.toBe(a.config);
    expect(elsewhere.config).toEqual(
      new SimInstance({
        id: 'x',
        profile: other,
        config: { ...snap.config, numGpuBlocks: snap.kv.totalBlocks },
      }).config,
    );
    // An override is resolved on its own, never from (or into) the shared one.
    const overridden = SimInstance.fromSnapshot(snap, profile, {
      outputTokensFor,
      config: { maxNumSeqs: 8 },
    });
    expect(overridden.config.maxNumSeqs).toBe(8);
    expect(SimInstance.fromSnapshot(snap, profile, { outputTokensFor }).config).toBe(a.config);
  });

  it('still refuses an invalid setting, every time', () => {
    const snap = snapshotWith({});
    const bad = { ...snap, config: { ...snap.config, maxNumSeqs: 0 } };
    for (let i = 0; i < 2; i++)
      expect(() => SimInstance.fromSnapshot(bad, profile, { outputTokensFor })).toThrow(
        EngineConfigError,
      );
  });
});
