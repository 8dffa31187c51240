/**
 * AdaGen's classify step: prompt length (given, or counted by the tokenizer upstream), predicted
 * decode length from the online `LengthPredictor`, and a class (short/long prefill × short/long
 * decode) whose thresholds follow the recent workload — each is a quantile of a sliding window
 * of recent prompt and output lengths, so "long" means long for this deployment right now.
 */
import type { Classification, Classifier, CompletionObservation, RequestInfo } from '../types.js';
import { LengthPredictor } from './length-predictor.js';
import type { LengthPredictorOptions } from './length-predictor.js';
import { SlidingQuantiles } from './sliding-quantiles.js';

export interface AdaGenClassifierOptions {
  predictor?: LengthPredictorOptions;
  /**
   * Quantile of recent lengths above which a request is "long".
   * @default 0.5
   */
  longQuantile?: number;
  /**
   * Recent requests the thresholds are computed over.
   * @default 1000
   */
  thresholdWindow?: number;
  /**
   * Thresholds before enough requests were seen.
   * @default { prefillTokens: 2048, outputTokens: 256 }
   */
  initialThresholds?: { prefillTokens: number; outputTokens: number };
}

export class AdaGenClassifier implements Classifier {
  readonly name = 'adagen-classifier';
  readonly predictor: LengthPredictor;
  private readonly prompts: SlidingQuantiles;
  private readonly outputs: SlidingQuantiles;
  private readonly longQuantile: number;
  private readonly initial: { prefillTokens: number; outputTokens: number };

  constructor(options: AdaGenClassifierOptions = {}) {
    this.predictor = new LengthPredictor(options.predictor);
    const window = options.thresholdWindow ?? 1000;
    this.prompts = new SlidingQuantiles(window);
    this.outputs = new SlidingQuantiles(window);
    this.longQuantile = options.longQuantile ?? 0.5;
    this.initial = options.initialThresholds ?? { prefillTokens: 2048, outputTokens: 256 };
  }

  classify(request: RequestInfo, _nowMs: number): Classification {
    this.prompts.add(request.promptTokens);
    const prediction = this.predictor.predict(request);
    const thresholds = this.thresholds();
    return {
      request,
      predictedOutputTokens: prediction.outputTokens,
      prefill: request.promptTokens > thresholds.prefillTokens ? 'long' : 'short',
      decode: prediction.outputTokens > thresholds.outputTokens ? 'long' : 'short',
      thresholds,
    };
  }

  observe(c: CompletionObservation): void {
    this.predictor.observe(c);
    this.outputs.add(c.outputTokens);
  }

  thresholds(): { prefillTokens: number; outputTokens: number } {
    const minSamples = 32;
    return {
      prefillTokens:
        this.prompts.size >= minSamples
          ? this.prompts.quantile(this.longQuantile)
          : this.initial.prefillTokens,
      outputTokens:
        this.outputs.size >= minSamples
          ? this.outputs.quantile(this.longQuantile)
          : this.initial.outputTokens,
    };
  }
}
