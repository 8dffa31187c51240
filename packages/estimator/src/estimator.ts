import { RequestPhases } from '@adagen/engine';
import type { LatencyProfile, RequestProgress, SimInstance } from '@adagen/engine';
import { BaselineEntry } from './baseline.js';
import type { KnownRequest } from './baseline.js';
import { forecastLayout } from './forecast.js';
import type { ForecastLimits, LayoutForecast } from './forecast.js';
import { additionItem, runForward } from './forward.js';
import { outlook, violates } from './predict.js';
import { WindowRecorder } from './recorder.js';
import type { Addition, Estimate, InstanceInput, SloTargets } from './types.js';

export interface EstimatorOptions {
  /** Latency profile by name (the instance view names its profile). */
  profile(name: string): LatencyProfile;
  /** SLO targets of a request with this prompt length on this profile. */
  sloFor(promptTokens: number, profile: string): SloTargets;
  /**
   * Most iterations simulated per forward run.
   * @default 600
   */
  maxIterations?: number;
  /**
   * Furthest virtual time ahead of `now` a run may reach (ms).
   * @default 120_000
   */
  horizonMs?: number;
  /**
   * Decode tokens of the addition observed after its first token (its TPOT window).
   * @default 16
   */
  decodeWindowTokens?: number;
  /**
   * Output length assumed for a request with no prediction and no max_tokens.
   * @default 128
   */
  defaultOutputTokens?: number;
}

/**
 * Predicts compute layouts: from an instance's (stale) snapshot plus placements since, the
 * iterations ahead with and without a hypothetical addition, using the engine's own scheduler
 * and latency model. The present state of each instance is cached and moved forward between
 * decisions; each estimate forks it twice (with and without the addition) and runs only until
 * the addition's goal (first token plus a decode window, or its prefill) within a bounded
 * horizon. Baseline runs are cached per instance and time, so the balance and distribute steps
 * of one decision share them.
 */
export class LayoutEstimator {
  private readonly entries = new Map<string, BaselineEntry>();
  private readonly baselineRuns = new Map<
    string,
    { nowMs: number; untilMs: number; rec: WindowRecorder }
  >();
  private readonly maxIterations: number;
  private readonly horizonMs: number;
  private readonly decodeWindowTokens: number;
  private readonly defaultOutputTokens: number;
  /** Forward runs performed (for benchmarks). */
  runs = 0;
  /** Layouts with an addition estimated (calls of `estimate`; for tests and benchmarks). */
  estimates = 0;
  /** Cached instance states built from a snapshot (first sight or a new one; for benchmarks). */
  rebuilds = 0;
  /**
   * Engine iterations simulated, all runs together: estimates, baselines, and cached states
   * moved on to the decision's time (for benchmarks and metrics: the estimator's work).
   */
  iterations = 0;

  constructor(private readonly options: EstimatorOptions) {
    this.maxIterations = options.maxIterations ?? 600;
    this.horizonMs = options.horizonMs ?? 120_000;
    this.decodeWindowTokens = options.decodeWindowTokens ?? 16;
    this.defaultOutputTokens = options.defaultOutputTokens ?? 128;
  }

  /** The cached present state of `input` advanced to `nowMs`. */
  entry(input: InstanceInput, nowMs: number): BaselineEntry {
    let e = this.entries.get(input.id);
    if (e && e.matches(input)) {
      if (input.pending.length > e.pendingSeen) {
        e.addPending(input.pending);
        this.baselineRuns.delete(input.id);
      }
    } else {
      e = new BaselineEntry(input, this.options.profile(input.profile), (p) =>
        this.predictedOutput(p),
      );
      this.rebuilds++;
      this.entries.set(input.id, e);
      this.baselineRuns.delete(input.id);
    }
    this.iterations += e.advanceTo(nowMs);
    return e;
  }

