import { describe, expect, it } from 'vitest';
import { decodeFloats, encodeFloats, float16Bits, float16Value } from './f16.js';

describe('float16', () => {
  it('encodes known values', () => {
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(0.5)).toBe(0x3800);
    expect(float16Bits(65504)).toBe(0x7bff); // largest finite
    expect(float16Bits(65520)).toBe(0x7c00); // rounds up to Inf
    expect(float16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float16Bits(2 ** -26)).toBe(0x0000); // below half of it: zero
    expect(float16Bits(-0)).toBe(0x8000);
    expect(float16Bits(-Infinity)).toBe(0xfc00);
    expect(float16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(float16Bits(NaN) & 0x3ff).not.toBe(0);
  });

  it('rounds to nearest, ties to even', () => {
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, 0x3c00 is even
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, up to even
    expect(float16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // above the tie
    expect(float16Bits(3 * 2 ** -25)).toBe(0x0002); // subnormal tie 1.5 → 2
  });

  it('every finite half value survives value → bits', () => {
    const wrong: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const exp = (bits >>> 10) & 0x1f;
      if (exp === 0x1f && (bits & 0x3ff) !== 0) continue; // NaN payloads
      if (float16Bits(float16Value(bits)) !== bits) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });

  it('encodes and decodes tensors little-endian', () => {
    const values = Float32Array.from([1, -2, 0.5, 3.25]);
    const f32 = encodeFloats(values, 'f32');
    expect(Array.from(f32.subarray(0, 4))).toEqual([0, 0, 0x80, 0x3f]);
    expect(decodeFloats(f32, 'f32')).toEqual(values);
    const f16 = encodeFloats(values, 'f16');
    expect(Array.from(f16.subarray(0, 2))).toEqual([0x00, 0x3c]);
    expect(decodeFloats(f16, 'f16')).toEqual(values);
  });
});
