/**
 * Admission control for the live fleet: the one implementation in `@adagen/scheduler`
 * (`admission`; modes `none`/`off`, `slo`, `strict`, `saturation`, the same layer the simulator
 * applies in front of every policy), bound to the profiles the fleet knows (built-in, aliases and
 * agents' calibrated ones). Refused requests get 429 `overloaded` with `Retry-After` from the
 * soonest a ready instance drains its queue.
 */
import { LatencyModel } from '@adagen/engine';
import {
  admission as decideAdmission,
  backlogMs as backlogOf,
  boundTtftMs as boundOf,
  drainMs as drainOf,
  resolveSlo,
} from '@adagen/scheduler';
import type {
  AdmissionOptions,
  AdmissionRequest,
  AdmissionVerdict,
  ClusterView,
  InstanceView,
  SloSpec,
} from '@adagen/scheduler';
import { findProfile } from './profiles.js';

const models = new Map<string, LatencyModel | undefined>();

/** The latency model of a profile the fleet knows, cached. */
export function fleetModelOf(profile: string): LatencyModel | undefined {
  if (!models.has(profile)) {
    // Calibrated profiles come and go under new names: keep the cache small.
    if (models.size > 256) models.clear();
    const p = findProfile(profile);
    models.set(profile, p === undefined ? undefined : new LatencyModel(p));
  }
  return models.get(profile);
}

/** Fleet ms until an instance has worked off the prefill queued on it. */
export function drainMs(v: InstanceView): number {
  return drainOf(v, fleetModelOf);
}

/** When a refused request may be admitted: the soonest any ready instance drains (fleet ms). */
export function backlogMs(view: ClusterView): number {
  return backlogOf(view, fleetModelOf);
}

/** A cheap TTFT prediction of a `promptTokens` request on `v`: its queue, then its prefill. */
export function boundTtftMs(v: InstanceView, promptTokens: number): number {
  return boundOf(v, promptTokens, fleetModelOf);
}

/** Whether the fleet takes a request (see `admission` in `@adagen/scheduler`). */
export function admission(
  o: AdmissionOptions,
  view: ClusterView,
  request: AdmissionRequest,
): AdmissionVerdict {
  return decideAdmission(o, view, request, fleetModelOf);
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
  const model = v === undefined ? undefined : fleetModelOf(v.profile);
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
