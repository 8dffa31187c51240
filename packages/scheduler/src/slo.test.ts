import type { BatchFeatures } from '@adagen/engine';
import { describe, expect, it } from 'vitest';
import { idleTpotMs, idleTtftMs, parseSloTarget, resolveSlo } from './slo.js';

// A linear model easy to compute by hand: 10 ms + 0.1 ms per prefill token
// + 0.001 ms per unit of attention work + 0.01 ms per decode context token.
const model = {
  iterationMs: (f: BatchFeatures) =>
    10 + 0.1 * f.prefillTokens + 0.001 * f.prefillAttnWork + 0.01 * f.decodeContextTokens,
};

describe('idle latencies', () => {
  it('sums the prompt’s chunks under the token budget', () => {
    // 250 tokens in chunks of 100, 100, 50: attention work 100·50, 100·150, 50·225.
    const expected = 3 * 10 + 0.1 * 250 + 0.001 * (5000 + 15000 + 11250);
    const cfg = { maxNumBatchedTokens: 100, enableChunkedPrefill: true };
    expect(idleTtftMs(250, model, cfg)).toBeCloseTo(expected, 9);
  });
  it('uses one iteration when chunked prefill is off', () => {
    const cfg = { maxNumBatchedTokens: 100, enableChunkedPrefill: false };
    expect(idleTtftMs(250, model, cfg)).toBeCloseTo(10 + 25 + 0.001 * 250 * 125, 9);
  });
  it('TPOT is one decode at context = prompt length', () => {
    expect(idleTpotMs(500, model)).toBeCloseTo(15, 9);
  });
});

describe('resolveSlo', () => {
  const cfg = { maxNumBatchedTokens: 1000, enableChunkedPrefill: true };
  it('scales idle latency and applies floors', () => {
    const spec = {
      ttft: { kind: 'scale', factor: 5, floorMs: 100 },
      tpot: { kind: 'scale', factor: 2, floorMs: 40 },
    } as const;
    // Idle TTFT(500) = 10 + 50 + 0.001·500·250 = 185 → 925; idle TPOT = 15 → 30 < floor 40.
    expect(resolveSlo(spec, { promptTokens: 500 }, model, cfg)).toEqual({
      ttftMs: 925,
      tpotMs: 40,
    });
  });
  it('passes absolute targets through', () => {
    const spec = {
      ttft: { kind: 'absolute', ms: 300 },
      tpot: { kind: 'absolute', ms: 60 },
    } as const;
    expect(resolveSlo(spec, { promptTokens: 500 }, model, cfg)).toEqual({
      ttftMs: 300,
      tpotMs: 60,
    });
  });
});

describe('parseSloTarget', () => {
  it('reads absolute and scale forms and rejects nonsense', () => {
    expect(parseSloTarget('250ms', 1)).toEqual({ kind: 'absolute', ms: 250 });
    expect(parseSloTarget('250', 1)).toEqual({ kind: 'absolute', ms: 250 });
    expect(parseSloTarget('5x', 50)).toEqual({ kind: 'scale', factor: 5, floorMs: 50 });
    expect(parseSloTarget('2.5x:80', 50)).toEqual({ kind: 'scale', factor: 2.5, floorMs: 80 });
    expect(parseSloTarget('-3', 1)).toBeUndefined();
    expect(parseSloTarget('0x', 1)).toBeUndefined();
    expect(parseSloTarget('fast', 1)).toBeUndefined();
  });
});
