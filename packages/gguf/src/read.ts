/** GGUF (v2/v3) header decoder with bounds and consistency checks. */
import { ByteReader } from './binary.js';
import { GgufFormatError } from './errors.js';
import { decodeFloats } from './f16.js';
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GgmlType,
  GgufValueType,
  ggmlTypeBytes,
} from './types.js';
import type {
  GgmlTypeName,
  GgufFile,
  GgufScalarTypeName,
  GgufTensorInfo,
  GgufValue,
  GgufValueTypeName,
} from './types.js';

const typeNames = new Map<number, GgufValueTypeName>(
  Object.entries(GgufValueType).map(([k, v]) => [v, k as GgufValueTypeName]),
);
const ggmlNames = new Map<number, GgmlTypeName>(
  Object.entries(GgmlType).map(([k, v]) => [v, k as GgmlTypeName]),
);
/** Generous bound on array lengths, so a corrupt count fails fast instead of allocating. */
const MAX_ARRAY_ITEMS = 1 << 26;

function valueTypeAt(r: ByteReader, key: string): GgufValueTypeName {
  const at = r.pos;
  const code = r.u32();
  const name = typeNames.get(code);
  if (name === undefined)
    throw new GgufFormatError(`metadata "${key}": unknown value type ${code}`, at);
  return name;
}

function readScalar(r: ByteReader, type: GgufScalarTypeName, key: string): unknown {
  switch (type) {
    case 'uint8':
      return r.u8();
    case 'int8':
      return r.i8();
    case 'uint16':
      return r.u16();
    case 'int16':
      return r.i16();
    case 'uint32':
      return r.u32();
    case 'int32':
      return r.i32();
    case 'float32':
      return r.f32();
    case 'float64':
      return r.f64();
    case 'uint64':
      return r.u64();
    case 'int64':
      return r.i64();
    case 'bool': {
      const at = r.pos;
      const b = r.u8();
      if (b > 1) throw new GgufFormatError(`metadata "${key}": bool byte ${b}`, at);
      return b === 1;
    }
    case 'string':
      return r.string(`metadata "${key}" string`);
  }
}

function readValue(r: ByteReader, key: string): GgufValue {
  const type = valueTypeAt(r, key);
  if (type !== 'array') return { type, value: readScalar(r, type, key) } as GgufValue;
  const itemAt = r.pos;
  const itemType = valueTypeAt(r, key);
  if (itemType === 'array')
    throw new GgufFormatError(`metadata "${key}": nested arrays are not supported`, itemAt);
  const n = r.size(`metadata "${key}" array length`);
  if (n > MAX_ARRAY_ITEMS)
    throw new GgufFormatError(`metadata "${key}": array of ${n} items is too long`, itemAt);
  const values: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) values[i] = readScalar(r, itemType, key);
  return { type: 'array', itemType, values } as GgufValue;
}

function readTensorInfo(r: ByteReader, alignment: number): GgufTensorInfo {
  const name = r.string('tensor name');
  const at = r.pos;
  const nDims = r.u32();
  if (nDims < 1 || nDims > 4)
    throw new GgufFormatError(`tensor "${name}": ${nDims} dimensions (1 to 4 allowed)`, at);
  const dims: number[] = [];
  let elements = 1;
  for (let i = 0; i < nDims; i++) {
    const d = r.size(`tensor "${name}" dimension`);
    if (d < 1) throw new GgufFormatError(`tensor "${name}": dimension ${i} is 0`, at);
    dims.push(d);
    elements *= d;
  }
  const typeCode = r.u32();
  const offsetAt = r.pos;
  const offset = r.size(`tensor "${name}" offset`);
  if (offset % alignment !== 0)
    throw new GgufFormatError(
      `tensor "${name}": offset ${offset} is not a multiple of ${alignment}`,
      offsetAt,
    );
  const known = ggmlNames.get(typeCode);
  const byteSize = known === undefined ? undefined : elements * ggmlTypeBytes[known];
  return { name, dims, typeCode, offset, byteSize };
}

function alignmentOf(metadata: ReadonlyMap<string, GgufValue>): number {
  const v = metadata.get('general.alignment');
  if (v === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (v.type !== 'uint32' || v.value < 1 || (v.value & (v.value - 1)) !== 0)
    throw new GgufFormatError('general.alignment must be a uint32 power of two');
  return v.value;
}

export interface DecodeOptions {
  /**
   * `bytes` is the whole file: check that every tensor of a known type lies inside it.
   * With false, `bytes` may be just a prefix holding the header (a GgufTruncatedError says
   * how many more bytes are needed).
   * @default true
   */
  complete?: boolean;
}

/** Parses a GGUF header; throws GgufFormatError naming what is wrong and where. */
export function decodeGguf(bytes: Uint8Array, options: DecodeOptions = {}): GgufFile {
  const r = new ByteReader(bytes);
  const magic = r.u32();
  if (magic !== GGUF_MAGIC) throw new GgufFormatError('not a GGUF file (bad magic)', 0);
  const version = r.u32();
  if (version !== 2 && version !== 3)
    throw new GgufFormatError(`GGUF version ${version} is not supported (2 or 3)`, 4);
  const tensorCount = r.size('tensor count');
  const kvCount = r.size('metadata count');
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const at = r.pos;
    const key = r.string('metadata key');
    if (metadata.has(key)) throw new GgufFormatError(`metadata "${key}" appears twice`, at);
    metadata.set(key, readValue(r, key));
  }
  const alignment = alignmentOf(metadata);
  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const at = r.pos;
    const t = readTensorInfo(r, alignment);
    if (names.has(t.name)) throw new GgufFormatError(`tensor "${t.name}" appears twice`, at);
    names.add(t.name);
    tensors.push(t);
  }
  const dataOffset = Math.ceil(r.pos / alignment) * alignment;
  if (options.complete ?? true) {
    for (const t of tensors) {
      if (t.byteSize !== undefined && dataOffset + t.offset + t.byteSize > bytes.length)
        throw new GgufFormatError(`tensor "${t.name}" runs past the end of the file`);
    }
  }
  return { version, metadata, tensors, alignment, dataOffset };
}

/** The raw bytes of tensor `name` (a view into `bytes`, the whole file). */
export function tensorBytes(file: GgufFile, bytes: Uint8Array, name: string): Uint8Array {
  const t = file.tensors.find((x) => x.name === name);
  if (t === undefined) throw new GgufFormatError(`no tensor "${name}"`);
  if (t.byteSize === undefined)
    throw new GgufFormatError(
      `tensor "${name}" has ggml type ${t.typeCode}, whose size is not known here`,
    );
  const start = file.dataOffset + t.offset;
  return bytes.subarray(start, start + t.byteSize);
}

/** The values of an F32 or F16 tensor. */
export function tensorValues(file: GgufFile, bytes: Uint8Array, name: string): Float32Array {
  const t = file.tensors.find((x) => x.name === name);
  const type = t === undefined ? undefined : ggmlNames.get(t.typeCode);
  if (type === undefined) return decodeFloats(tensorBytes(file, bytes, name), 'f32'); // throws
  return decodeFloats(tensorBytes(file, bytes, name), type);
}
