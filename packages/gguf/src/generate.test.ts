import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { byteSymbols } from './byte-bpe.js';
import { generateRandomLlama } from './generate.js';
import { decodeGguf, tensorValues } from './read.js';
import { MAX_VOCAB_SIZE, RandomLlamaOptionsError } from './spec.js';
import { checkLlamaGguf } from './validate.js';
import { byteBpeVocab } from './vocab.js';
import { encodeGguf } from './write.js';
import type { GgufTensorInput, GgufValue } from './types.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const tiny = {
  layers: 2,
  embeddingLength: 64,
  heads: 4,
  kvHeads: 2,
  feedForwardLength: 96,
  vocabSize: 300,
};

describe('generateRandomLlama', () => {
  it('is deterministic from its seed', () => {
    const a = generateRandomLlama({ ...tiny, seed: 7 });
    expect(sha(generateRandomLlama({ ...tiny, seed: 7 }))).toBe(sha(a));
    const b = generateRandomLlama({ ...tiny, seed: 8 });
    expect(b.length).toBe(a.length);
    expect(sha(b)).not.toBe(sha(a));
  });

  it('writes a consistent llama model with the requested shape', () => {
    const bytes = generateRandomLlama({ ...tiny, seed: 3, weightType: 'f32' });
    const file = decodeGguf(bytes);
    const { params, problems } = checkLlamaGguf(file);
    expect(problems).toEqual([]);
    expect(params).toMatchObject({
      layers: 2,
      embeddingLength: 64,
      heads: 4,
      kvHeads: 2,
      vocabSize: 300,
    });
    expect(params.tokenizerModel).toBe('gpt2');
    expect(file.metadata.get('general.file_type')).toEqual({ type: 'uint32', value: 0 });
    expect(file.tensors.find((t) => t.name === 'blk.1.attn_k.weight')?.dims).toEqual([64, 32]);
    const w = tensorValues(file, bytes, 'blk.0.ffn_up.weight');
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect(Array.from(tensorValues(file, bytes, 'output_norm.weight'))).toEqual(
      new Array(64).fill(1),
    );
    expect(params.chatTemplate).toMatch(/<\|im_start\|>/);
    const plain = decodeGguf(generateRandomLlama({ ...tiny, chatTemplate: false }));
    expect(plain.metadata.has('tokenizer.chat_template')).toBe(false);
  });

  it('the default model is a few MB of f16 weights', () => {
    const bytes = generateRandomLlama();
    const file = decodeGguf(bytes);
    expect(checkLlamaGguf(file).problems).toEqual([]);
    expect(file.metadata.get('general.file_type')).toEqual({ type: 'uint32', value: 1 });
    expect(bytes.length).toBeGreaterThan(1e6);
    expect(bytes.length).toBeLessThan(8e6);
  });

  it('rejects bad options naming the field', () => {
    const field = (o: object) => {
      try {
        generateRandomLlama(o);
      } catch (e) {
        return e instanceof RandomLlamaOptionsError ? e.field : `other: ${String(e)}`;
      }
      return 'no error';
    };
    expect(field({ layers: 0 })).toBe('layers');
    expect(field({ seed: -1 })).toBe('seed');
    expect(field({ vocabSize: MAX_VOCAB_SIZE + 1 })).toBe('vocabSize');
    expect(field({ embeddingLength: 100, heads: 3 })).toBe('heads');
    expect(field({ embeddingLength: 96, heads: 32, kvHeads: 1 })).toBe('heads'); // head size 3 is odd
    expect(field({ heads: 4, kvHeads: 3 })).toBe('kvHeads');
    expect(field({ weightType: 'q4' })).toBe('weightType');
    expect(field({ layer: 2 })).toBe('layer');
  });
});

describe('byte-level BPE vocabulary', () => {
  it('has every byte, unique tokens, and merges whose parts and results are tokens', () => {
    for (const size of [259, 512, MAX_VOCAB_SIZE]) {
      const v = byteBpeVocab(size);
      expect(v.tokens).toHaveLength(size);
      expect(new Set(v.tokens).size).toBe(size);
      const ids = new Map(v.tokens.map((t, i) => [t, i]));
      expect(byteSymbols().every((s, b) => ids.get(s) === b)).toBe(true);
      for (const m of v.merges) {
        const [l, r] = m.split(' ');
        expect(ids.has(l!) && ids.has(r!) && ids.has(l! + r!)).toBe(true);
      }
      expect(v.tokens[v.imEndId]).toBe('<|im_end|>');
    }
    expect(byteSymbols()[0x20]).toBe('Ġ');
    expect(byteSymbols()[0x0a]).toBe('Ċ');
  });
});

describe('checkLlamaGguf', () => {
  it('names missing and misshapen tensors and metadata', () => {
    const file = decodeGguf(generateRandomLlama(tiny));
    const tensors: GgufTensorInput[] = file.tensors
      .filter((t) => t.name !== 'blk.1.ffn_down.weight')
      .map((t) => ({
        name: t.name,
        dims: t.name === 'blk.0.attn_q.weight' ? [64, 32] : t.dims,
        type: t.typeCode === 0 ? 'f32' : 'f16',
        data: new Uint8Array(t.name === 'blk.0.attn_q.weight' ? t.byteSize! / 2 : t.byteSize!),
      }));
    const metadata = [...file.metadata]
      .filter(([k]) => k !== 'llama.attention.layer_norm_rms_epsilon')
      .map(([k, v]): [string, GgufValue] =>
        k === 'tokenizer.ggml.eos_token_id' ? [k, { type: 'uint32', value: 9999 }] : [k, v],
      );
    const broken = decodeGguf(encodeGguf({ metadata, tensors }));
    const { problems } = checkLlamaGguf(broken);
    expect(problems).toEqual([
      'metadata "llama.attention.layer_norm_rms_epsilon" is missing or not a number',
      'tokenizer.ggml.eos_token_id 9999 is outside the vocabulary (300)',
      'tensor "blk.0.attn_q.weight" has dims [64, 32], expected [64, 64]',
      'tensor "blk.1.ffn_down.weight" is missing',
    ]);
  });
});
