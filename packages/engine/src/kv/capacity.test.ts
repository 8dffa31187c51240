import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../latency/builtin.js';
import { readCalibration, sharedDir } from '../latency/calibration.testutil.js';
import { blocksForTokens, kvBytesPerToken, kvCapacity } from './capacity.js';

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const h100 = builtinProfiles['llama-3-8b_h100-80gb_tp1']!;

describe('kv capacity', () => {
  it('bytes per token is 128 KiB for Llama-3-8B TP1', () => {
    expect(kvBytesPerToken(a100)).toBe(131072);
    expect(kvBytesPerToken({ ...a100, tensorParallel: 2 })).toBe(65536);
  });

  it('vLLM-like capacity: 0.9 × 80 GiB − weights − 1 GiB', () => {
    for (const p of [a100, h100]) {
      const c = kvCapacity(p);
      expect(c.tokens).toBe(459099);
      expect(c.blocks).toBe(28693);
      expect(kvCapacity(p, { gpuMemoryUtilization: 1, activationReserveBytes: 0 }).tokens).toBe(
        532827,
      );
    }
    expect(kvCapacity(a100, { blockSize: 32 }).blocks).toBe(14346);
    expect(kvCapacity(a100, { gpuMemoryUtilization: 0.1 }).blocks).toBe(0);
  });

  it.skipIf(!sharedDir)(
    'agrees with the calibration kv_cache section (needs ADAGEN_SHARED_DIR)',
    () => {
      for (const gpu of ['a100-80gb', 'h100-80gb'] as const) {
        const kv = readCalibration(gpu).kv_cache;
        const p = gpu === 'a100-80gb' ? a100 : h100;
        expect(kvBytesPerToken(p)).toBe(kv.bytes_per_token);
        expect(p.model.weightsBytes).toBe(kv.weights_bytes);
        expect(kvCapacity(p).tokens).toBe(kv['tokens_vllm_like_util0.9_minus_1GiB_activations']);
        expect(kvCapacity(p, { gpuMemoryUtilization: 1, activationReserveBytes: 0 }).tokens).toBe(
          kv.tokens_80GiB_raw,
        );
      }
    },
  );

  it('blocksForTokens rounds up', () => {
    expect(blocksForTokens(0, 16)).toBe(0);
    expect(blocksForTokens(1, 16)).toBe(1);
    expect(blocksForTokens(16, 16)).toBe(1);
    expect(blocksForTokens(17, 16)).toBe(2);
  });
});
