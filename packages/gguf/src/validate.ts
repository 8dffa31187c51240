/** Checks that a parsed GGUF is a loadable llama-architecture model (header level). */
import type { GgufFile, GgufValue } from './types.js';

/** The hyper-parameters of a llama GGUF, as its metadata states them. */
export interface LlamaHyperParameters {
  name: string | undefined;
  contextLength: number;
  embeddingLength: number;
  layers: number;
  feedForwardLength: number;
  heads: number;
  kvHeads: number;
  vocabSize: number;
  tokenizerModel: string;
  bosTokenId: number | undefined;
  eosTokenId: number | undefined;
  chatTemplate: string | undefined;
}

function num(file: GgufFile, key: string, problems: string[]): number {
  const v = file.metadata.get(key);
  if (v === undefined || v.type === 'array' || typeof v.value !== 'number') {
    problems.push(`metadata "${key}" is missing or not a number`);
    return 0;
  }
  return v.value;
}

function optionalNum(file: GgufFile, key: string): number | undefined {
  const v = file.metadata.get(key);
  return v !== undefined && v.type !== 'array' && typeof v.value === 'number' ? v.value : undefined;
}

function optionalStr(file: GgufFile, key: string): string | undefined {
  const v = file.metadata.get(key);
  return v?.type === 'string' ? v.value : undefined;
}

function arrayLength(v: GgufValue | undefined, itemTypes: readonly string[]): number | undefined {
  return v?.type === 'array' && itemTypes.includes(v.itemType) ? v.values.length : undefined;
}

function checkTokenizer(file: GgufFile, problems: string[]): { vocab: number; model: string } {
  const model = optionalStr(file, 'tokenizer.ggml.model') ?? '';
  if (model === '') problems.push('metadata "tokenizer.ggml.model" is missing');
  const vocab = arrayLength(file.metadata.get('tokenizer.ggml.tokens'), ['string']) ?? 0;
  if (vocab === 0) problems.push('metadata "tokenizer.ggml.tokens" is missing or empty');
  const types = arrayLength(file.metadata.get('tokenizer.ggml.token_type'), ['int32']);
  if (file.metadata.has('tokenizer.ggml.token_type') && types !== vocab)
    problems.push(`tokenizer.ggml.token_type must be int32[${vocab}]`);
  const scores = arrayLength(file.metadata.get('tokenizer.ggml.scores'), ['float32', 'int32']);
  if (file.metadata.has('tokenizer.ggml.scores') && (scores ?? 0) < vocab)
    problems.push(`tokenizer.ggml.scores must have at least ${vocab} numbers`);
  if (
    model === 'gpt2' &&
    arrayLength(file.metadata.get('tokenizer.ggml.merges'), ['string']) === undefined
  )
    problems.push('a gpt2 tokenizer needs metadata "tokenizer.ggml.merges" (string[])');
  for (const key of ['bos', 'eos', 'eot', 'padding', 'unknown']) {
    const id = optionalNum(file, `tokenizer.ggml.${key}_token_id`);
    if (id !== undefined && (id < 0 || id >= vocab))
      problems.push(`tokenizer.ggml.${key}_token_id ${id} is outside the vocabulary (${vocab})`);
  }
  const stated = optionalNum(file, 'llama.vocab_size');
  if (stated !== undefined && stated !== vocab)
    problems.push(`llama.vocab_size ${stated} differs from the ${vocab} tokens`);
  return { vocab, model };
}

function checkTensor(
  file: GgufFile,
  name: string,
  dims: readonly number[],
  problems: string[],
  optional = false,
): void {
  const t = file.tensors.find((x) => x.name === name);
  if (t === undefined) {
    if (!optional) problems.push(`tensor "${name}" is missing`);
    return;
  }
  if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i]))
    problems.push(
      `tensor "${name}" has dims [${t.dims.join(', ')}], expected [${dims.join(', ')}]`,
    );
}

/**
 * The llama hyper-parameters of `file` and every problem found (empty when the header is a
 * consistent llama model: required metadata, tokenizer arrays, tensor names and shapes).
 */
export function checkLlamaGguf(file: GgufFile): {
  params: LlamaHyperParameters;
  problems: string[];
} {
  const problems: string[] = [];
  const arch = optionalStr(file, 'general.architecture');
  if (arch !== 'llama')
    problems.push(`general.architecture is ${JSON.stringify(arch)}, expected "llama"`);
  const p = (k: string) => num(file, `llama.${k}`, problems);
  const e = p('embedding_length');
  const heads = p('attention.head_count');
  const kvHeads = optionalNum(file, 'llama.attention.head_count_kv') ?? heads;
  const params = {
    contextLength: p('context_length'),
    embeddingLength: e,
    layers: p('block_count'),
    feedForwardLength: p('feed_forward_length'),
    heads,
    kvHeads,
  };
  num(file, 'llama.attention.layer_norm_rms_epsilon', problems);
  if (heads > 0 && (e % heads !== 0 || kvHeads < 1 || heads % kvHeads !== 0))
    problems.push(`head counts ${heads}/${kvHeads} do not divide embedding_length ${e}`);
  const { vocab, model } = checkTokenizer(file, problems);
  const kv = heads > 0 ? (e / heads) * kvHeads : 0;
  const ff = params.feedForwardLength;
  checkTensor(file, 'token_embd.weight', [e, vocab], problems);
  checkTensor(file, 'output_norm.weight', [e], problems);
  checkTensor(file, 'output.weight', [e, vocab], problems, true);
  for (let i = 0; i < params.layers; i++) {
    const b = `blk.${i}`;
    checkTensor(file, `${b}.attn_norm.weight`, [e], problems);
    if (!file.tensors.some((t) => t.name === `${b}.attn_qkv.weight`)) {
      checkTensor(file, `${b}.attn_q.weight`, [e, e], problems);
      checkTensor(file, `${b}.attn_k.weight`, [e, kv], problems);
      checkTensor(file, `${b}.attn_v.weight`, [e, kv], problems);
    }
    checkTensor(file, `${b}.attn_output.weight`, [e, e], problems);
    checkTensor(file, `${b}.ffn_norm.weight`, [e], problems);
    checkTensor(file, `${b}.ffn_gate.weight`, [e, ff], problems);
    checkTensor(file, `${b}.ffn_down.weight`, [ff, e], problems);
    checkTensor(file, `${b}.ffn_up.weight`, [e, ff], problems);
  }
  return {
    params: {
      ...params,
      name: optionalStr(file, 'general.name'),
      vocabSize: vocab,
      tokenizerModel: model,
      bosTokenId: optionalNum(file, 'tokenizer.ggml.bos_token_id'),
      eosTokenId: optionalNum(file, 'tokenizer.ggml.eos_token_id'),
      chatTemplate: optionalStr(file, 'tokenizer.chat_template'),
    },
    problems,
  };
}
