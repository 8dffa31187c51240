/** GGUF v3 encoder: header, metadata, tensor infos, aligned tensor data. */
import { ByteWriter } from './binary.js';
import { GgufFormatError } from './errors.js';
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  GgmlType,
  GgufValueType,
  ggmlTypeBytes,
} from './types.js';
import type { GgufInput, GgufScalarTypeName, GgufTensorInput, GgufValue } from './types.js';

const intRange: Partial<Record<GgufScalarTypeName, readonly [number, number]>> = {
  uint8: [0, 0xff],
  int8: [-0x80, 0x7f],
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff],
  int32: [-0x80000000, 0x7fffffff],
};
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkScalar(key: string, type: GgufScalarTypeName, v: unknown): void {
  const bad = (what: string) => new GgufFormatError(`metadata "${key}": ${what}`);
  switch (type) {
    case 'uint8':
    case 'int8':
    case 'uint16':
    case 'int16':
    case 'uint32':
    case 'int32': {
      const [lo, hi] = intRange[type]!;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
        throw bad(`${String(v)} is not a ${type}`);
      return;
    }
    case 'float32':
    case 'float64':
      if (typeof v !== 'number') throw bad(`${String(v)} is not a number`);
      return;
    case 'uint64':
      if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n)
        throw bad(`${String(v)} is not a uint64`);
      return;
    case 'int64':
      if (typeof v !== 'bigint' || v < -(1n << 63n) || v >= 1n << 63n)
        throw bad(`${String(v)} is not an int64`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw bad(`${String(v)} is not a boolean`);
      return;
    case 'string':
      if (typeof v !== 'string' || loneSurrogate.test(v)) throw bad('not a well-formed string');
      return;
  }
}

function writeScalar(w: ByteWriter, type: GgufScalarTypeName, v: unknown): void {
  switch (type) {
    case 'uint8':
      return w.u8(v as number);
    case 'int8':
      return w.i8(v as number);
    case 'uint16':
      return w.u16(v as number);
    case 'int16':
      return w.i16(v as number);
    case 'uint32':
      return w.u32(v as number);
    case 'int32':
      return w.i32(v as number);
    case 'float32':
      return w.f32(v as number);
    case 'float64':
      return w.f64(v as number);
    case 'uint64':
      return w.u64(v as bigint);
    case 'int64':
      return w.i64(v as bigint);
    case 'bool':
      return w.u8(v ? 1 : 0);
    case 'string':
      return w.string(v as string);
  }
}

function writeValue(w: ByteWriter, key: string, value: GgufValue): void {
  w.u32(GgufValueType[value.type]);
  if (value.type !== 'array') {
    checkScalar(key, value.type, value.value);
    writeScalar(w, value.type, value.value);
    return;
  }
  w.u32(GgufValueType[value.itemType]);
  w.u64(value.values.length);
  for (const item of value.values) {
    checkScalar(key, value.itemType, item);
    writeScalar(w, value.itemType, item);
  }
}

/** Element count of a tensor, checking its dimensions. */
export function tensorElements(t: Pick<GgufTensorInput, 'name' | 'dims'>): number {
  if (t.dims.length < 1 || t.dims.length > 4)
    throw new GgufFormatError(`tensor "${t.name}": 1 to 4 dimensions, got ${t.dims.length}`);
  let n = 1;
  for (const d of t.dims) {
    if (!Number.isSafeInteger(d) || d < 1)
      throw new GgufFormatError(`tensor "${t.name}": dimension ${d} is not a positive integer`);
    n *= d;
  }
  return n;
}

function checkTensors(tensors: readonly GgufTensorInput[]): void {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === '') throw new GgufFormatError('a tensor has an empty name');
    if (seen.has(t.name)) throw new GgufFormatError(`tensor "${t.name}" appears twice`);
    seen.add(t.name);
    const want = tensorElements(t) * ggmlTypeBytes[t.type];
    if (t.data.length !== want)
      throw new GgufFormatError(
        `tensor "${t.name}": ${t.data.length} data bytes, expected ${want}`,
      );
  }
}

function metadataWithAlignment(
  input: GgufInput,
  alignment: number,
): Array<readonly [string, GgufValue]> {
  const entries = [...input.metadata];
  const keys = new Set<string>();
  for (const [key] of entries) {
    if (key === '') throw new GgufFormatError('a metadata key is empty');
    if (keys.has(key)) throw new GgufFormatError(`metadata "${key}" appears twice`);
    keys.add(key);
  }
  const given = input.metadata.find(([k]) => k === 'general.alignment')?.[1];
  if (given !== undefined) {
    if (given.type !== 'uint32' || given.value !== alignment)
      throw new GgufFormatError(
        `metadata "general.alignment" must be the uint32 ${alignment} (the alignment option)`,
      );
  } else if (alignment !== GGUF_DEFAULT_ALIGNMENT) {
    entries.push(['general.alignment', { type: 'uint32', value: alignment }]);
  }
  return entries;
}

/** The GGUF v3 bytes for `input`; throws GgufFormatError naming the bad key or tensor. */
export function encodeGguf(input: GgufInput): Uint8Array {
  const alignment = input.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isSafeInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0)
    throw new GgufFormatError(`alignment must be a power of two, got ${alignment}`);
  checkTensors(input.tensors);
  const metadata = metadataWithAlignment(input, alignment);

  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(input.tensors.length);
  w.u64(metadata.length);
  for (const [key, value] of metadata) {
    w.string(key);
    writeValue(w, key, value);
  }
  let offset = 0;
  for (const t of input.tensors) {
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GgmlType[t.type]);
    w.u64(offset);
    offset += Math.ceil(t.data.length / alignment) * alignment;
  }
  w.pad(alignment);
  for (const t of input.tensors) {
    w.bytes(t.data);
    w.pad(alignment);
  }
  return w.finish();
}
