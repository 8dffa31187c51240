import type { InstanceSnapshot, PrefixLookup, WorkKind } from '@adagen/engine';

/**
 * Work placed on an instance after its snapshot was taken (structurally the scheduler's
 * `PendingPlacement`): the estimator adds it to the snapshot's state before predicting.
 */
export interface PendingWork {
  requestId: string;
  atMs: number;
  role: WorkKind;
  promptTokens: number;
  predictedOutputTokens: number;
  maxTokens?: number;
  startToken?: number;
  endToken?: number;
  /** Tokens already generated elsewhere, for a `decode` role (default 1). */
  generatedTokens?: number;
  /** Prompt tokens cached on the instance when placed (`full`/`prefill`: not prefilled there). */
  cachedTokens?: number;
}

/** One instance as the estimator needs it (structurally the scheduler's `InstanceView`). */
export interface InstanceInput {
  id: string;
  profile: string;
  snapshot: InstanceSnapshot;
  pending: readonly PendingWork[];
  /** The instance's prefix cache as of its snapshot, when known. */
  prefixCache?: PrefixLookup;
}

/** Latency targets of one request. */
export interface SloTargets {
  ttftMs: number;
  tpotMs: number;
}

/** Something to add hypothetically to an instance. */
export interface Addition {
  id: string;
  role: WorkKind;
  promptTokens: number;
  /** Predicted output tokens (for `full` and `decode`). */
  outputTokens: number;
  /** When it reaches the instance. */
  arrivalMs: number;
  /** When it entered the system (TTFT is measured from here). @default arrivalMs */
  originArrivalMs?: number;
  startToken?: number;
  endToken?: number;
  /** For `decode`: tokens generated before it arrives. @default 1 */
  generatedTokens?: number;
  maxTokens?: number;
  /**
   * Prompt tokens already cached on the instance (`full`/`prefill`): its prefill starts after
   * them, attending to them. @default 0
   */
  cachedTokens?: number;
  /**
   * Stop simulating once virtual time passes this without the addition's first token (it is
   * late anyway; its TTFT is then reported as at least that late). Bounds the cost of estimates
   * on overloaded instances. @default no limit but the horizon
   */
  giveUpAtMs?: number;
}

/** What one forward simulation observed for one request. */
export interface RequestWindow {
  /** Tokens emitted during the run. */
  tokens: number;
  firstAtMs: number;
  lastAtMs: number;
  /** Index of the first token emitted during the run. */
  firstIndex: number;
  prefillDoneAtMs: number;
  finished: boolean;
}

/** The estimate of adding one piece of work to one instance. */
export interface Estimate {
  instanceId: string;
  /** Virtual time the prediction starts from. */
  nowMs: number;
  /** Iterations simulated with the addition. */
  iterations: number;
  /** The run stopped at the horizon, the iteration cap or `giveUpAtMs` before its goal. */
  horizonReached: boolean;
  /** When the addition's first token appears (Infinity if not within the horizon). */
  firstTokenAtMs: number;
  /** When the addition's prefill pass finished (prefill/segment roles). */
  prefillDoneAtMs: number;
  /** Predicted TTFT from the addition's origin arrival. */
  ttftMs: number;
  /** Predicted TPOT (mean gap) of the addition's decode tokens in the window. */
  tpotMs: number;
  /** Existing requests predicted to meet their SLO without the addition and miss it with it. */
  newlyViolated: number;
  /** Existing requests predicted to miss their SLO even without the addition. */
  alreadyViolated: number;
  /** Σ over existing requests of the extra time their window tokens took (ms). */
  addedDelayMs: number;
  /** Mean iteration time during the window with the addition. */
  meanIterationMs: number;
}
