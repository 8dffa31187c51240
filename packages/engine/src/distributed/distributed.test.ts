import { describe, expect, it } from 'vitest';
import { Recorder } from '../instance/harness.testutil.js';
import { SimInstance } from '../instance/sim-instance.js';
import { kvBytesPerToken } from '../kv/capacity.js';
import { builtinProfiles } from '../latency/builtin.js';
import { LatencyModel } from '../latency/model.js';
import { kvTransferMs, LinkPresets } from './links.js';
import { planPdSplit } from './pd-split.js';
import { planSegments, splitPrefillTiming } from './split-prefill.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const model = new LatencyModel(profile);
const bpt = kvBytesPerToken(profile);

describe('kvTransferMs', () => {
  it('is setup + bytes / bandwidth', () => {
    expect(kvTransferMs(1000, bpt, LinkPresets['nvlink-a100'])).toBeCloseTo(
      0.05 + ((1000 * 131072) / 300e9) * 1000,
      12,
    );
    // 4096 tokens (512 MiB) over 100 Gb/s RDMA: about 48 ms.
    expect(kvTransferMs(4096, bpt, LinkPresets['rdma-100g'])).toBeCloseTo(0.5 + 47.72, 1);
    expect(kvTransferMs(0, bpt, LinkPresets['rdma-100g'])).toBe(0);
    expect(() => kvTransferMs(-1, bpt, LinkPresets['rdma-100g'])).toThrow(RangeError);
  });
});

describe('planSegments', () => {
  it.each([
    [8192, 2],
    [8192, 4],
    [3000, 3],
  ])('%i tokens in %i segments: contiguous, balanced by work, later ones shorter', (p, k) => {
    const segs = planSegments(p, k);
    expect(segs).toHaveLength(k);
    expect(segs[0]!.startToken).toBe(0);
    expect(segs[k - 1]!.endToken).toBe(p);
    for (let i = 1; i < k; i++) {
      expect(segs[i]!.startToken).toBe(segs[i - 1]!.endToken);
      const len = (s: { startToken: number; endToken: number }) => s.endToken - s.startToken;
      expect(len(segs[i]!)).toBeLessThan(len(segs[i - 1]!));
    }
    const costs = segs.map((s) => model.prefillAloneMs(s.startToken, s.endToken, 512));
    // Balanced to within a chunk's worth (chunk granularity makes the cost step-wise).
    expect(Math.max(...costs) - Math.min(...costs)).toBeLessThan(60);
    // Better than equal token counts.
    const equal = Array.from({ length: k }, (_, i) => [
      Math.round((i * p) / k),
      Math.round(((i + 1) * p) / k),
    ]);
    const equalMax = Math.max(...equal.map(([s, e]) => model.prefillAloneMs(s!, e!, 512)));
    expect(Math.max(...costs)).toBeLessThan(equalMax);
  });

  it('handles tiny prompts and validates', () => {
    expect(planSegments(1, 4)).toEqual([{ startToken: 0, endToken: 1 }]);
    expect(planSegments(3, 3)).toHaveLength(3);
    expect(() => planSegments(0, 2)).toThrow(/promptTokens/);
    expect(() => planSegments(10, 0)).toThrow(/k must be/);
  });
});

describe('split prefill timing', () => {
  const p = 8192;
  const single = model.prefillAloneMs(0, p, 512);
  const segs = planSegments(p, 2);

  it('2 instances beat 1 on a fast link', () => {
    for (const link of [
      LinkPresets['nvlink-a100'],
      LinkPresets['rdma-400g'],
      LinkPresets['rdma-100g'],
    ]) {
      const t = splitPrefillTiming(p, segs, { model, link, bytesPerToken: bpt });
      expect(t.prefillDoneMs, link.name).toBeLessThan(single);
      expect(t.decodeReadyMs, link.name).toBeLessThan(single);
    }
  });

  it('and not on a slow one', () => {
    const t = splitPrefillTiming(p, segs, {
      model,
      link: LinkPresets['ethernet-10g'],
      bytesPerToken: bpt,
    });
    expect(t.prefillDoneMs).toBeGreaterThan(single);
  });

  it('overlap hides receive time; separate decode gathers the whole prompt', () => {
    const link = LinkPresets['rdma-100g'];
    const none = splitPrefillTiming(p, segs, { model, link, bytesPerToken: bpt });
    const full = splitPrefillTiming(p, segs, { model, link, bytesPerToken: bpt, overlap: 1 });
    const s1 = none.segments[1]!;
    expect(s1.receiveMs).toBeCloseTo(kvTransferMs(s1.startToken, bpt, link), 9);
    expect(s1.doneMs).toBeCloseTo(s1.computeMs + s1.receiveMs, 9);
    expect(full.segments[1]!.doneMs).toBeCloseTo(Math.max(s1.computeMs, s1.receiveMs), 9);
    expect(none.gatherMs).toBeCloseTo(kvTransferMs(s1.startToken, bpt, link), 9);
    const sep = splitPrefillTiming(p, segs, {
      model,
      link,
      bytesPerToken: bpt,
      decodeOn: 'separate',
    });
    expect(sep.gatherMs).toBeCloseTo(kvTransferMs(p, bpt, link), 9);
  });

  it('segment compute equals a segment item run alone on a SimInstance', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 's', profile, observer: rec });
    const seg = segs[1]!;
    inst.enqueue({ kind: 'segment', id: 'x', promptTokens: p, ...seg }, 0);
    expect(inst.runToCompletion()).toBeCloseTo(
      model.prefillAloneMs(seg.startToken, seg.endToken, 512),
      6,
    );
    expect(rec.tokens.get('x')).toEqual([0]);
  });
});

describe('P/D split', () => {
  it('prefill on A, transfer, decode on B: the same tokens as one instance', () => {
    const link = LinkPresets['rdma-100g'];
    const plan = planPdSplit({ id: 'r', promptTokens: 3000, outputTokens: 20 }, link, bpt);
    expect(plan.transferMs).toBeCloseTo(kvTransferMs(3000, bpt, link), 12);
    expect(plan.decode).toMatchObject({ kind: 'decode', generatedTokens: 1, outputTokens: 20 });
    const tokens: Array<[number, number]> = [];
    const b = new SimInstance({
      id: 'B',
      profile,
      observer: { onToken: (_id, i, t) => tokens.push([i, t]) },
    });
    let doneAt = -1;
    const a = new SimInstance({
      id: 'A',
      profile,
      observer: {
        onToken: (_id, i, t) => tokens.push([i, t]),
        onPrefillDone: (_id, t) => (doneAt = t),
      },
    });
    a.enqueue(plan.prefill, 0);
    a.runToCompletion();
    b.enqueue(plan.decode!, doneAt + plan.transferMs);
    a.release('r');
    b.runToCompletion();
    expect(tokens.map(([i]) => i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(tokens[1]![1]).toBeGreaterThan(doneAt + plan.transferMs);
    expect(a.snapshot().kv.usedBlocks).toBe(0);
    expect(
      planPdSplit({ id: 'q', promptTokens: 10, outputTokens: 1 }, link, bpt).decode,
    ).toBeUndefined();
  });
});
