/**
 * Admission control: one layer in front of every policy, used by the simulator and by the live
 * fleet's balancers alike. It sees what every policy sees — the (stale) cluster view, the
 * request's prompt length and its TTFT target — and nothing about the request's true output.
 * Modes:
 *
 * - `none` (live alias `off`): place everything.
 * - `slo`: refuse only what is clearly hopeless — a request whose best predicted TTFT over every
 *   ready instance is above `slack` × its TTFT target (default 4×), or a fleet whose every ready
 *   instance already queues `maxQueue` requests (default 256). A burst an engine works off in a
 *   second or two is queued and served, as vLLM would.
 * - `strict`: `slo`, and also refuse what the policy itself predicts misses its SLO on every
 *   candidate (AdaGen's `hopeless`; a policy that predicts no latency never sets it).
 * - `saturation`: llm-d's saturation detector (gateway-api-inference-extension,
 *   `pkg/epp/saturationdetector`, defaults `QueueDepthThreshold` 5 and `KVCacheUtilThreshold`
 *   0.8): the fleet is saturated when every ready instance has a waiting queue of at least 5 or
 *   a KV-cache utilisation of at least 0.8; a saturated fleet refuses. (llm-d sheds only
 *   sheddable requests and also treats stale metrics as saturated; here every request of
 *   priority ≤ 0 is sheddable and the view's staleness is the simulator's snapshot period.)
 *
 * Priority (`x-priority` live; always 0 in the simulator): a request above 0 is never refused
 * (except by `slo`/`strict` when every queue is full); one below 0 is refused by the SLO rule at
 * half the slack.
 *
 * The predicted TTFT is a cheap bound any policy can use: the time the instance needs to work off
 * the prefill queued on it at its full token budget, plus the request's own prefill on an idle
 * instance.
 */
import type { LatencyModel } from '@adagen/engine';
import { queuedPrefillTokens } from './baselines/signals.js';
import { idleTtftMs } from './slo.js';
import type { ClusterView, InstanceView } from './types.js';

export const ADMISSION_MODES = ['none', 'slo', 'strict', 'saturation'] as const;
export type AdmissionMode = (typeof ADMISSION_MODES)[number];

/** Names accepted on flags and config: the modes, and `off` (the live fleet's name for `none`). */
export const ADMISSION_MODE_NAMES = [...ADMISSION_MODES, 'off'] as const;
export type AdmissionModeName = (typeof ADMISSION_MODE_NAMES)[number];

/** The mode a name stands for (`off` is `none`); undefined for an unknown name. */
export function admissionMode(name: string): AdmissionMode | undefined {
  if (name === 'off') return 'none';
  return (ADMISSION_MODES as readonly string[]).includes(name)
    ? (name as AdmissionMode)
    : undefined;
}

export interface SaturationThresholds {
  /** An instance with at least this many waiting requests is saturated. @default 5 */
  readonly queueDepth: number;
  /** An instance with at least this share of its KV blocks used is saturated. @default 0.8 */
  readonly kvUtilization: number;
}

export interface AdmissionOptions {
  readonly mode: AdmissionMode;
  /** `slo`/`strict`: refuse when the best predicted TTFT is above this many times the target. @default 4 */
  readonly slack: number;
  /** `slo`/`strict`: refuse when every ready instance queues at least this many requests. @default 256 */
  readonly maxQueue: number;
  /** `saturation`: llm-d's detector thresholds. @default { queueDepth: 5, kvUtilization: 0.8 } */
  readonly saturation: SaturationThresholds;
}

export const DEFAULT_SATURATION: SaturationThresholds = Object.freeze({
  queueDepth: 5,
  kvUtilization: 0.8,
});

export const DEFAULT_ADMISSION: AdmissionOptions = Object.freeze({
  mode: 'slo',
  slack: 4,
  maxQueue: 256,
  saturation: DEFAULT_SATURATION,
});

/** The latency model of an instance's profile (by the name in its view), if known. */
export type ModelOf = (profile: string) => LatencyModel | undefined;

/** Requests waiting on an instance: its waiting queue plus placements not yet delivered. */
export function queueDepth(v: InstanceView): number {
  return v.snapshot.waiting.length + v.pending.length;
}

/** Share of the instance's KV blocks in use. */
export function kvUtilization(v: InstanceView): number {
  const total = v.snapshot.kv.totalBlocks;
  return total > 0 ? v.snapshot.kv.usedBlocks / total : 1;
}

