/**
 * Online decode-length predictor. Completed requests feed per-bucket windows of observed output
 * lengths, bucketed by log2 of the prompt length (the moving-histogram idea AIBrix uses) and
 * kept per model/tenant key when one is known. A prediction reads the most specific window with
 * enough samples, falling back to coarser ones and finally to a cold-start prior, and is capped
 * by the request's `max_tokens`.
 */
import { SlidingQuantiles } from './sliding-quantiles.js';

export interface LengthPredictorOptions {
  /**
   * Observations kept per window.
   * @default 256
   */
  windowSize?: number;
  /**
   * Samples a window needs before it is trusted over a coarser one.
   * @default 12
   */
  minSamples?: number;
  /**
   * Which statistic is the point prediction: a quantile in (0,1), or 'mean'.
   * @default 0.5
   */
  statistic?: number | 'mean';
  /**
   * Output length predicted before anything was observed.
   * @default 128
   */
  priorOutputTokens?: number;
}

export interface LengthQuery {
  promptTokens: number;
  maxTokens?: number;
  tenant?: string;
  model?: string;
}

export interface LengthObservation extends LengthQuery {
  outputTokens: number;
}

export type PredictionSource = 'key-bucket' | 'key' | 'bucket' | 'global' | 'prior';

export interface LengthPrediction {
  /** The point prediction, capped by maxTokens, at least 1. */
  outputTokens: number;
  /** Window quantiles (uncapped), NaN from the prior. */
  p50: number;
  p90: number;
  source: PredictionSource;
  samples: number;
}

const GLOBAL = '*';

export class LengthPredictor {
  private readonly windows = new Map<string, SlidingQuantiles>();
  private readonly windowSize: number;
  private readonly minSamples: number;
  private readonly statistic: number | 'mean';
  private readonly priorOutputTokens: number;

  constructor(options: LengthPredictorOptions = {}) {
    this.windowSize = options.windowSize ?? 256;
    this.minSamples = options.minSamples ?? 12;
    this.statistic = options.statistic ?? 0.5;
    this.priorOutputTokens = options.priorOutputTokens ?? 128;
    if (typeof this.statistic === 'number' && !(this.statistic > 0 && this.statistic < 1)) {
      throw new RangeError(
        `statistic must be 'mean' or a quantile in (0,1), got ${this.statistic}`,
      );
    }
    if (!(this.priorOutputTokens >= 1)) {
      throw new RangeError(`priorOutputTokens must be >= 1, got ${this.priorOutputTokens}`);
    }
  }

  observe(o: LengthObservation): void {
    if (!(o.outputTokens >= 1) || !(o.promptTokens >= 0)) return;
    const key = keyOf(o);
    const bucket = bucketOf(o.promptTokens);
    const names = [`${GLOBAL}|${bucket}`, `${GLOBAL}|`];
    if (key !== GLOBAL) names.push(`${key}|${bucket}`, `${key}|`);
    for (const name of names) this.window(name).add(o.outputTokens);
  }

  predict(q: LengthQuery): LengthPrediction {
    const key = keyOf(q);
    const bucket = bucketOf(q.promptTokens);
    const order: Array<[string, PredictionSource]> = [];
    if (key !== GLOBAL) order.push([`${key}|${bucket}`, 'key-bucket'], [`${key}|`, 'key']);
    order.push([`${GLOBAL}|${bucket}`, 'bucket'], [`${GLOBAL}|`, 'global']);
    for (const [name, source] of order) {
      const w = this.windows.get(name);
      if (w && w.size >= this.minSamples) return this.fromWindow(w, source, q.maxTokens);
    }
    return {
      outputTokens: cap(this.priorOutputTokens, q.maxTokens),
      p50: Number.NaN,
      p90: Number.NaN,
      source: 'prior',
      samples: 0,
    };
  }

  private fromWindow(
    w: SlidingQuantiles,
    source: PredictionSource,
    maxTokens: number | undefined,
  ): LengthPrediction {
    const point = this.statistic === 'mean' ? w.mean() : w.quantile(this.statistic);
    return {
      outputTokens: cap(point, maxTokens),
      p50: w.quantile(0.5),
      p90: w.quantile(0.9),
      source,
      samples: w.size,
    };
  }

  private window(name: string): SlidingQuantiles {
    let w = this.windows.get(name);
    if (!w) {
      w = new SlidingQuantiles(this.windowSize);
      this.windows.set(name, w);
    }
    return w;
  }
}

/** log2 bucket of a prompt length: 0 for ≤ 1 token, 1 for 2–3, 2 for 4–7, … */
export function bucketOf(promptTokens: number): number {
  return promptTokens <= 1 ? 0 : Math.floor(Math.log2(promptTokens));
}

function keyOf(q: LengthQuery): string {
  if (q.tenant === undefined && q.model === undefined) return GLOBAL;
  return `${q.model ?? ''}/${q.tenant ?? ''}`;
}

function cap(value: number, maxTokens: number | undefined): number {
  const v = Math.max(1, Math.round(value));
  return maxTokens !== undefined && maxTokens >= 1 ? Math.min(v, maxTokens) : v;
}
