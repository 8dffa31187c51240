import type { BatchFeatures } from '../types.js';
import type { LatencyProfile } from './profile.js';

/**
 * Per-iteration execution time of one engine step from its batch composition, with the
 * piecewise form of the calibration (`N = P + D`):
 *
 * `t = b0 + m0·N + b1·max(N−64,0) + b2·max(N−256,0) + b3·max(N−1024,0) + c2·X2 + c4·C
 *      + cpu.fixedMs + cpu.perSeqMs·numSeqs`
 *
 * The coefficients are copied into plain fields once, so `iterationMs` is a handful of
 * multiply-adds with no allocation (it runs once per simulated iteration).
 */
export class LatencyModel {
  readonly profileName: string;
  private readonly k1: number;
  private readonly k2: number;
  private readonly k3: number;
  private readonly b0: number;
  private readonly m0: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly b3: number;
  private readonly c2: number;
  private readonly c4: number;
  private readonly cpuFixedMs: number;
  private readonly cpuPerSeqMs: number;

  constructor(readonly profile: LatencyProfile) {
    const l = profile.latency;
    this.profileName = profile.name;
    [this.k1, this.k2, this.k3] = l.knots;
    this.b0 = l.b0;
    this.m0 = l.m0 ?? 0;
    this.b1 = l.b1;
    this.b2 = l.b2;
    this.b3 = l.b3;
    this.c2 = l.c2;
    this.c4 = l.c4;
    this.cpuFixedMs = profile.cpuOverhead.fixedMs;
    this.cpuPerSeqMs = profile.cpuOverhead.perSeqMs;
  }

  /** Duration (ms) of one iteration with this composition. Hot path: no allocation. */
  iterationMs(f: BatchFeatures): number {
    return this.iterationMsOf(
      f.prefillTokens,
      f.prefillAttnWork,
      f.decodeRequests,
      f.decodeContextTokens,
      f.numSeqs,
    );
  }

  /** Same as `iterationMs`, from the scalar features. */
  iterationMsOf(
    prefillTokens: number,
    prefillAttnWork: number,
    decodeRequests: number,
    decodeContextTokens: number,
    numSeqs: number,
  ): number {
    const n = prefillTokens + decodeRequests;
    let t = this.b0 + this.m0 * n + this.c2 * prefillAttnWork + this.c4 * decodeContextTokens;
    if (n > this.k1) t += this.b1 * (n - this.k1);
    if (n > this.k2) t += this.b2 * (n - this.k2);
    if (n > this.k3) t += this.b3 * (n - this.k3);
    return t + this.cpuFixedMs + this.cpuPerSeqMs * numSeqs;
  }

  /**
   * Time (ms) to prefill tokens [startToken, endToken) of one prompt alone on an idle instance,
   * in chunks of at most `chunkTokens` (each chunk attends to everything before it).
   */
  prefillAloneMs(startToken: number, endToken: number, chunkTokens = Infinity): number {
    let t = 0;
    for (let k = startToken; k < endToken;) {
      const p = Math.min(chunkTokens, endToken - k);
      t += this.iterationMsOf(p, p * (k + p / 2), 0, 0, 1);
      k += p;
    }
    return t;
  }
}