/**
 * Ms until an instance has worked off the prefill queued on it (waiting and partly prefilled
 * requests plus pending placements), at full token budget alongside its decodes.
 */
export function drainMs(v: InstanceView, modelOf: ModelOf): number {
  const queued = queuedPrefillTokens(v);
  if (queued === 0) return 0;
  const budget = Math.max(1, v.snapshot.config.maxNumBatchedTokens);
  let decodes = 0;
  for (const r of v.snapshot.running) if (r.phase === 'decoding') decodes += 1;
  const iterationMs = modelOf(v.profile)?.iterationMsOf(budget, 0, decodes, 0, decodes + 1) ?? 50;
  return Math.ceil(queued / budget) * iterationMs;
}

/** When a refused request may be admitted: the soonest any ready instance drains (ms). */
export function backlogMs(view: ClusterView, modelOf: ModelOf): number {
  let best = Number.POSITIVE_INFINITY;
  for (const v of view.instances)
    if (v.status === 'ready') best = Math.min(best, drainMs(v, modelOf));
  return Number.isFinite(best) ? best : 0;
}

/** A cheap TTFT prediction of a `promptTokens` request on `v`: its queue, then its prefill. */
export function boundTtftMs(v: InstanceView, promptTokens: number, modelOf: ModelOf): number {
  const model = modelOf(v.profile);
  const own =
    model === undefined
      ? 0
      : idleTtftMs(promptTokens, model, {
          maxNumBatchedTokens: v.snapshot.config.maxNumBatchedTokens,
          enableChunkedPrefill: v.snapshot.config.enableChunkedPrefill,
        });
  return drainMs(v, modelOf) + own;
}

/** llm-d's per-endpoint saturation test (queue depth or KV utilisation at its threshold). */
export function saturated(v: InstanceView, t: SaturationThresholds): boolean {
  return queueDepth(v) >= t.queueDepth || kvUtilization(v) >= t.kvUtilization;
}

export type AdmissionReason = 'slo' | 'queue' | 'policy' | 'saturation';

export type AdmissionVerdict =
  | { readonly admit: true }
  | { readonly admit: false; readonly reason: AdmissionReason; readonly why: string };

export interface AdmissionRequest {
  readonly promptTokens: number;
  readonly ttftTargetMs: number;
  /** The policy predicts a miss on every candidate (used by `strict` only). */
  readonly hopeless: boolean;
  /** @default 0 */
  readonly priority?: number;
}

const ADMIT: AdmissionVerdict = Object.freeze({ admit: true });

/** Whether to take a request. */
export function admission(
  o: AdmissionOptions,
  view: ClusterView,
  request: AdmissionRequest,
  modelOf: ModelOf,
): AdmissionVerdict {
  if (o.mode === 'none') return ADMIT;
  const ready = view.instances.filter((v) => v.status === 'ready');
  if (ready.length === 0) return ADMIT; // the policy answers no_instance
  const priority = request.priority ?? 0;
  if (o.mode === 'saturation') {
    if (priority > 0 || !ready.every((v) => saturated(v, o.saturation))) return ADMIT;
    return {
      admit: false,
      reason: 'saturation',
      why: `every instance is saturated (waiting queue ≥ ${o.saturation.queueDepth} or KV ≥ ${Math.round(o.saturation.kvUtilization * 100)} %)`,
    };
  }
  if (ready.every((v) => queueDepth(v) >= o.maxQueue))
    return {
      admit: false,
      reason: 'queue',
      why: `every instance queues ${o.maxQueue} or more requests`,
    };
  if (priority > 0) return ADMIT;
  const slack = priority < 0 ? o.slack / 2 : o.slack;
  let bestMs = Number.POSITIVE_INFINITY;
  for (const v of ready) bestMs = Math.min(bestMs, boundTtftMs(v, request.promptTokens, modelOf));
  if (bestMs > slack * request.ttftTargetMs)
    return {
      admit: false,
      reason: 'slo',
      why: `its TTFT is predicted at ${Math.round(bestMs)} ms at best, over ${slack} × its ${Math.round(request.ttftTargetMs)} ms target`,
    };
  if (o.mode === 'strict' && request.hopeless)
    return {
      admit: false,
      reason: 'policy',
      why: 'the policy predicts it misses its SLO on every instance',
    };
  return ADMIT;
}
