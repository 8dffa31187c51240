/**
 * SLO-aware admission control for the live fleet. AdaGen's balancer predicts, per request,
 * whether it misses its SLO on every candidate instance (`Placement.hopeless`). The simulator
 * sacrifices such a request (places it where it hurts the others least); the live balancer,
 * with admission on, refuses it instead: the gateway answers 429 `overloaded` with a
 * `Retry-After` from the fleet's predicted backlog, so the requests it accepts keep meeting
 * their SLOs and the backlog cannot grow without bound.
 */
import { LatencyModel } from '@adagen/engine';
import { queuedPrefillTokens } from '@adagen/scheduler';
import type { ClusterView, InstanceView } from '@adagen/scheduler';
import { findProfile } from './profiles.js';

/** `slo`: refuse requests predicted to miss their SLO everywhere; `off`: place everything. */
export const ADMISSION_MODES = ['slo', 'off'] as const;
export type AdmissionMode = (typeof ADMISSION_MODES)[number];

const models = new Map<string, LatencyModel | undefined>();

function modelOf(profile: string): LatencyModel | undefined {
  if (!models.has(profile)) {
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
