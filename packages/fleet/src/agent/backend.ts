/**
 * The seam between what every agent does and what its engine does. The agent (`Agent`, in
 * `agent.ts`) owns the protocol: dispatches, deduplication by request id and attempt, cancels,
 * deadlines, the KV hand-off notices' checks, the stream (chunk numbers, stop strings),
 * outcomes, completion records and drain. A backend owns one engine: it admits a request (or
 * its part of a split plan), generates, and reports through the `BackendSink` the agent gives
 * it. Backends: `sim` (the simulated engine in real time), `llama` (llama.cpp in-process) and
 * `http` (an OpenAI-compatible engine behind a URL).
 */
import type { InstanceSnapshot, IterationObservation } from '@adagen/engine';
import type {
  AgentDispatch,
  EngineCapabilities,
  EngineKind,
  ErrorCode,
  KvHandoffNotice,
} from '@adagen/protocol';
import type { PrefixCacheSource } from '../prefix/cache-feed.js';
import type { EngineReport, Job } from './job.js';

export interface EngineBackend {
  readonly kind: EngineKind;
  /** The latency profile the agent announces (what estimators predict this engine with). */
  readonly profileName: string;
  readonly capabilities: EngineCapabilities;
  /** The engine's prefix cache, when the agent can see it (the agent publishes its changes). */
  readonly prefixCache?: PrefixCacheSource;
  /**
   * Starts this agent's part of a request (`d.role`). Throws for a request the engine cannot
   * take at all (the dispatch is rejected with the error). A `decode` part of a split plan
   * waits for its KV: the backend gets it through `kvReady`.
   */
  start(job: Job, d: AgentDispatch): void;
  /**
   * KV of a split plan is ready for this agent's decode part (checked by the agent: addressed
   * here, from an agent of the plan, of the job's attempt). Only backends offering P/D split or
   * split prefill receive it.
   */
  kvReady(job: Job, n: Extract<KvHandoffNotice, { type: 'kv_ready' }>): void;
  /** Drops the job from the engine: frees its KV and slot; no event for it afterwards. */
  cancel(job: Job): void;
  /** The engine's state for a state message (fleet ms). */
  snapshot(nowMs: number): InstanceSnapshot;
  /** Stops the engine loop; the agent has failed what was left. */
  stop(): void;
}

/** What a backend reports, and the agent's services it may use. */
export interface BackendSink {
  /** The job of a request this agent holds, if any. */
  job(requestId: string): Job | undefined;
  /** Token `index` of the request (0 = first), with its text. */
  token(job: Job, index: number, text: string, atMs: number): void;
  /**
   * The engine finished the request here (its last token was reported); a real engine says why
   * and how many tokens it generated.
   */
  finished(job: Job, atMs: number, reported?: EngineReport): void;
  /** The request failed on the engine. */
  failed(job: Job, code: ErrorCode, message: string): void;
  /** This agent's part is done without an outcome (its KV was handed to a peer). */
  handedOff(job: Job): void;
  /** Sends a KV hand-off notice to a peer agent. */
  kv(toInstanceId: string, notice: KvHandoffNotice): void;
  /** Runs `fn` after `fleetDelayMs`, unless the job ends first. */
  later(job: Job, fleetDelayMs: number, fn: () => void): void;
  /** Runs `fn` after `fleetDelayMs` (not tied to a job); returns a cancel function. */
  setTimer(fleetDelayMs: number, fn: () => void): () => void;
  /** Fleet ms now. */
  nowMs(): number;
  /** The set of requests on the engine changed (a state snapshot is due). */
  changed(): void;
  /** One engine iteration, for online calibration. */
  iteration(observation: IterationObservation): void;
  /** A preemption happened (for metrics). */
  preempted(): void;
  warn(fields: Record<string, unknown>, message: string): void;
}
