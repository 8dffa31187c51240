/**
 * Admission control for the live fleet, in front of every policy (each one gets the same right to
 * refuse). Modes:
 *
 * - `slo` (default): refuse only what is clearly hopeless — a request whose best predicted TTFT
 *   over every ready instance is above `slack` × its TTFT target (default 4×), or a fleet whose
 *   every ready instance already queues `maxQueue` requests (default 256). A burst that an
 *   engine would work off in a second or two is queued and served, as vLLM would.
 * - `strict`: also refuse what the policy itself predicts misses its SLO on every candidate
 *   (AdaGen's `hopeless`): the accepted requests keep their SLO, at the price of shedding early.
 * - `off`: place everything, as the simulator does.
 *
 * Priority (`x-priority`): a request above 0 is never refused by the SLO rule (only when every
 * queue is full); one below 0 is refused at half the slack.
 *
 * The predicted TTFT here is a cheap bound any policy can use: the time the instance needs to
 * work off the prefill queued on it at its full token budget, plus the request's own prefill on
 * an idle instance. Refused requests get 429 `overloaded` with `Retry-After` from the soonest a
 * ready instance drains its queue.
 */
import { LatencyModel } from '@adagen/engine';
import { idleTtftMs, queuedPrefillTokens, resolveSlo } from '@adagen/scheduler';
import type { ClusterView, InstanceView, SloSpec } from '@adagen/scheduler';
import { findProfile } from './profiles.js';

export const ADMISSION_MODES = ['slo', 'strict', 'off'] as const;
export type AdmissionMode = (typeof ADMISSION_MODES)[number];

export interface AdmissionOptions {
  readonly mode: AdmissionMode;
  /** `slo`: refuse when the best predicted TTFT is above this many times the target. */
  readonly slack: number;
  /** Refuse when every ready instance queues at least this many requests. */
  readonly maxQueue: number;
}

export const DEFAULT_ADMISSION: AdmissionOptions = Object.freeze({
  mode: 'slo',
  slack: 4,
  maxQueue: 256,
});

const models = new Map<string, LatencyModel | undefined>();

function modelOf(profile: string): LatencyModel | undefined {
  if (!models.has(profile)) {
    // Calibrated profiles come and go under new names: keep the cache small.
    if (models.size > 256) models.clear();
    const p = findProfile(profile);
    models.set(profile, p === undefined ? undefined : new LatencyModel(p));
  }
  return models.get(profile);
}

/**
 * Fleet ms until an instance has worked off the prefill queued on it (waiting and partly
 * prefilled requests plus pending placements), at full token budget alongside its decodes.
 */
export function drainMs(v: InstanceView): number {
  const queued = queuedPrefillTokens(v);
  if (queued === 0) return 0;
  const budget = Math.max(1, v.snapshot.config.maxNumBatchedTokens);
  const decodes = v.snapshot.running.filter((r) => r.phase === 'decoding').length;
  const model = modelOf(v.profile);
  const iterationMs = model?.iterationMsOf(budget, 0, decodes, 0, decodes + 1) ?? 50;
  return Math.ceil(queued / budget) * iterationMs;
}

/** When a refused request may be admitted: the soonest any ready instance drains (fleet ms). */
export function backlogMs(view: ClusterView): number {
  let best = Number.POSITIVE_INFINITY;
  for (const v of view.instances) if (v.status === 'ready') best = Math.min(best, drainMs(v));
  return Number.isFinite(best) ? best : 0;
}

/** A cheap TTFT prediction of a `promptTokens` request on `v`: its queue, then its prefill. */
export function boundTtftMs(v: InstanceView, promptTokens: number): number {
  const model = modelOf(v.profile);
  const own =
    model === undefined
      ? 0
      : idleTtftMs(promptTokens, model, {
          maxNumBatchedTokens: v.snapshot.config.maxNumBatchedTokens,
          enableChunkedPrefill: v.snapshot.config.enableChunkedPrefill,
        });
  return drainMs(v) + own;
}

export type AdmissionVerdict =
  | { readonly admit: true }
  | { readonly admit: false; readonly reason: 'slo' | 'queue' | 'policy'; readonly why: string };

/**
 * Whether to take a request: `ttftTargetMs` is its TTFT target; `hopeless` says the policy
 * predicts it misses its SLO on every candidate (used by `strict` only).
 */
export function admission(
  o: AdmissionOptions,
  view: ClusterView,
  request: { promptTokens: number; ttftTargetMs: number; hopeless: boolean; priority?: number },
): AdmissionVerdict {
  if (o.mode === 'off') return { admit: true };
  const ready = view.instances.filter((v) => v.status === 'ready');
  if (ready.length === 0) return { admit: true }; // the policy answers no_instance
  const queueOf = (v: InstanceView) => v.snapshot.waiting.length + v.pending.length;
  if (ready.every((v) => queueOf(v) >= o.maxQueue))
    return {
      admit: false,
      reason: 'queue',
      why: `every instance queues ${o.maxQueue} or more requests`,
    };
  const priority = request.priority ?? 0;
  if (priority > 0) return { admit: true };
  const slack = priority < 0 ? o.slack / 2 : o.slack;
  const bestMs = Math.min(...ready.map((v) => boundTtftMs(v, request.promptTokens)));
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
  return { admit: true };
}

/**
 * A request's SLO targets: the client's (`x-slo-ttft-ms`, `x-slo-tpot-ms`), else the fleet's SLO
 * resolved for its prompt on instance `v`'s profile.
 */
export function sloTargets(
  spec: SloSpec,
  request: { promptTokens: number; slo?: { ttftMs?: number; tpotMs?: number } },
  v: InstanceView | undefined,
): { ttftMs: number; tpotMs: number } {
  const model = v === undefined ? undefined : modelOf(v.profile);
  const fleet =
    v === undefined || model === undefined
      ? {
          ttftMs: spec.ttft.kind === 'absolute' ? spec.ttft.ms : spec.ttft.floorMs,
          tpotMs: spec.tpot.kind === 'absolute' ? spec.tpot.ms : spec.tpot.floorMs,
        }
      : resolveSlo(spec, request, model, {
          maxNumBatchedTokens: v.snapshot.config.maxNumBatchedTokens,
          enableChunkedPrefill: v.snapshot.config.enableChunkedPrefill,
        });
  return {
    ttftMs: request.slo?.ttftMs ?? fleet.ttftMs,
    tpotMs: request.slo?.tpotMs ?? fleet.tpotMs,
  };
}

/** A request's TTFT target (see {@link sloTargets}). */
export function ttftTargetMs(
  spec: SloSpec,
  request: { promptTokens: number; slo?: { ttftMs?: number } },
  v: InstanceView | undefined,
): number {
  return sloTargets(spec, request, v).ttftMs;
}
