import { z } from 'zod';
import { kvCapacity } from '../kv/capacity.js';
import { FieldError, firstIssue } from '@adagen/stats';
import type { LatencyProfile } from '../latency/profile.js';

/** Engine knobs, named like vLLM's engine arguments (camelCase). All optional. */
export const EngineConfigSchema = z
  .object({
    /** Token budget per iteration (max_num_batched_tokens). @default 512 chunked, else max(2048, maxModelLen) */
    maxNumBatchedTokens: z.number().int().positive().optional(),
    /** Most sequences in one iteration / running at once (max_num_seqs). @default 256 */
    maxNumSeqs: z.number().int().positive().default(256),
    /** Chunked prefill (enable_chunked_prefill). @default true */
    enableChunkedPrefill: z.boolean().default(true),
    /** Tokens per KV block (block_size). @default 16 */
    blockSize: z.number().int().positive().default(16),
    /** KV blocks, overriding the computed capacity (num_gpu_blocks_override). */
    numGpuBlocks: z.number().int().positive().optional(),
    /** Share of GPU memory for weights + activations + KV (gpu_memory_utilization). @default 0.9 */
    gpuMemoryUtilization: z.number().gt(0).lte(1).default(0.9),
    /** Memory reserved for activations, outside the KV cache. @default 1 GiB */
    activationReserveBytes: z
      .number()
      .nonnegative()
      .default(1024 ** 3),
    /** Share of KV blocks kept free on admission (vLLM's watermark). @default 0.01 */
    watermark: z.number().gte(0).lt(1).default(0.01),
    /** Longest prefill pass admitted (max_model_len). @default the profile's model maxModelLen */
    maxModelLen: z.number().int().positive().optional(),
    /**
     * Automatic prefix caching (enable_prefix_caching): items carrying block hashes reuse the
     * longest cached prefix; freed blocks stay cached until evicted LRU. @default false
     */
    enablePrefixCaching: z.boolean().default(false),
  })
  .strict();
export type EngineConfigInput = z.input<typeof EngineConfigSchema>;

/** The knobs with defaults filled and capacity resolved; frozen. */
export interface EngineConfig {
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  readonly enableChunkedPrefill: boolean;
  readonly blockSize: number;
  /** KV blocks of this instance (override or computed from the profile). */
  readonly numGpuBlocks: number;
  readonly gpuMemoryUtilization: number;
  readonly activationReserveBytes: number;
  readonly watermark: number;
  /** ⌊watermark × numGpuBlocks⌋. */
  readonly watermarkBlocks: number;
  readonly maxModelLen: number;
  readonly enablePrefixCaching: boolean;
}

/** An engine option was invalid; `knob` names it. */
export class EngineConfigError extends FieldError {
  override readonly name = 'EngineConfigError';
  readonly code = 'invalid-config' as const;
  /** The bad knob (its `field`). */
  get knob(): string {
    return this.field;
  }
}

/** Validates `input`, fills defaults, sizes the KV cache from `profile`. @throws EngineConfigError */
export function resolveEngineConfig(
  profile: LatencyProfile,
  input: EngineConfigInput = {},
): EngineConfig {
  const parsed = EngineConfigSchema.safeParse(input);
  if (!parsed.success) {
    const { field, why } = firstIssue(parsed.error.issues);
    throw new EngineConfigError(field, `invalid engine config: ${field}: ${why}`, {
      cause: parsed.error,
    });
  }
  const c = parsed.data;
  const maxModelLen = c.maxModelLen ?? profile.model.maxModelLen;
  const maxNumBatchedTokens =
    c.maxNumBatchedTokens ?? (c.enableChunkedPrefill ? 512 : Math.max(2048, maxModelLen));
  if (maxNumBatchedTokens < c.maxNumSeqs) {
    throw new EngineConfigError(
      'maxNumBatchedTokens',
      `invalid engine config: maxNumBatchedTokens (${maxNumBatchedTokens}) must be >= maxNumSeqs (${c.maxNumSeqs})`,
    );
  }
  if (!c.enableChunkedPrefill && maxNumBatchedTokens < maxModelLen) {
    throw new EngineConfigError(
      'maxNumBatchedTokens',
      `invalid engine config: without chunked prefill maxNumBatchedTokens (${maxNumBatchedTokens}) must be >= maxModelLen (${maxModelLen}); lower maxModelLen or enable chunked prefill`,
    );
  }
  const numGpuBlocks =
    c.numGpuBlocks ??
    kvCapacity(profile, {
      gpuMemoryUtilization: c.gpuMemoryUtilization,
      activationReserveBytes: c.activationReserveBytes,
      blockSize: c.blockSize,
    }).blocks;
  if (numGpuBlocks < 1) {
    throw new EngineConfigError(
      'gpuMemoryUtilization',
      `invalid engine config: no memory left for the KV cache on ${profile.gpu.name} (gpuMemoryUtilization ${c.gpuMemoryUtilization}); raise it or set numGpuBlocks`,
    );
  }
  return Object.freeze({
    maxNumBatchedTokens,
    maxNumSeqs: c.maxNumSeqs,
    enableChunkedPrefill: c.enableChunkedPrefill,
    blockSize: c.blockSize,
    numGpuBlocks,
    gpuMemoryUtilization: c.gpuMemoryUtilization,
    activationReserveBytes: c.activationReserveBytes,
    watermark: c.watermark,
    watermarkBlocks: Math.floor(c.watermark * numGpuBlocks),
    maxModelLen,
    enablePrefixCaching: c.enablePrefixCaching,
  });
}
