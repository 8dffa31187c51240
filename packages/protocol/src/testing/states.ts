import type { InstanceState, RequestProgress } from '../messages/state.js';

/** What a test's agent state varies; the rest is a ready simulated agent with vLLM's knobs. */
export interface ReadyStateOptions {
  instanceId: string;
  atMs: number;
  /** @default atMs */
  seq?: number;
  /** @default the built-in 8B-on-A100 profile */
  profile?: string;
  /** @default 1000 blocks, none used */
  kv?: InstanceState['kv'];
  running?: RequestProgress[];
  waiting?: RequestProgress[];
}

/** A ready `sim` agent's full state (512 batched tokens, 256 sequences, blocks of 16). */
export function readyState(o: ReadyStateOptions): InstanceState {
  return {
    v: 1,
    type: 'instance_state',
    instanceId: o.instanceId,
    seq: o.seq ?? o.atMs,
    atMs: o.atMs,
    status: 'ready',
    engine: 'sim',
    profile: o.profile ?? 'llama-3-8b_a100-80gb_tp1',
    config: {
      maxNumBatchedTokens: 512,
      maxNumSeqs: 256,
      enableChunkedPrefill: true,
      blockSize: 16,
    },
    kv: o.kv ?? { totalBlocks: 1000, usedBlocks: 0 },
    running: o.running ?? [],
    waiting: o.waiting ?? [],
    recentIterations: [],
  };
}
