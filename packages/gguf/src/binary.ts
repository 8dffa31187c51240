/** Little-endian byte writer and bounds-checked reader for GGUF. */
import { GgufFormatError, GgufTruncatedError } from './errors.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** A growable little-endian buffer. */
export class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): number {
    const at = this.pos;
    const need = at + n;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.pos = need;
    return at;
  }

  u8(v: number): void {
    this.view.setUint8(this.reserve(1), v);
  }
  i8(v: number): void {
    this.view.setInt8(this.reserve(1), v);
  }
  u16(v: number): void {
    this.view.setUint16(this.reserve(2), v, true);
  }
  i16(v: number): void {
    this.view.setInt16(this.reserve(2), v, true);
  }
  u32(v: number): void {
    this.view.setUint32(this.reserve(4), v, true);
  }
  i32(v: number): void {
    this.view.setInt32(this.reserve(4), v, true);
  }
  f32(v: number): void {
    this.view.setFloat32(this.reserve(4), v, true);
  }
  f64(v: number): void {
    this.view.setFloat64(this.reserve(8), v, true);
  }
  u64(v: bigint | number): void {
    this.view.setBigUint64(this.reserve(8), BigInt(v), true);
  }
  i64(v: bigint): void {
    this.view.setBigInt64(this.reserve(8), v, true);
  }
  /** A GGUF string: uint64 byte length, then UTF-8 bytes without a terminator. */
  string(s: string): void {
    const bytes = utf8Encoder.encode(s);
    this.u64(bytes.length);
    this.bytes(bytes);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length); // may replace this.buf
    this.buf.set(b, at);
  }
  /** Zero bytes up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    const rem = this.pos % alignment;
    if (rem !== 0) this.reserve(alignment - rem); // new space is zero-filled
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Reads little-endian values; running off the end throws GgufTruncatedError. */
export class ByteReader {
  private readonly view: DataView;
  pos = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private take(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.length) throw new GgufTruncatedError(at + n - this.bytes.length, at);
    this.pos = at + n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }
  i8(): number {
    return this.view.getInt8(this.take(1));
  }
  u16(): number {
    return this.view.getUint16(this.take(2), true);
  }
  i16(): number {
    return this.view.getInt16(this.take(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.take(4), true);
  }
  f32(): number {
    return this.view.getFloat32(this.take(4), true);
  }
  f64(): number {
    return this.view.getFloat64(this.take(8), true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.take(8), true);
  }
  i64(): bigint {
    return this.view.getBigInt64(this.take(8), true);
  }
  /** A uint64 that must fit a safe JS number (counts, lengths, offsets). */
  size(what: string): number {
    const at = this.pos;
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new GgufFormatError(`${what} ${v} is too large`, at);
    }
    return Number(v);
  }
  string(what: string): string {
    const at = this.pos;
    const n = this.size(`${what} length`);
    const start = this.take(n);
    try {
      return utf8Decoder.decode(this.bytes.subarray(start, start + n));
    } catch {
      throw new GgufFormatError(`${what} is not valid UTF-8`, at);
    }
  }
}
