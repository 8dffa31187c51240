/**
 * The default (non-learning) classifier the baselines use: the predicted output length is a fixed
 * prior capped by the client's `maxTokens`, and classes come from fixed thresholds.
 */
import type { Classification, Classifier, RequestInfo } from './types.js';

export interface DefaultClassifierOptions {
  /** Predicted output tokens when nothing else is known. @default 256 */
  priorOutputTokens?: number;
  /** Prompts longer than this are `long` prefill. @default 1024 */
  prefillThresholdTokens?: number;
  /** Predicted outputs longer than this are `long` decode. @default 256 */
  outputThresholdTokens?: number;
}

export class DefaultClassifier implements Classifier {
  readonly name = 'default';
  private readonly priorOutputTokens: number;
  private readonly thresholds: { prefillTokens: number; outputTokens: number };

  constructor(options: DefaultClassifierOptions = {}) {
    this.priorOutputTokens = options.priorOutputTokens ?? 256;
    this.thresholds = Object.freeze({
      prefillTokens: options.prefillThresholdTokens ?? 1024,
      outputTokens: options.outputThresholdTokens ?? 256,
    });
  }

  classify(request: RequestInfo, _nowMs: number): Classification {
    const predictedOutputTokens = Math.max(
      1,
      Math.min(request.maxTokens ?? Number.POSITIVE_INFINITY, this.priorOutputTokens),
    );
    return {
      request,
      predictedOutputTokens,
      prefill: request.promptTokens > this.thresholds.prefillTokens ? 'long' : 'short',
      decode: predictedOutputTokens > this.thresholds.outputTokens ? 'long' : 'short',
      thresholds: this.thresholds,
    };
  }
}
