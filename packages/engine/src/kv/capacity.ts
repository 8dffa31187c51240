import type { LatencyProfile } from '../latency/profile.js';

/** 1 GiB, vLLM-like activation/workspace reserve kept out of the KV cache by default. */
export const DEFAULT_ACTIVATION_RESERVE_BYTES = 1024 ** 3;

/** KV bytes per token per GPU: 2 (K and V) × layers × ⌈kvHeads / TP⌉ × headDim × dtype bytes. */
export function kvBytesPerToken(profile: Pick<LatencyProfile, 'model' | 'tensorParallel'>): number {
  const m = profile.model;
  return (
    2 * m.numLayers * Math.ceil(m.numKvHeads / profile.tensorParallel) * m.headDim * m.dtypeBytes
  );
}

export interface KvCapacityOptions {
  /** Share of GPU memory the engine may use (vLLM's gpu_memory_utilization). @default 0.9 */
  gpuMemoryUtilization?: number;
  /** Memory kept for activations and workspace. @default 1 GiB */
  activationReserveBytes?: number;
  /** Tokens per KV block. @default 16 */
  blockSize?: number;
}

export interface KvCapacity {
  bytesPerToken: number;
  /** Weights resident on one GPU (whole model / TP). */
  weightsBytesPerGpu: number;
  /** utilisation × GPU memory − weights − activation reserve (bytes, ≥ 0). */
  kvBytes: number;
  /** kvBytes / bytesPerToken, floored. */
  tokens: number;
  /** kvBytes / (bytesPerToken × blockSize), floored. */
  blocks: number;
  blockSize: number;
}

/**
 * KV cache capacity of one GPU, as vLLM sizes it: the memory the engine may use minus the
 * weights and a reserve for activations, divided into blocks of `blockSize` tokens.
 */
export function kvCapacity(profile: LatencyProfile, options: KvCapacityOptions = {}): KvCapacity {
  const util = options.gpuMemoryUtilization ?? 0.9;
  const reserve = options.activationReserveBytes ?? DEFAULT_ACTIVATION_RESERVE_BYTES;
  const blockSize = options.blockSize ?? 16;
  const bytesPerToken = kvBytesPerToken(profile);
  const weightsBytesPerGpu = profile.model.weightsBytes / profile.tensorParallel;
  const kvBytes = Math.max(0, profile.gpu.memoryBytes * util - weightsBytesPerGpu - reserve);
  return {
    bytesPerToken,
    weightsBytesPerGpu,
    kvBytes,
    tokens: Math.floor(kvBytes / bytesPerToken),
    blocks: Math.floor(kvBytes / (bytesPerToken * blockSize)),
    blockSize,
  };
}

/** Blocks needed to hold `tokens` tokens. */
export function blocksForTokens(tokens: number, blockSize: number): number {
  return Math.ceil(tokens / blockSize);
}
