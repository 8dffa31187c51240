/** IEEE 754 binary16 conversion (round to nearest, ties to even), for F16 tensors. */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bit pattern nearest to `v`. */
export function float16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // Inf or NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large: Inf
  if (e <= 0) {
    // binary16 subnormal (or zero): m = (1.mant) × 2^(e-1) in units of 2^-24
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Inf).
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** The value of a binary16 bit pattern. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Little-endian tensor bytes of `values` as F32 or F16. */
export function encodeFloats(values: Float32Array, type: 'f32' | 'f16'): Uint8Array {
  if (type === 'f32') {
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    return out;
  }
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, float16Bits(values[i]!), true);
  return out;
}

/** The values of little-endian F32 or F16 tensor bytes. */
export function decodeFloats(bytes: Uint8Array, type: 'f32' | 'f16'): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = type === 'f32' ? 4 : 2;
  const out = new Float32Array(Math.floor(bytes.length / size));
  for (let i = 0; i < out.length; i++) {
    out[i] =
      type === 'f32' ? view.getFloat32(i * 4, true) : float16Value(view.getUint16(i * 2, true));
  }
  return out;
}
