/** What the engine announces and reports. */

/** What this engine can do, for the planner and the gateway. */
export interface EngineCapabilities {
  readonly stop: true;
  readonly sampling: true;
  readonly seed: true;
  readonly ignoreEos: true;
  /** Per-token log-probabilities with up to 20 alternatives (see TokenLogprob). */
  readonly logprobs: true;
  /** The model has a chat template (otherwise chat is a plain "role: content" transcript). */
  readonly chatTemplate: boolean;
  /** Prompt + output tokens one request may use. */
  readonly maxContextTokens: number;
  /** Requests decoded together. */
  readonly maxSequences: number;
  readonly prefixCache: boolean;
  /** Prefill/decode split across instances (KV hand-off): not offered. */
  readonly pdSplit: false;
  /** One prefill split across instances: not offered. */
  readonly splitPrefill: false;
  /** Granularity of the observations: one per llama_decode, or none. */
  readonly observations: 'per-decode' | 'none';
}

/** Live counters (gauges and running totals), as vLLM's and llama-server's metrics. */
export interface EngineCounters {
  running: number;
  waiting: number;
  /** KV cells held by running requests. */
  kvCellsUsed: number;
  /** KV cells kept by idle sequences for prefix reuse (free to overwrite). */
  kvCellsCached: number;
  /** maxSequences × contextSize. */
  kvCellsTotal: number;
  promptTokensTotal: number;
  cachedPromptTokensTotal: number;
  generatedTokensTotal: number;
  requestsFinished: number;
  requestsCancelled: number;
  requestsFailed: number;
  /** Always 0: every sequence owns its cells, nothing is preempted. */
  preemptionsTotal: number;
  decodeCallsTotal: number;
}

export interface ModelInfo {
  readonly path: string;
  readonly name: string | undefined;
  readonly architecture: string | undefined;
  readonly sizeBytes: number;
  readonly vocabSize: number;
  readonly trainContextSize: number;
  readonly addBosToken: boolean;
  /** End-of-generation tokens (EOS, EOT, …). */
  readonly eogTokens: readonly number[];
}
