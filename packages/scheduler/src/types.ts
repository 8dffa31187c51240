/**
 * The scheduling contract shared by the AdaGen policy, every baseline, the offline cluster
 * simulator and the live services. A decision runs in three steps, each its own role so the live
 * fleet can run each as a separate service:
 *
 *   classify (Classifier) → balance (Balancer) → distribute (Planner)
 *
 * Baselines are Balancers used with the default classifier and the single-instance planner.
 * Everything is pure: time comes from the view (`nowMs`), randomness from an injected Rng.
 */
import type { BlockHash, InstanceSnapshot, PrefixLookup } from '@adagen/engine';
import type { Estimate, PendingWork } from '@adagen/estimator';

/** What the scheduler knows about a request when it arrives. */
export interface RequestInfo {
  id: string;
  /** When the request entered the system (ms, same clock as the view). */
  arrivalMs: number;
  /** Prompt length in tokens (from the tokenizer, or given). */
  promptTokens: number;
  /** The client's cap on generated tokens, when given. */
  maxTokens?: number;
  tenant?: string;
  model?: string;
  /** The client's own targets (ms); each one given replaces the policy's SLO for it. */
  slo?: { ttftMs?: number; tpotMs?: number };
  /** Higher is more important (the live fleet's `x-priority`). */
  priority?: number;
  /**
   * The prompt's chained block hashes at `blockSize` tokens per block (prefix-cache identity:
   * `promptBlockHashes` from token ids, `traceBlockHashes` from a trace's hash ids).
   */
  prefix?: { blockSize: number; blockHashes: readonly BlockHash[] };
}

export const PrefillClass = { short: 'short', long: 'long' } as const;
export type PrefillClass = (typeof PrefillClass)[keyof typeof PrefillClass];
export const DecodeClass = { short: 'short', long: 'long' } as const;
export type DecodeClass = (typeof DecodeClass)[keyof typeof DecodeClass];

/** Output of the classify step. */
export interface Classification {
  request: RequestInfo;
  predictedOutputTokens: number;
  prefill: PrefillClass;
  decode: DecodeClass;
  /** Thresholds in force when this request was classified. */
  thresholds: { prefillTokens: number; outputTokens: number };
}

/**
 * A placement made but possibly not yet visible in the instance's snapshot: the estimator's
 * `PendingWork` (the estimator adds it to the snapshot's state before predicting).
 */
export type PendingPlacement = PendingWork;

/** One instance as the scheduler sees it: a (stale) snapshot plus placements made since. */
export interface InstanceView {
  id: string;
  /** Latency profile name (for the estimator). */
  profile: string;
  status: 'ready' | 'draining';
  snapshot: InstanceSnapshot;
  /** Placements decided after `snapshot.atMs` (the view's own and its peers'). */
  pending: readonly PendingPlacement[];
  /** The instance's prefix cache as of the snapshot (from its cache events), when known. */
  prefixCache?: PrefixLookup;
}

export interface ClusterView {
  nowMs: number;
  instances: readonly InstanceView[];
  /**
   * Decision → agent delay measured on the live fleet (fleet ms); policies that predict use it
   * instead of their assumed control delay when present.
   */
  controlDelayMs?: number;
}

export interface Segment {
  instanceId: string;
  startToken: number;
  endToken: number;
}

/** How a request runs: where, and whether it is distributed. */
export type Plan =
  | { kind: 'single'; instanceId: string }
  | { kind: 'pd-split'; prefillInstanceId: string; decodeInstanceId: string }
  | { kind: 'split-prefill'; segments: Segment[]; decodeInstanceId: string };

export type PlanKind = Plan['kind'];

/** Predicted latencies for the placed request, when the policy computed them. */
export interface Prediction {
  ttftMs: number;
  tpotMs: number;
  /** Requests already on the instance(s) predicted to miss their SLO because of this one. */
  newlyViolated?: number;
}

/** One instance the balance step estimated, for explanations (dashboards, decision records). */
export interface CandidateEstimate {
  instanceId: string;
  ttftMs: number;
  tpotMs: number;
  /** Requests already there predicted to miss their SLO because of this one. */
  newlyViolated: number;
  /** The prediction meets the request's own SLO there. */
  meetsSlo: boolean;
}

/** Output of the balance step. */
export interface Placement {
  classification: Classification;
  instanceId: string;
  prediction?: Prediction;
  /** Instances considered (after pre-filtering). */
  candidates: number;
  /** What the policy predicted on each candidate, in its order of preference (predictive policies). */
  considered?: readonly CandidateEstimate[];
  /**
   * The balance step's layout estimates of the request on each candidate it simulated (AdaGen):
   * a distribute step in another process (the live planner) reuses them instead of computing
   * the same layouts again.
   */
  estimates?: readonly Estimate[];
  /**
   * The policy predicts the request misses its SLO on every candidate (AdaGen). The simulator
   * places it anyway; the live fleet's balancer may refuse it instead (admission control).
   */
  hopeless?: boolean;
}

/** Output of the distribute step: the final decision. */
export interface Decision {
  placement: Placement;
  plan: Plan;
  prediction?: Prediction;
}

/** A finished request, fed back to online learners (the length predictor). */
export interface CompletionObservation {
  requestId: string;
  promptTokens: number;
  outputTokens: number;
  maxTokens?: number;
  tenant?: string;
  model?: string;
  finishedAtMs: number;
  /** Where it ran (the decode instance of a distributed plan), when the reporter knows. */
  instanceId?: string;
  /** Its observed time to first token and time per output token (ms), when known. */
  ttftMs?: number;
  tpotMs?: number;
}

export interface Classifier {
  readonly name: string;
  classify(request: RequestInfo, nowMs: number): Classification;
  observe?(completion: CompletionObservation): void;
}

export interface Balancer {
  readonly name: string;
  place(classification: Classification, view: ClusterView): Placement;
}

export interface Planner {
  readonly name: string;
  plan(placement: Placement, view: ClusterView): Decision;
}

/** A complete policy: the three steps, named. */
export interface Policy {
  readonly name: string;
  readonly classifier: Classifier;
  readonly balancer: Balancer;
  readonly planner: Planner;
  /** What its layout estimator has done so far; absent for policies that simulate nothing. */
  readonly work?: () => PolicyWork;
}

/** A policy's estimator work so far (counters: for metrics and benchmarks). */
export interface PolicyWork {
  /** Layouts estimated with a candidate addition. */
  readonly estimates: number;
  /** Cached instance states rebuilt from a snapshot (an agent's first or a new one). */
  readonly rebuilds: number;
  /** Engine iterations simulated: estimates, baselines, cached states moved on in time. */
  readonly iterations: number;
}
