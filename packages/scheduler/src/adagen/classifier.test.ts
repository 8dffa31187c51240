import { createRng, lognormal } from '@adagen/stats';
import { describe, expect, it } from 'vitest';
import { AdaGenClassifier } from './classifier.js';
import { LengthPredictor, bucketOf } from './length-predictor.js';
import { SlidingQuantiles } from './sliding-quantiles.js';
import { charsPerTokenTokenizer, loadLlama3Tokenizer } from './tokenizer.js';

describe('SlidingQuantiles', () => {
  it('keeps only the last values and reads exact quantiles', () => {
    const w = new SlidingQuantiles(4);
    for (const x of [10, 1, 2, 3, 4]) w.add(x);
    expect(w.size).toBe(4);
    expect(w.quantile(0)).toBe(1);
    expect(w.quantile(1)).toBe(4);
    expect(w.quantile(0.5)).toBe(2.5);
    expect(w.mean()).toBe(2.5);
  });
});

describe('LengthPredictor', () => {
  it('uses the prior until it has samples, then the bucket, and caps by max_tokens', () => {
    const p = new LengthPredictor({ minSamples: 3, priorOutputTokens: 100 });
    expect(p.predict({ promptTokens: 1000 })).toMatchObject({ outputTokens: 100, source: 'prior' });
    for (const out of [10, 20, 30]) p.observe({ promptTokens: 1000, outputTokens: out });
    expect(p.predict({ promptTokens: 1000 })).toMatchObject({ outputTokens: 20, source: 'bucket' });
    expect(p.predict({ promptTokens: 1000, maxTokens: 5 }).outputTokens).toBe(5);
    // another bucket falls back to the global window
    expect(p.predict({ promptTokens: 10 })).toMatchObject({ outputTokens: 20, source: 'global' });
  });

  it('keeps tenants apart when a tenant is known', () => {
    const p = new LengthPredictor({ minSamples: 2 });
    for (let i = 0; i < 4; i++) {
      p.observe({ promptTokens: 500, outputTokens: 10, tenant: 'code' });
      p.observe({ promptTokens: 500, outputTokens: 400, tenant: 'chat' });
    }
    expect(p.predict({ promptTokens: 500, tenant: 'code' }).outputTokens).toBe(10);
    expect(p.predict({ promptTokens: 500, tenant: 'chat' }).outputTokens).toBe(400);
    expect(p.predict({ promptTokens: 500, tenant: 'chat' }).source).toBe('key-bucket');
  });

  it('learns a length that depends on the prompt bucket', () => {
    const rng = createRng(1);
    const p = new LengthPredictor();
    for (let i = 0; i < 2000; i++) {
      const prompt = rng.next() < 0.5 ? 100 : 4000;
      const out = Math.round(lognormal(rng, Math.log(prompt === 100 ? 300 : 20), 0.3));
      p.observe({ promptTokens: prompt, outputTokens: out });
    }
    expect(p.predict({ promptTokens: 120 }).outputTokens).toBeGreaterThan(250);
    expect(p.predict({ promptTokens: 3500 }).outputTokens).toBeLessThan(30);
  });

  it('rejects a bad statistic', () => {
    expect(() => new LengthPredictor({ statistic: 1.5 })).toThrow(/statistic/);
  });

  it('buckets by log2', () => {
    expect([1, 2, 3, 4, 1023, 1024].map(bucketOf)).toEqual([0, 1, 1, 2, 9, 10]);
  });
});

describe('AdaGenClassifier', () => {
  it('classifies against thresholds that follow the workload', () => {
    const c = new AdaGenClassifier({ longQuantile: 0.5, thresholdWindow: 100 });
    const req = (i: number, promptTokens: number) => ({ id: `r${i}`, arrivalMs: i, promptTokens });
    // initial thresholds: 2048 prompt tokens
    expect(c.classify(req(0, 3000), 0).prefill).toBe('long');
    for (let i = 1; i <= 100; i++) c.classify(req(i, 8000 + i), i);
    // now the median prompt is ~8000, so 3000 is short
    expect(c.classify(req(101, 3000), 101).prefill).toBe('short');
    expect(c.thresholds().prefillTokens).toBeGreaterThan(8000);
  });

  it('predicts decode lengths from completions', () => {
    const c = new AdaGenClassifier({ predictor: { minSamples: 1 } });
    c.observe({ requestId: 'a', promptTokens: 64, outputTokens: 900, finishedAtMs: 1 });
    const k = c.classify({ id: 'b', arrivalMs: 2, promptTokens: 64, maxTokens: 500 }, 2);
    expect(k.predictedOutputTokens).toBe(500);
    expect(k.decode).toBe('long');
  });
});

describe('tokenizers', () => {
  it('counts Llama 3 tokens with BOS', async () => {
    const t = await loadLlama3Tokenizer();
    // "Hello world" is two Llama 3 tokens; plus BOS.
    expect(t.countTokens('Hello world')).toBe(3);
    expect(t.countTokens('')).toBe(1);
  });

  it('has a cheap fallback', () => {
    expect(charsPerTokenTokenizer.countTokens('abcdefgh')).toBe(3);
  });
});
