/** Options of the random-weight llama generator: documented defaults, validated once. */
import { FieldError, firstIssue } from '@adagen/stats';
import { z } from 'zod';

/** Tokens the generated vocabulary reserves after the byte and merge tokens. */
export const SPECIAL_TOKENS = {
  endOfText: '<|endoftext|>',
  imStart: '<|im_start|>',
  imEnd: '<|im_end|>',
} as const;
export const SPECIAL_TOKEN_COUNT = Object.keys(SPECIAL_TOKENS).length;
/** 256 byte tokens + the special tokens: the smallest vocabulary. */
export const MIN_VOCAB_SIZE = 256 + SPECIAL_TOKEN_COUNT;
/** The largest vocabulary the merge corpus supports (it yields 542 distinct merge tokens). */
export const MAX_VOCAB_SIZE = 800;

const dim = (max: number) => z.number().int().min(1).max(max);

export const RandomLlamaOptionsSchema = z
  .object({
    /** Seed of the weights (uint32). Same options → same bytes. @default 1 */
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    /** Transformer blocks. @default 4 */
    layers: dim(64).default(4),
    /** Hidden size (n_embd). @default 128 */
    embeddingLength: dim(8192).default(128),
    /** Attention heads; must divide embeddingLength, head size even. @default 4 */
    heads: dim(128).default(4),
    /** Key/value heads (grouped-query attention); must divide heads. @default 2 */
    kvHeads: dim(128).default(2),
    /** Feed-forward size (n_ff). @default 384 */
    feedForwardLength: dim(65536).default(384),
    /** Vocabulary size: 256 byte tokens, learned merges, 3 special tokens (259–800). @default 512 */
    vocabSize: z.number().int().min(MIN_VOCAB_SIZE).max(MAX_VOCAB_SIZE).default(512),
    /** Trained context length written to the metadata (llama.context_length). @default 4096 */
    contextLength: dim(1 << 20).default(4096),
    /** Element type of the 2-D weights (norms are always f32). @default 'f16' */
    weightType: z.enum(['f32', 'f16']).default('f16'),
    /** Standard deviation of the random weights. @default 0.02 */
    weightStd: z.number().positive().max(10).default(0.02),
    /** RoPE base frequency. @default 10000 */
    ropeFreqBase: z.number().positive().default(10000),
    /** RMS norm epsilon. @default 1e-5 */
    rmsEpsilon: z.number().positive().max(1).default(1e-5),
    /** Write a ChatML chat template (tokenizer.chat_template). @default true */
    chatTemplate: z.boolean().default(true),
    /** general.name. @default 'adagen-random-llama' */
    name: z.string().min(1).max(200).default('adagen-random-llama'),
  })
  .strict();
export type RandomLlamaOptions = z.input<typeof RandomLlamaOptionsSchema>;
export type RandomLlamaSpec = Readonly<z.output<typeof RandomLlamaOptionsSchema>>;

/** A generator option was invalid; `field` names it. */
export class RandomLlamaOptionsError extends FieldError {
  override readonly name = 'RandomLlamaOptionsError';
  readonly code = 'invalid-options' as const;
}

/** Validates the options and fills defaults. @throws RandomLlamaOptionsError */
export function resolveRandomLlamaSpec(input: RandomLlamaOptions = {}): RandomLlamaSpec {
  const parsed = RandomLlamaOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const { field, why } = firstIssue(parsed.error.issues);
    throw new RandomLlamaOptionsError(field, `${field}: ${why}`, { cause: parsed.error });
  }
  const s = parsed.data;
  if (s.embeddingLength % s.heads !== 0)
    throw new RandomLlamaOptionsError(
      'heads',
      `heads (${s.heads}) must divide embeddingLength (${s.embeddingLength})`,
    );
  if ((s.embeddingLength / s.heads) % 2 !== 0)
    throw new RandomLlamaOptionsError(
      'heads',
      `head size embeddingLength/heads (${s.embeddingLength / s.heads}) must be even (RoPE)`,
    );
  if (s.heads % s.kvHeads !== 0)
    throw new RandomLlamaOptionsError(
      'kvHeads',
      `kvHeads (${s.kvHeads}) must divide heads (${s.heads})`,
    );
  return Object.freeze(s);
}
