export type {
  GgmlTypeName,
  GgufArray,
  GgufBigIntTypeName,
  GgufFile,
  GgufInput,
  GgufNumberTypeName,
  GgufScalarTypeName,
  GgufTensorInfo,
  GgufTensorInput,
  GgufValue,
  GgufValueTypeName,
} from './types.js';
export {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  GgmlType,
  GgufValueType,
  ggmlTypeBytes,
} from './types.js';
export { GgufFormatError, GgufTruncatedError } from './errors.js';
export { encodeGguf, tensorElements } from './write.js';
export type { DecodeOptions } from './read.js';
export { decodeGguf, tensorBytes, tensorValues } from './read.js';
export { decodeFloats, encodeFloats, float16Bits, float16Value } from './f16.js';
export type { BpeMerges } from './byte-bpe.js';
export { byteSymbols, learnMerges, preTokenize } from './byte-bpe.js';
export type { RandomLlamaOptions, RandomLlamaSpec } from './spec.js';
export {
  MAX_VOCAB_SIZE,
  MIN_VOCAB_SIZE,
  RandomLlamaOptionsError,
  RandomLlamaOptionsSchema,
  SPECIAL_TOKENS,
  resolveRandomLlamaSpec,
} from './spec.js';
export type { ByteBpeVocab } from './vocab.js';
export { byteBpeVocab, CHATML_TEMPLATE, TokenType } from './vocab.js';
export { generateRandomLlama } from './generate.js';
export type { LlamaHyperParameters } from './validate.js';
export { checkLlamaGguf } from './validate.js';
