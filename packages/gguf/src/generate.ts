/** A random-weight llama-architecture GGUF, deterministic from its options (seed included). */
import { createRng, standardNormal } from '@adagen/stats';
import type { Rng } from '@adagen/stats';
import { encodeFloats } from './f16.js';
import { resolveRandomLlamaSpec } from './spec.js';
import type { RandomLlamaOptions, RandomLlamaSpec } from './spec.js';
import { byteBpeVocab, CHATML_TEMPLATE } from './vocab.js';
import { encodeGguf } from './write.js';
import type { GgufTensorInput, GgufValue } from './types.js';

const u32 = (value: number): GgufValue => ({ type: 'uint32', value });
const f32 = (value: number): GgufValue => ({ type: 'float32', value });
const str = (value: string): GgufValue => ({ type: 'string', value });

function llamaMetadata(spec: RandomLlamaSpec): Array<[string, GgufValue]> {
  const vocab = byteBpeVocab(spec.vocabSize);
  const headSize = spec.embeddingLength / spec.heads;
  return [
    ['general.architecture', str('llama')],
    ['general.name', str(spec.name)],
    ['general.description', str(`random weights (seed ${spec.seed}); text is meaningless`)],
    ['general.file_type', u32(spec.weightType === 'f32' ? 0 : 1)],
    ['adagen.generator.seed', u32(spec.seed)],
    ['llama.vocab_size', u32(spec.vocabSize)],
    ['llama.context_length', u32(spec.contextLength)],
    ['llama.embedding_length', u32(spec.embeddingLength)],
    ['llama.block_count', u32(spec.layers)],
    ['llama.feed_forward_length', u32(spec.feedForwardLength)],
    ['llama.attention.head_count', u32(spec.heads)],
    ['llama.attention.head_count_kv', u32(spec.kvHeads)],
    ['llama.attention.layer_norm_rms_epsilon', f32(spec.rmsEpsilon)],
    ['llama.rope.dimension_count', u32(headSize)],
    ['llama.rope.freq_base', f32(spec.ropeFreqBase)],
    ['tokenizer.ggml.model', str('gpt2')],
    ['tokenizer.ggml.pre', str('gpt-2')],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', values: vocab.tokens }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'int32', values: vocab.tokenTypes }],
    ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', values: vocab.merges }],
    ['tokenizer.ggml.bos_token_id', u32(vocab.endOfTextId)],
    ['tokenizer.ggml.eos_token_id', u32(vocab.endOfTextId)],
    ['tokenizer.ggml.eot_token_id', u32(vocab.imEndId)],
    ['tokenizer.ggml.padding_token_id', u32(vocab.endOfTextId)],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ...(spec.chatTemplate
      ? [['tokenizer.chat_template', str(CHATML_TEMPLATE)] satisfies [string, GgufValue]]
      : []),
  ];
}

function randomTensor(
  rng: Rng,
  name: string,
  dims: readonly number[],
  spec: RandomLlamaSpec,
): GgufTensorInput {
  const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = standardNormal(rng) * spec.weightStd;
  return { name, dims, type: spec.weightType, data: encodeFloats(values, spec.weightType) };
}

function onesTensor(name: string, size: number): GgufTensorInput {
  return {
    name,
    dims: [size],
    type: 'f32',
    data: encodeFloats(new Float32Array(size).fill(1), 'f32'),
  };
}

/** The tensors of a llama model, in ggml dimension order (dims[0] is the input size). */
function llamaTensors(spec: RandomLlamaSpec): GgufTensorInput[] {
  const root = createRng(spec.seed);
  const e = spec.embeddingLength;
  const kv = (e / spec.heads) * spec.kvHeads;
  const ff = spec.feedForwardLength;
  const v = spec.vocabSize;
  // Each tensor draws from its own labelled sub-stream, so changing one size leaves the others.
  const rand = (name: string, dims: number[]) => randomTensor(root.fork(name), name, dims, spec);
  const tensors = [rand('token_embd.weight', [e, v])];
  for (let i = 0; i < spec.layers; i++) {
    const b = `blk.${i}`;
    tensors.push(
      onesTensor(`${b}.attn_norm.weight`, e),
      rand(`${b}.attn_q.weight`, [e, e]),
      rand(`${b}.attn_k.weight`, [e, kv]),
      rand(`${b}.attn_v.weight`, [e, kv]),
      rand(`${b}.attn_output.weight`, [e, e]),
      onesTensor(`${b}.ffn_norm.weight`, e),
      rand(`${b}.ffn_gate.weight`, [e, ff]),
      rand(`${b}.ffn_down.weight`, [ff, e]),
      rand(`${b}.ffn_up.weight`, [e, ff]),
    );
  }
  tensors.push(onesTensor('output_norm.weight', e), rand('output.weight', [e, v]));
  return tensors;
}

/**
 * The GGUF bytes of a random-weight llama model. Same options → same bytes.
 * @throws RandomLlamaOptionsError naming a bad option
 */
export function generateRandomLlama(options: RandomLlamaOptions = {}): Uint8Array {
  const spec = resolveRandomLlamaSpec(options);
  return encodeGguf({ metadata: llamaMetadata(spec), tensors: llamaTensors(spec) });
}
