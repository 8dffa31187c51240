/**
 * Class-based candidate pools (the "candidates for the request's class" of the balance step).
 * Prompts of very different sizes share FCFS prefill queues badly: a short prompt behind a long
 * one waits for all of it. Size-interval assignment (SITA, Harchol-Balter et al.) gives each size
 * class its own servers, sized by the share of the work that class brings; here the two prefill
 * classes get pools of instances in proportion to their recent share of prompt tokens, and the
 * boundary moves with the workload (the class thresholds adapt, and so does the share).
 */
import type { Classification, InstanceView } from '../types.js';

export interface ClassPoolsOptions {
  /**
   * Prompt tokens remembered for the work shares (exponential decay half-life, in tokens).
   * @default 2_000_000
   */
  halfLifeTokens?: number;
}

export class ClassPools {
  private longTokens = 0;
  private totalTokens = 0;
  private readonly decay: number;

  constructor(options: ClassPoolsOptions = {}) {
    const half = options.halfLifeTokens ?? 2_000_000;
    this.decay = Math.log(2) / half;
  }

  /** Records a classified request's prompt in the work shares. */
  observe(c: Classification): void {
    const p = c.request.promptTokens;
    const keep = Math.exp(-this.decay * p);
    this.longTokens = this.longTokens * keep + (c.prefill === 'long' ? p : 0);
    this.totalTokens = this.totalTokens * keep + p;
  }

  /** Share of recent prompt tokens from long prompts (0.5 before anything was seen). */
  longShare(): number {
    return this.totalTokens > 0 ? this.longTokens / this.totalTokens : 0.5;
  }

  /**
   * Splits the ready instances (in their listed order) into the pool for `c`'s class and the
   * rest: the first round(n × long share) (at least one) are the long pool. The short pool is
   * empty when short prompts bring under half an instance's worth of the work: reserving an
   * instance for a class that barely uses it would idle it while long prompts queue (short
   * prompts may use every instance anyway). With fewer than two instances there is one pool.
   */
  split(
    ready: readonly InstanceView[],
    c: Classification,
  ): { own: InstanceView[]; other: InstanceView[] } {
    const n = ready.length;
    if (n < 2) return { own: [...ready], other: [] };
    const longCount = Math.min(n, Math.max(1, Math.round(n * this.longShare())));
    const longPool = ready.slice(0, longCount);
    const shortPool = ready.slice(longCount);
    return c.prefill === 'long'
      ? { own: longPool, other: shortPool }
      : { own: shortPool, other: longPool };
  }
}
