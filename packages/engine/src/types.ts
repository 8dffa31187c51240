/**
 * The engine's public contract: what goes into a simulated instance, what comes out, and the
 * snapshot it reports. Everything is in virtual time (milliseconds) and token counts; nothing
 * here knows about NATS or the wall clock.
 *
 * This file is the agreement between `engine`, `estimator`, `sim` and the `agent` service:
 * change it deliberately.
 */

import type { BlockHash } from './kv/prefix-hash.js';

/** Batch features the latency model needs for one iteration (see the calibration README). */
export interface BatchFeatures {
  /** Prefill tokens processed in the iteration (sum of chunk sizes). */
  prefillTokens: number;
  /** Σ pᵢ·(kᵢ + pᵢ/2): prefill attention work; kᵢ tokens already cached before chunk i. */
  prefillAttnWork: number;
  /** Decode requests in the iteration (one token each). */
  decodeRequests: number;
  /** Σ context (KV tokens) of the decode requests. */
  decodeContextTokens: number;
  /** Sequences in the batch (prefilling + decoding); used by the optional CPU-overhead term. */
  numSeqs: number;
}

/**
 * What part of a request an instance executes.
 * - `full`: prefill then decode to completion on this instance.
 * - `prefill`: prefill only; the iteration that completes it emits the first token, then the
 *   KV cache is handed to a decode instance (`onPrefillDone`); blocks are held until `release`.
 * - `decode`: decode only; the KV of `promptTokens + generatedTokens` arrives with it.
 * - `segment`: one contiguous prefill segment [startToken, endToken) of a split prefill; it
 *   attends to the KV of [0, startToken) computed by peers. Emits `onPrefillDone` when done.
 */
export type WorkItem =
  | {
      kind: 'full';
      id: string;
      promptTokens: number;
      /** Tokens this request will generate (the truth; the sim knows it, estimators predict it). */
      outputTokens: number;
      meta?: RequestMeta;
      /** Prefix-cache identity of the prompt (see {@link PrefixInfo}). */
      prefix?: PrefixInfo;
    }
  | { kind: 'prefill'; id: string; promptTokens: number; meta?: RequestMeta; prefix?: PrefixInfo }
  | {
      kind: 'decode';
      id: string;
      promptTokens: number;
      outputTokens: number;
      /** Tokens already generated elsewhere (≥ 1: the prefill instance emits the first). */
      generatedTokens: number;
      meta?: RequestMeta;
    }
  | {
      kind: 'segment';
      id: string;
      /** Length of the whole prompt (for reporting). */
      promptTokens: number;
      startToken: number;
      endToken: number;
      meta?: RequestMeta;
    };

export type WorkKind = WorkItem['kind'];

/**
 * What the prefix cache needs to know about a prompt (`full` and `prefill` items only).
 * - `blockHashes`: the chained hashes of the prompt's full blocks at the instance's block size
 *   (`promptBlockHashes` / `traceBlockHashes`); on an instance with prefix caching on, admission
 *   reuses the longest cached prefix and computed blocks are cached.
 * - `assumedCachedTokens`: for what-if runs on instances without a cache (the estimator): the
 *   prefill starts after this many tokens as if they were cached (capped at prompt − 1).
 */
export interface PrefixInfo {
  blockHashes?: readonly BlockHash[];
  assumedCachedTokens?: number;
}

/** Scheduler-visible annotations carried into snapshots (never used to cheat). */
export interface RequestMeta {
  /** The client's cap on output tokens. */
  maxTokens?: number;
  /** The placing policy's prediction of the output length. */
  predictedOutputTokens?: number;
  /** When the request first entered the system (for TTFT), if earlier than its arrival here. */
  originArrivalMs?: number;
}

/** What one iteration contained and how long it took. */
export interface IterationReport extends BatchFeatures {
  instanceId: string;
  index: number;
  startMs: number;
  durationMs: number;
  /** Requests admitted (from waiting to running) when this iteration was formed. */
  admitted: number;
  /** Requests preempted (recompute) while forming this iteration. */
  preempted: number;
  /** KV blocks in use after forming the batch. */
  kvUsedBlocks: number;
  /** Per-request work, only when the instance was created with `recordChunks: true`. */
  chunks?: ReadonlyArray<{ id: string; prefillTokens: number; decode: boolean }>;
}

/**
 * Callbacks an instance invokes as virtual time advances. All optional; hot-path friendly
 * (no event objects are allocated per token).
 */