  /** Forgets instances not in `ids` (e.g. removed from the cluster). */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) {
      if (!ids.has(id)) {
        this.entries.delete(id);
        this.baselineRuns.delete(id);
      }
    }
  }

  /**
   * The predicted layout of `input`'s next iterations from `nowMs` (no addition): prefill and
   * decode tokens per iteration, their durations, and each request's first token against its
   * TTFT target. @default 32 iterations within 30 s
   */
  forecast(
    input: InstanceInput,
    nowMs: number,
    limits: Partial<ForecastLimits> = {},
  ): LayoutForecast {
    return forecastLayout(
      this.entry(input, nowMs),
      nowMs,
      { iterations: limits.iterations ?? 32, horizonMs: limits.horizonMs ?? 30_000 },
      (promptTokens, profile) => this.options.sloFor(promptTokens, profile),
    );
  }

  /** Predicts the effect of `add` on instance `input` at `nowMs`. */
  estimate(input: InstanceInput, add: Addition, nowMs: number): Estimate {
    this.estimates++;
    const e = this.entry(input, nowMs);
    const recA = new WindowRecorder();
    const a = e.inst.clone(recA);
    const arrivals = e.future.copy();
    arrivals.add({ item: additionItem(add), atMs: add.arrivalMs });
    const reached = this.goalFor(add, recA);
    const giveUp = add.giveUpAtMs ?? Number.POSITIVE_INFINITY;
    const goal = Number.isFinite(giveUp)
      ? () => reached() || (a.clockMs > giveUp && (recA.windows.get(add.id)?.tokens ?? 0) === 0)
      : reached;
    const untilMs = nowMs + this.horizonMs;
    const runA = runForward(a, arrivals, goal, { maxIterations: this.maxIterations, untilMs });
    const reachedGoal = runA.reachedGoal && reached();
    this.runs++;
    this.iterations += runA.iterations;
    const endMs = Math.max(a.clockMs, nowMs);
    const recB = this.baselineRun(input.id, e, nowMs, endMs);

    const meanIterationMs = recA.iterations > 0 ? recA.busyMs / recA.iterations : 0;
    const fallbackB = recB.iterations > 0 ? recB.busyMs / recB.iterations : meanIterationMs;
    let newlyViolated = 0;
    let alreadyViolated = 0;
    let addedDelayMs = 0;
    for (const [id, k] of e.known) {
      if (!isLive(k)) continue;
      const slo = this.options.sloFor(k.promptTokens, input.profile);
      const oa = outlook(k, recA.windows.get(id), nowMs, meanIterationMs);
      const ob = outlook(k, recB.windows.get(id), nowMs, fallbackB);
      const va = violates(oa, slo);
      const vb = violates(ob, slo);
      if (vb) alreadyViolated++;
      else if (va) newlyViolated++;
      if (oa.finishAtMs > ob.finishAtMs) addedDelayMs += oa.finishAtMs - ob.finishAtMs;
    }

    const w = recA.windows.get(add.id);
    const origin = add.originArrivalMs ?? add.arrivalMs;
    const firstTokenAtMs = w && w.firstIndex >= 0 ? w.firstAtMs : Number.POSITIVE_INFINITY;
    const decodeTokens = w ? w.tokens - (w.firstIndex === 0 ? 1 : 0) : 0;
    const decodeStart = w && w.firstIndex === 0 ? w.firstAtMs : (w?.firstAtMs ?? 0);
    const tpotMs =
      w && decodeTokens >= 1 && w.lastAtMs > decodeStart
        ? (w.lastAtMs - decodeStart) / (w.firstIndex === 0 ? decodeTokens : decodeTokens - 1 || 1)
        : meanIterationMs;
    return {
      instanceId: input.id,
      nowMs,
      iterations: runA.iterations,
      horizonReached: !reachedGoal,
      firstTokenAtMs,
      prefillDoneAtMs: w?.prefillDoneAtMs ?? Number.POSITIVE_INFINITY,
      ttftMs: Number.isFinite(firstTokenAtMs)
        ? firstTokenAtMs - origin
        : endMs - origin + censoredFirstTokenMs(a, add.id, recA, meanIterationMs),
      tpotMs,
      newlyViolated,
      alreadyViolated,
      addedDelayMs,
      meanIterationMs,
    };
  }

  private goalFor(add: Addition, rec: WindowRecorder): () => boolean {
    const id = add.id;
    if (add.role === 'prefill' || add.role === 'segment') {
      return () => Number.isFinite(rec.windows.get(id)?.prefillDoneAtMs ?? Infinity);
    }
    const want = (add.role === 'decode' ? 0 : 1) + this.decodeWindowTokens;
    return () => {
      const w = rec.windows.get(id);
      return w !== undefined && (w.finished || w.tokens >= want);
    };
  }

  /** The no-addition run of instance `id` from `nowMs` to at least `untilMs` (cached). */
  private baselineRun(
    id: string,
    e: BaselineEntry,
    nowMs: number,
    untilMs: number,
  ): WindowRecorder {
    const cached = this.baselineRuns.get(id);
    if (cached && cached.nowMs === nowMs && cached.untilMs >= untilMs) return cached.rec;
    const rec = new WindowRecorder();
    const b = e.inst.clone(rec);
    const run = runForward(b, e.future.copy(), () => b.clockMs >= untilMs, {
      maxIterations: this.maxIterations * 2,
      untilMs: untilMs + 1,
    });
    this.runs++;
    this.iterations += run.iterations;
    this.baselineRuns.set(id, { nowMs, untilMs, rec });
    return rec;
  }

  private predictedOutput(p: {
    predictedOutputTokens?: number;
    maxTokens?: number;
    generatedTokens: number;
  }): number {
    const base =
      p.predictedOutputTokens ?? Math.min(p.maxTokens ?? Infinity, this.defaultOutputTokens);
    if (base > p.generatedTokens) return base;
    // Already past its prediction: expect it to run a while longer (longer the older it is).
    const more = Math.max(16, Math.round(0.3 * p.generatedTokens));
    return Math.min(p.maxTokens ?? Infinity, p.generatedTokens + more, 1_000_000);
  }
}

