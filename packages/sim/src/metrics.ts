/**
 * Per-request metrics, kept in typed arrays indexed by the request's position in the workload
 * (no per-token objects). Token gaps are pooled in a Float32 buffer for exact TBT percentiles.
 *
 * Definitions (see README "Metrics"):
 * - TTFT = first token − arrival (arrival = when the request entered the system, before the
 *   control-plane delay).
 * - TBT = every gap between consecutive tokens of a request; TPOT = (last − first) / (n − 1).
 * - E2E = last token − arrival; queueing = first admission on any instance − arrival.
 */
import type { PlanKind } from '@adagen/scheduler';
import { FloatBuffer } from './float-buffer.js';

export const planKinds = ['single', 'pd-split', 'split-prefill'] as const satisfies PlanKind[];
const planCode: Record<PlanKind, number> = { single: 0, 'pd-split': 1, 'split-prefill': 2 };

export class RequestMetrics {
  readonly count: number;
  readonly arrivalMs: Float64Array;
  readonly outputTokens: Int32Array;
  readonly firstTokenMs: Float64Array;
  readonly lastTokenMs: Float64Array;
  readonly tokens: Int32Array;
  readonly firstAdmitMs: Float64Array;
  readonly preemptions: Int32Array;
  readonly maxGapMs: Float32Array;
  readonly ttftSloMs: Float64Array;
  readonly tpotSloMs: Float64Array;
  /** Per-request TBT p99 targets (NaN without a TBT SLO). */
  readonly tbtSloMs: Float64Array;
  /** Index into `planKinds`, −1 before the decision. */
  readonly plan: Int8Array;
  /** Instance index the balancer chose (−1 before the decision). */
  readonly placedOn: Int32Array;
  /** Decode instance index of a distributed plan (−1 for `single`). */
  readonly decodeOn: Int32Array;
  /** 1 when an instance dropped the request (it could never run there). */
  readonly rejected: Uint8Array;
  /** Prompt tokens found in the prefix cache at the first admission (−1 before it). */
  readonly cachedTokens: Int32Array;
  /** The policy's predicted TTFT for the request (NaN when it made none). */
  readonly predictedTtftMs: Float64Array;
  /** 1 when admission control refused the request (never placed). */
  readonly shed: Uint8Array;
  /** 1 when the client gave up: no first token by its deadline (cancelled everywhere). */
  readonly abandoned: Uint8Array;
  readonly gapsMs = new FloatBuffer(1 << 16);
  /** The request index of each gap in `gapsMs` (exact in float32 below 2^24 requests). */
  readonly gapOwners = new FloatBuffer(1 << 16);
  finished = 0;
  rejectedCount = 0;
  shedCount = 0;
  abandonedCount = 0;

  constructor(requests: ReadonlyArray<{ arrivalMs: number; outputTokens: number }>) {
    const n = requests.length;
    this.count = n;
    this.arrivalMs = Float64Array.from(requests, (r) => r.arrivalMs);
    this.outputTokens = Int32Array.from(requests, (r) => r.outputTokens);
    this.firstTokenMs = new Float64Array(n).fill(Number.NaN);
    this.lastTokenMs = new Float64Array(n).fill(Number.NaN);
    this.tokens = new Int32Array(n);
    this.firstAdmitMs = new Float64Array(n).fill(Number.NaN);
    this.preemptions = new Int32Array(n);
    this.maxGapMs = new Float32Array(n);
    this.ttftSloMs = new Float64Array(n).fill(Number.NaN);
    this.tpotSloMs = new Float64Array(n).fill(Number.NaN);
    this.tbtSloMs = new Float64Array(n).fill(Number.NaN);
    this.plan = new Int8Array(n).fill(-1);
    this.rejected = new Uint8Array(n);
    this.shed = new Uint8Array(n);
    this.abandoned = new Uint8Array(n);
    this.placedOn = new Int32Array(n).fill(-1);
    this.decodeOn = new Int32Array(n).fill(-1);
    this.cachedTokens = new Int32Array(n).fill(-1);
    this.predictedTtftMs = new Float64Array(n).fill(Number.NaN);
  }

  /** Returns false when the request was already marked rejected. */
  reject(i: number): boolean {
    if (this.rejected[i] === 1) return false;
    this.rejected[i] = 1;
    this.rejectedCount += 1;
    return true;
  }

  /** Admission refused request `i`. */
  shedRequest(i: number): void {
    if (this.shed[i] === 1) return;
    this.shed[i] = 1;
    this.shedCount += 1;
  }

  /**
   * Request `i` reached its deadline: abandoned if it has no first token yet and is still in
   * the system (not shed, not rejected). Returns true when it was abandoned.
   */
  abandon(i: number): boolean {
    if (this.tokens[i]! > 0 || this.shed[i] === 1 || this.rejected[i] === 1) return false;
    if (this.abandoned[i] === 1) return false;
    this.abandoned[i] = 1;
    this.abandonedCount += 1;
    return true;
  }

  setPlan(i: number, kind: PlanKind, placedOn: number, decodeOn = -1): void {
    this.plan[i] = planCode[kind];
    this.placedOn[i] = placedOn;
    this.decodeOn[i] = decodeOn;
  }

  setSlo(i: number, ttftMs: number, tpotMs: number, tbtMs = Number.NaN): void {
    this.ttftSloMs[i] = ttftMs;
    this.tpotSloMs[i] = tpotMs;
    this.tbtSloMs[i] = tbtMs;
  }

  admitted(i: number, atMs: number, cachedTokens = 0): void {
    if (Number.isNaN(this.firstAdmitMs[i]!)) this.firstAdmitMs[i] = atMs;
    if (this.cachedTokens[i]! < 0) this.cachedTokens[i] = cachedTokens;
  }

  preempted(i: number): void {
    this.preemptions[i]! += 1;
  }

  /**
   * Token `index` of request `i` at `atMs`. Tokens already counted (a re-emission) are ignored.
   * Returns true when this token completes the request.
   */
  token(i: number, index: number, atMs: number): boolean {
    const have = this.tokens[i]!;
    if (index < have) return false;
    if (have === 0) {
      this.firstTokenMs[i] = atMs;
    } else {
      const gap = atMs - this.lastTokenMs[i]!;
      this.gapsMs.push(gap);
      this.gapOwners.push(i);
      if (gap > this.maxGapMs[i]!) this.maxGapMs[i] = gap;
    }
    this.lastTokenMs[i] = atMs;
    this.tokens[i] = have + 1;
    if (have + 1 === this.outputTokens[i]!) {
      this.finished += 1;
      return true;
    }
    return false;
  }

  isFinished(i: number): boolean {
    return this.tokens[i]! >= this.outputTokens[i]!;
  }

  ttftMs(i: number): number {
    return this.firstTokenMs[i]! - this.arrivalMs[i]!;
  }

  /** TPOT of a finished request; 0 when it produced a single token. */
  tpotMs(i: number): number {
    const n = this.tokens[i]!;
    return n <= 1 ? 0 : (this.lastTokenMs[i]! - this.firstTokenMs[i]!) / (n - 1);
  }
}
