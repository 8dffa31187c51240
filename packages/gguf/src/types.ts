/**
 * The GGUF v3 data model (ggml's gguf.h / docs/gguf.md): typed metadata values and tensor
 * descriptions. Values are a discriminated union on `type`, one member per GGUF value type.
 */

/** GGUF value type codes, as stored in the file. */
export const GgufValueType = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;
export type GgufValueTypeName = keyof typeof GgufValueType;

export type GgufNumberTypeName =
  'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';
export type GgufBigIntTypeName = 'uint64' | 'int64';
export type GgufScalarTypeName = GgufNumberTypeName | GgufBigIntTypeName | 'bool' | 'string';

/** One metadata value. 64-bit integers are bigints so no precision is lost. */
export type GgufValue =
  | { type: GgufNumberTypeName; value: number }
  | { type: GgufBigIntTypeName; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | GgufArray;

/** An array of scalars (nested arrays are allowed by the format but not used by llama models). */
export type GgufArray =
  | { type: 'array'; itemType: GgufNumberTypeName; values: readonly number[] }
  | { type: 'array'; itemType: GgufBigIntTypeName; values: readonly bigint[] }
  | { type: 'array'; itemType: 'bool'; values: readonly boolean[] }
  | { type: 'array'; itemType: 'string'; values: readonly string[] };

/** ggml tensor element types this package writes and sizes (others are read as opaque). */
export const GgmlType = { f32: 0, f16: 1 } as const;
export type GgmlTypeName = keyof typeof GgmlType;

/** Bytes per element of the tensor types this package knows. */
export const ggmlTypeBytes: Record<GgmlTypeName, number> = { f32: 4, f16: 2 };

/** A tensor to write: `dims` in ggml order (dims[0] varies fastest), data already encoded. */
export interface GgufTensorInput {
  name: string;
  dims: readonly number[];
  type: GgmlTypeName;
  data: Uint8Array;
}

/** What `encodeGguf` writes. Metadata keys keep their order. */
export interface GgufInput {
  metadata: ReadonlyArray<readonly [string, GgufValue]>;
  tensors: readonly GgufTensorInput[];
  /**
   * Alignment of the tensor data section and of each tensor's offset, in bytes; written as
   * `general.alignment` when it is not the default.
   * @default 32
   */
  alignment?: number;
}

/** A tensor as described in a file's header. */
export interface GgufTensorInfo {
  name: string;
  dims: readonly number[];
  /** ggml type code as stored (see `GgmlType` for the ones this package knows). */
  typeCode: number;
  /** Offset from the start of the tensor data section. */
  offset: number;
  /** Data size in bytes, when the type is one this package knows; otherwise undefined. */
  byteSize: number | undefined;
}

/** A parsed GGUF header. */
export interface GgufFile {
  version: number;
  metadata: ReadonlyMap<string, GgufValue>;
  tensors: readonly GgufTensorInfo[];
  alignment: number;
  /** Absolute file offset of the tensor data section. */
  dataOffset: number;
}

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