/**
 * Time from the end of a forward run that stopped before `id`'s first token (its give-up time,
 * iteration or horizon limit) to that first token: the prefill work still ahead of it in FCFS
 * order (requests admitted, then the queue up to and including it) at the prefill rate the run
 * showed, and at least one more iteration. Without this every candidate whose queue reaches
 * past the give-up time would look equally late, however deep its queue.
 */
function censoredFirstTokenMs(
  inst: SimInstance,
  id: string,
  rec: WindowRecorder,
  meanIterationMs: number,
): number {
  if (rec.prefillTokens <= 0 || rec.busyMs <= 0) return meanIterationMs;
  const snap = inst.snapshot();
  let ahead = 0;
  let found = false;
  for (const p of [...snap.running, ...snap.waiting]) {
    ahead += prefillLeft(p);
    if (p.id === id) {
      found = true;
      break;
    }
  }
  if (!found) return meanIterationMs;
  return Math.max(meanIterationMs, (ahead * rec.busyMs) / rec.prefillTokens);
}

/** Tokens of `p`'s current prefill pass not computed yet (0 once decoding or held). */
function prefillLeft(p: RequestProgress): number {
  if (p.phase !== RequestPhases.waiting && p.phase !== RequestPhases.prefilling) return 0;
  const pass =
    p.kind === 'segment'
      ? (p.endToken ?? p.promptTokens) - (p.startToken ?? 0)
      : p.kind === 'decode' && p.phase === RequestPhases.waiting && (p.preemptions ?? 0) === 0
        ? 0
        : p.promptTokens + p.generatedTokens;
  return Math.max(0, pass - p.prefilledTokens);
}

function isLive(k: KnownRequest): boolean {
  return k.kind === 'full' || k.kind === 'decode';
}
