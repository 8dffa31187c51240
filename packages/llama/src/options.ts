/** Engine options: documented defaults, validated once at load; errors name the field. */
import { z } from 'zod';
import { FieldError, firstIssue } from '@adagen/stats';

export const LlamaEngineOptionsSchema = z
  .object({
    /** GGUF model file (a generated one or any real llama.cpp model). */
    modelPath: z.string().min(1),
    /** Sequences decoded together (continuous batching); more requests wait, FIFO. @default 4 */
    maxSequences: z.number().int().min(1).max(64).default(4),
    /** KV cells per sequence: the longest prompt + output one request can have. @default 2048 */
    contextSize: z
      .number()
      .int()
      .min(16)
      .max(1 << 20)
      .default(2048),
    /** Most tokens in one llama_decode (prefill chunks + decode tokens). @default 512 */
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(1 << 16)
      .default(512),
    /** Requests that may wait for a sequence; beyond, submit answers `overloaded`. @default 1024 */
    maxWaiting: z.number().int().min(0).default(1024),
    /**
     * Keep a finished request's KV in its sequence and reuse the longest matching prefix for a
     * later request (llama-server's prompt cache). Cancelled requests' KV is always cleared.
     * @default true
     */
    prefixCache: z.boolean().default(true),
    /**
     * Flash attention. On this CPU build a decode of 3 sequences cost 3.5 ms with it and 7.1 ms
     * without (26 MB generated model; node-llama-cpp's 'auto' left it off). @default true
     */
    flashAttention: z.boolean().default(true),
  })
  .strict();
export type LlamaEngineOptionsInput = z.input<typeof LlamaEngineOptionsSchema>;
export type LlamaEngineConfig = Readonly<z.output<typeof LlamaEngineOptionsSchema>>;

/** An engine option was invalid; `field` names it. */
export class LlamaEngineOptionsError extends FieldError {
  override readonly name = 'LlamaEngineOptionsError';
  readonly code = 'invalid-options' as const;
}

export function resolveEngineOptions(input: LlamaEngineOptionsInput): LlamaEngineConfig {
  const parsed = LlamaEngineOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const { field, why } = firstIssue(parsed.error.issues);
    throw new LlamaEngineOptionsError(field, `llama engine option ${field}: ${why}`, {
      cause: parsed.error,
    });
  }
  const c = parsed.data;
  if (c.batchSize < c.maxSequences)
    throw new LlamaEngineOptionsError(
      'batchSize',
      `llama engine option batchSize (${c.batchSize}) must be at least maxSequences (${c.maxSequences})`,
    );
  return Object.freeze(c);
}
