import { describe, expect, it } from 'vitest';
import { GgufFormatError, GgufTruncatedError } from './errors.js';
import { encodeFloats } from './f16.js';
import { decodeGguf, tensorBytes, tensorValues } from './read.js';
import type { GgufInput, GgufValue } from './types.js';
import { encodeGguf } from './write.js';

const everyType: Array<[string, GgufValue]> = [
  ['t.u8', { type: 'uint8', value: 255 }],
  ['t.i8', { type: 'int8', value: -128 }],
  ['t.u16', { type: 'uint16', value: 65535 }],
  ['t.i16', { type: 'int16', value: -32768 }],
  ['t.u32', { type: 'uint32', value: 0xffffffff }],
  ['t.i32', { type: 'int32', value: -0x80000000 }],
  ['t.f32', { type: 'float32', value: 1.5 }],
  ['t.f64', { type: 'float64', value: Math.PI }],
  ['t.u64', { type: 'uint64', value: (1n << 64n) - 1n }],
  ['t.i64', { type: 'int64', value: -(1n << 63n) }],
  ['t.bool', { type: 'bool', value: true }],
  ['t.str', { type: 'string', value: 'héllo 日本 🦙' }],
  ['t.empty', { type: 'string', value: '' }],
  ['t.strs', { type: 'array', itemType: 'string', values: ['a', '', 'Ġthe'] }],
  ['t.ints', { type: 'array', itemType: 'int32', values: [1, -2, 3] }],
  ['t.floats', { type: 'array', itemType: 'float32', values: [0.25, -1] }],
  ['t.big', { type: 'array', itemType: 'uint64', values: [1n, 2n] }],
  ['t.bools', { type: 'array', itemType: 'bool', values: [true, false] }],
  ['t.none', { type: 'array', itemType: 'uint8', values: [] }],
];

function small(alignment?: number): GgufInput {
  return {
    metadata: everyType,
    tensors: [
      {
        name: 'a',
        dims: [3],
        type: 'f32',
        data: encodeFloats(Float32Array.from([1, 2, 3]), 'f32'),
      },
      {
        name: 'b',
        dims: [2, 3],
        type: 'f16',
        data: encodeFloats(new Float32Array(6).fill(-0.5), 'f16'),
      },
    ],
    ...(alignment === undefined ? {} : { alignment }),
  };
}

describe('encodeGguf / decodeGguf', () => {
  it('round-trips every value type, in order, and the tensors', () => {
    const bytes = encodeGguf(small());
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0]);
    const file = decodeGguf(bytes);
    expect(file.version).toBe(3);
    expect([...file.metadata]).toEqual(everyType);
    expect(file.alignment).toBe(32);
    expect(file.dataOffset % 32).toBe(0);
    expect(file.tensors.map((t) => [t.name, t.dims, t.typeCode, t.offset, t.byteSize])).toEqual([
      ['a', [3], 0, 0, 12],
      ['b', [2, 3], 1, 32, 12],
    ]);
    expect(Array.from(tensorValues(file, bytes, 'a'))).toEqual([1, 2, 3]);
    expect(Array.from(tensorValues(file, bytes, 'b'))).toEqual(new Array(6).fill(-0.5));
    expect(bytes.length % 32).toBe(0);
  });

  it('honours a custom alignment and writes general.alignment', () => {
    const bytes = encodeGguf(small(64));
    const file = decodeGguf(bytes);
    expect(file.alignment).toBe(64);
    expect(file.metadata.get('general.alignment')).toEqual({ type: 'uint32', value: 64 });
    expect(file.dataOffset % 64).toBe(0);
    expect(file.tensors[1]!.offset).toBe(64);
    expect(tensorBytes(file, bytes, 'b')).toEqual(small().tensors[1]!.data);
  });

  it('rejects bad input naming the key or tensor', () => {
    const bad = (patch: Partial<GgufInput>) => () => encodeGguf({ ...small(), ...patch });
    expect(bad({ metadata: [['k', { type: 'uint8', value: 256 }]] })).toThrow(
      /"k": 256 is not a uint8/,
    );
    expect(bad({ metadata: [['k', { type: 'int32', value: 1.5 }]] })).toThrow(/"k".*int32/);
    expect(bad({ metadata: [['k', { type: 'uint64', value: -1n }]] })).toThrow(/uint64/);
    expect(bad({ metadata: [['k', { type: 'string', value: '\uD800' }]] })).toThrow(/well-formed/);
    expect(
      bad({
        metadata: [
          ['k', { type: 'bool', value: true }],
          ['k', { type: 'bool', value: false }],
        ],
      }),
    ).toThrow(/"k" appears twice/);
    expect(bad({ alignment: 24 })).toThrow(/power of two/);
    const t = small().tensors[0]!;
    expect(bad({ tensors: [{ ...t, data: new Uint8Array(8) }] })).toThrow(
      /"a": 8 data bytes, expected 12/,
    );
    expect(bad({ tensors: [t, t] })).toThrow(/"a" appears twice/);
    expect(bad({ tensors: [{ ...t, dims: [3, 0] }] })).toThrow(/dimension 0/);
    expect(bad({ tensors: [{ ...t, dims: [1, 1, 1, 1, 3] }] })).toThrow(/1 to 4 dimensions/);
    expect(() =>
      encodeGguf({ ...small(), metadata: [['general.alignment', { type: 'uint32', value: 16 }]] }),
    ).toThrow(/general.alignment/);
  });

  it('reports a truncated header with how much more is needed, and bad files', () => {
    const bytes = encodeGguf(small());
    const header = decodeGguf(bytes).dataOffset;
    // the last tensor info ends less than one alignment (32) before the data section
    for (let cut = 0; cut <= header - 32; cut += 5) {
      expect(() => decodeGguf(bytes.subarray(0, cut), { complete: false })).toThrow(
        GgufTruncatedError,
      );
    }
    expect(decodeGguf(bytes.subarray(0, header), { complete: false }).tensors).toHaveLength(2);
    expect(() => decodeGguf(bytes.subarray(0, header + 20))).toThrow(/"b" runs past the end/);
    const wrongMagic = bytes.slice();
    wrongMagic[0] = 0;
    expect(() => decodeGguf(wrongMagic)).toThrow(/bad magic/);
    const v9 = bytes.slice();
    v9[4] = 9;
    expect(() => decodeGguf(v9)).toThrow(/version 9/);
    const badType = bytes.slice();
    // first key "t.u8": 8-byte length + 4 bytes at offset 24, then its value type
    badType[24 + 8 + 4] = 99;
    expect(() => decodeGguf(badType)).toThrow(GgufFormatError);
    expect(() => decodeGguf(badType)).toThrow(/"t.u8": unknown value type 99/);
  });
});
