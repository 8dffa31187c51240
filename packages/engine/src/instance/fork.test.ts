import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../latency/builtin.js';
import type { EngineConfigInput } from '../scheduler/config.js';
import { drive, randomArrivals, Recorder } from './harness.testutil.js';
import type { Arrival } from './harness.testutil.js';
import { SimInstance } from './sim-instance.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

/** Runs arrivals up to `cutMs`, returns the instance and the arrivals left. */
function runTo(inst: SimInstance, arrivals: Arrival[], cutMs: number): Arrival[] {
  const rest: Arrival[] = [];
  for (const a of arrivals) {
    if (a.atMs >= cutMs) {
      rest.push(a);
      continue;
    }
    inst.runUntil(a.atMs);
    inst.enqueue(a.item, a.atMs);
  }
  inst.runUntil(cutMs);
  return rest;
}

const after = (log: string[], from: number) => log.slice(from);

describe.each<{ name: string; config: EngineConfigInput }>([
  { name: 'chunked', config: {} },
  { name: 'chunked tiny KV', config: { numGpuBlocks: 300 } },
  { name: 'non-chunked', config: { enableChunkedPrefill: false } },
])('forking ($name)', ({ config }) => {
  const arrivals = randomArrivals(11, 200, { ratePerS: 30, maxPrompt: 2500, maxOutput: 250 });
  const lengths = new Map(arrivals.map((a) => [a.item.id, a.item.outputTokens]));

  it('clone() continues identically, mid-iteration included, and is independent', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'i', profile, config, observer: rec });
    const rest = runTo(inst, arrivals, 3000);
    expect(inst.busyUntilMs()).toBeDefined(); // cut lands inside an iteration
    const mark = rec.log.length;
    const cloneRec = new Recorder();
    const copy = inst.clone(cloneRec);
    drive(inst, rest);
    drive(copy, rest);
    expect(cloneRec.log).toEqual(after(rec.log, mark));
    expect(cloneRec.log.length).toBeGreaterThan(1000);
  });

  it('fromSnapshot() with the true lengths continues identically', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'i', profile, config, observer: rec });
    const rest = runTo(inst, arrivals, 3000);
    // Snapshot between iterations, and one taken during an iteration.
    const snapBusy = inst.snapshot();
    expect(snapBusy.busySinceMs).toBeDefined();
    const restBusy = rest;
    const busyRec = new Recorder();
    const rebuiltBusy = SimInstance.fromSnapshot(structuredClone(snapBusy), profile, {
      outputTokensFor: (p) => lengths.get(p.id)!,
      observer: busyRec,
    });
    expect(rebuiltBusy.busyUntilMs()).toBe(inst.busyUntilMs());
    const markBusy = rec.log.length;
    inst.finishIteration();
    const snap = inst.snapshot();
    expect(snap.busyUntilMs).toBeUndefined();
    const mark = rec.log.length;
    const rebuiltRec = new Recorder();
    const rebuilt = SimInstance.fromSnapshot(structuredClone(snap), profile, {
      outputTokensFor: (p) => lengths.get(p.id)!,
      observer: rebuiltRec,
    });
    expect(rebuilt.snapshot().kv.usedBlocks).toBe(snap.kv.usedBlocks);
    expect(rebuilt.snapshot().running).toEqual(snap.running);
    expect(rebuilt.snapshot().waiting).toEqual(snap.waiting);
    drive(inst, rest);
    drive(rebuilt, rest);
    drive(rebuiltBusy, restBusy);
    const strip = (l: string[]) => l.filter((x) => !x.startsWith('it ')); // iteration indices differ
    expect(strip(rebuiltRec.log)).toEqual(strip(after(rec.log, mark)));
    expect(strip(busyRec.log)).toEqual(strip(after(rec.log, markBusy)));
  });
});

describe('jitter', () => {
  const arrivals = randomArrivals(5, 100);
  const run = (jitter?: { sigma: number; seed: number }) => {
    const rec = new Recorder();
    drive(new SimInstance({ id: 'i', profile, observer: rec, jitter }), arrivals);
    return rec;
  };

  it('is reproducible per seed, differs across seeds, and is off by default', () => {
    const a = run({ sigma: 0.05, seed: 1 });
    expect(run({ sigma: 0.05, seed: 1 }).log).toEqual(a.log);
    expect(run({ sigma: 0.05, seed: 2 }).log).not.toEqual(a.log);
    const plain = run();
    expect(run({ sigma: 0, seed: 3 }).log).toEqual(plain.log);
    // Median ratio about 1, spread about sigma.
    const ratios = a.iterations
      .slice(0, 200)
      .map((it, i) => Math.log(it.durationMs / plain.iterations[i]!.durationMs));
    const mean = ratios.reduce((s, x) => s + x, 0) / ratios.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
  });

  it('a clone continues the same jitter stream', () => {
    const rec = new Recorder();
    const inst = new SimInstance({
      id: 'i',
      profile,
      observer: rec,
      jitter: { sigma: 0.1, seed: 4 },
    });
    const rest = runTo(inst, arrivals, 2000);
    const mark = rec.log.length;
    const cloneRec = new Recorder();
    const copy = inst.clone(cloneRec);
    drive(inst, rest);
    drive(copy, rest);
    expect(cloneRec.log).toEqual(after(rec.log, mark));
  });
});

describe('what-if rebuild', () => {
  it('with fewer seqs than are running keeps maxNumSeqs and finishes everything', () => {
    const inst = new SimInstance({ id: 'i', profile });
    for (let i = 0; i < 20; i++) {
      inst.enqueue({ kind: 'full', id: `r${i}`, promptTokens: 100, outputTokens: 30 }, 0);
    }
    inst.runUntil(200);
    if (inst.busyUntilMs() !== undefined) inst.finishIteration();
    const snap = inst.snapshot();
    expect(snap.running.length).toBe(20);
    const rec = new Recorder();
    const rebuilt = SimInstance.fromSnapshot(snap, profile, {
      config: { maxNumSeqs: 8, maxNumBatchedTokens: 256 },
      outputTokensFor: () => 30,
      observer: rec,
    });
    rebuilt.runToCompletion();
    expect(rec.iterations.every((it) => it.numSeqs <= 8)).toBe(true);
    expect(rec.finished.size).toBe(20);
  });
});
