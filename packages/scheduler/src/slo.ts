/**
 * Latency SLOs per request. A target is either an absolute number of milliseconds or a multiple
 * of what the request would see on an idle instance of its profile (with a floor), so long
 * prompts get proportionally longer TTFT budgets. The simulator scores requests with this and the
 * AdaGen policy plans against the same numbers.
 */
import type { BatchFeatures } from '@adagen/engine';

export type SloTarget =
  { kind: 'absolute'; ms: number } | { kind: 'scale'; factor: number; floorMs: number };

export interface SloSpec {
  ttft: SloTarget;
  tpot: SloTarget;
  /**
   * Optional per-token gap target: a request meets it when the p99 of its own gaps between
   * tokens is within it (a scale target is relative to the idle TPOT). Scored by the simulator;
   * policies plan against TTFT and TPOT. @default none
   */
  tbt?: SloTarget;
}

export interface ResolvedSlo {
  ttftMs: number;
  tpotMs: number;
  /** With `SloSpec.tbt`: the bound on the p99 of the request's token gaps. */
  tbtMs?: number;
}

/** What the idle-latency maths needs from a latency model (the engine's `LatencyModel`). */
export interface IterationLatency {
  iterationMs(features: BatchFeatures): number;
}

/** What it needs from an engine configuration. */
export interface ChunkingConfig {
  maxNumBatchedTokens: number;
  enableChunkedPrefill: boolean;
}

/**
 * The default SLO: TTFT ≤ max(5 × idle TTFT, 250 ms), TPOT ≤ max(5 × idle TPOT, 50 ms).
 * Why these numbers is in packages/sim/README.md ("SLO defaults").
 */
export const defaultSloSpec: SloSpec = Object.freeze({
  ttft: Object.freeze({ kind: 'scale', factor: 5, floorMs: 250 } as const),
  tpot: Object.freeze({ kind: 'scale', factor: 5, floorMs: 50 } as const),
});

/**
 * TTFT of `promptTokens` alone on an idle instance: the prompt in chunks of at most
 * `maxNumBatchedTokens` (one chunk when chunked prefill is off), each chunk one iteration, summed.
 */
export function idleTtftMs(
  promptTokens: number,
  model: IterationLatency,
  config: ChunkingConfig,
): number {
  const budget = config.enableChunkedPrefill
    ? Math.max(1, config.maxNumBatchedTokens)
    : Math.max(1, promptTokens);
  let done = 0;
  let totalMs = 0;
  do {
    const p = Math.min(budget, promptTokens - done);
    totalMs += model.iterationMs({
      prefillTokens: p,
      prefillAttnWork: p * (done + p / 2),
      decodeRequests: 0,
      decodeContextTokens: 0,
      numSeqs: 1,
    });
    done += p;
  } while (done < promptTokens);
  return totalMs;
}

/** TPOT on an idle instance: one decode step alone at context = prompt length. */
export function idleTpotMs(promptTokens: number, model: IterationLatency): number {
  return model.iterationMs({
    prefillTokens: 0,
    prefillAttnWork: 0,
    decodeRequests: 1,
    decodeContextTokens: promptTokens,
    numSeqs: 1,
  });
}

function resolveTarget(target: SloTarget, idleMs: () => number): number {
  switch (target.kind) {
    case 'absolute':
      return target.ms;
    case 'scale':
      return Math.max(target.factor * idleMs(), target.floorMs);
  }
}

/** The request's TTFT and TPOT budgets under `spec`. */
export function resolveSlo(
  spec: SloSpec,
  request: { promptTokens: number },
  model: IterationLatency,
  config: ChunkingConfig,
): ResolvedSlo {
  const slo: ResolvedSlo = {
    ttftMs: resolveTarget(spec.ttft, () => idleTtftMs(request.promptTokens, model, config)),
    tpotMs: resolveTarget(spec.tpot, () => idleTpotMs(request.promptTokens, model)),
  };
  if (spec.tbt) slo.tbtMs = resolveTarget(spec.tbt, () => idleTpotMs(request.promptTokens, model));
  return slo;
}

/** Parse a CLI-style target: `250ms` / `250` (absolute) or `5x` / `5x:250` (scale, floor ms). */
export function parseSloTarget(text: string, defaultFloorMs: number): SloTarget | undefined {
  const scale = /^(\d+(?:\.\d+)?)x(?::(\d+(?:\.\d+)?)(?:ms)?)?$/i.exec(text.trim());
  if (scale) {
    const factor = Number(scale[1]);
    const floorMs = scale[2] === undefined ? defaultFloorMs : Number(scale[2]);
    return factor > 0 ? { kind: 'scale', factor, floorMs } : undefined;
  }
  const abs = /^(\d+(?:\.\d+)?)(?:ms)?$/i.exec(text.trim());
  if (abs) {
    const ms = Number(abs[1]);
    return ms > 0 ? { kind: 'absolute', ms } : undefined;
  }
  return undefined;
}

/**
 * Both targets multiplied by `factor` (DistServe's "SLO scale": one factor scaling every target,
 * tight below 1, loose above): a scaled target's factor and floor, an absolute target's ms.
 * @throws RangeError for a factor that is not a positive finite number
 */
export function scaleSloSpec(spec: SloSpec, factor: number): SloSpec {
  if (!(Number.isFinite(factor) && factor > 0)) {
    throw new RangeError(`SLO scale must be a positive number, got ${factor}`);
  }
  const scale = (t: SloTarget): SloTarget =>
    t.kind === 'absolute'
      ? { kind: 'absolute', ms: t.ms * factor }
      : { kind: 'scale', factor: t.factor * factor, floorMs: t.floorMs * factor };
  return {
    ttft: scale(spec.ttft),
    tpot: scale(spec.tpot),
    ...(spec.tbt ? { tbt: scale(spec.tbt) } : {}),
  };
}