export interface InstanceObserver {
  onIteration?(report: IterationReport): void;
  /**
   * Admitted (waiting → running); `cachedTokens` of its prefill pass were found in the prefix
   * cache (or assumed cached) and are not computed.
   */
  onAdmitted?(id: string, atMs: number, cachedTokens: number): void;
  /** A token of request `id` became available at `atMs`; `index` 0 is the first token. */
  onToken?(id: string, index: number, atMs: number): void;
  /** Prefill finished for a `prefill` or `segment` item (the KV is ready to hand over). */
  onPrefillDone?(id: string, atMs: number, kvTokens: number): void;
  onFinished?(id: string, atMs: number): void;
  onPreempted?(id: string, atMs: number): void;
  /**
   * The item can never run on this instance (its prefill exceeds `maxModelLen`, or it needs
   * more KV blocks than the cache can ever give it) and was dropped, as vLLM ignores such
   * requests. No further events follow for it.
   */
  onRejected?(id: string, atMs: number, reason: RejectReason): void;
}

/** Why an instance dropped an item it can never run. */
export const RejectReasons = {
  promptTooLong: 'prompt-too-long',
  kvCapacity: 'kv-capacity',
} as const;
export type RejectReason = (typeof RejectReasons)[keyof typeof RejectReasons];

/**
 * Where a request is on an instance.
 * - `waiting`: queued; the next admission prefills `promptTokens + generatedTokens` (for a
 *   `segment`: `endToken − startToken`), or, for a `decode` item never preempted here, starts
 *   decoding at once with its transferred KV.
 * - `prefilling`: admitted, part of its prefill pass computed (`prefilledTokens`).
 * - `decoding`: one token per iteration until `outputTokens`.
 * - `held`: a finished `prefill` or `segment` item holding its KV blocks until `release`.
 */
export const RequestPhases = {
  waiting: 'waiting',
  prefilling: 'prefilling',
  decoding: 'decoding',
  held: 'held',
} as const;
export type RequestPhase = (typeof RequestPhases)[keyof typeof RequestPhases];

/** Progress of one request on an instance, as reported in a snapshot. */
export interface RequestProgress {
  id: string;
  kind: WorkKind;
  promptTokens: number;
  phase: RequestPhase;
  /**
   * Tokens of the current prefill pass whose KV is computed. The pass covers the prompt; for a
   * request recomputing after a preemption it covers `promptTokens + generatedTokens`, so this
   * may exceed `promptTokens` while `prefilling`; for a `segment` it covers
   * `endToken − startToken`, counted from startToken. 0 while waiting; `promptTokens` once
   * decoding; the whole pass when held.
   */
  prefilledTokens: number;
  /** Output tokens produced so far. */
  generatedTokens: number;
  /** When its first token was emitted (on this instance), if it was. */
  firstTokenAtMs?: number;
  /** Times this request was preempted on this instance (default 0). */
  preemptions?: number;
  /** Arrival at this instance (virtual ms). */
  arrivalMs: number;
  startToken?: number;
  endToken?: number;
  /**
   * Prefix-cache hit: for an admitted request, the tokens of its pass found cached at admission
   * (included in `prefilledTokens`); for a waiting one, the tokens cached for it at the
   * snapshot (what admission would reuse now). Absent when 0.
   */
  cachedTokens?: number;
  maxTokens?: number;
  predictedOutputTokens?: number;
  originArrivalMs?: number;
}

/** What an instance reports about itself (the balancer's and estimator's input). */
export interface InstanceSnapshot {
  instanceId: string;
  atMs: number;
  profile: string;
  config: {
    maxNumBatchedTokens: number;
    maxNumSeqs: number;
    enableChunkedPrefill: boolean;
    blockSize: number;
    /** Admission watermark (share of blocks kept free); default 0.01 when absent. */
    watermark?: number;
    /** Longest prefill pass admitted; the profile's model default when absent. */
    maxModelLen?: number;
  };
  kv: { totalBlocks: number; usedBlocks: number };
  /** Prefix caching, when on: cached blocks (used or free) and token counters since start. */
  prefixCache?: {
    cachedBlocks: number;
    queriedTokens: number;
    hitTokens: number;
  };
  /** Admitted requests: running ones in FCFS (arrival) order, then `held` ones (they keep KV). */
  running: RequestProgress[];
  /** Waiting requests in queue (FCFS) order. */
  waiting: RequestProgress[];
  /** End of the iteration in progress, if any. */
  busyUntilMs?: number;
  /**
   * Start of the iteration in progress, if any. The snapshot shows the state as that iteration
   * was formed (its admissions and preemptions done) but before its tokens were produced.
   */
  busySinceMs?: number;
  /** Most recent iterations, newest last. */
  recentIterations: Array<{
    startMs: number;
    durationMs: number;
    prefillTokens: number;
    decodeRequests: number;
  }>;
}
