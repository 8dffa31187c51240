import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CountedHistogram } from './metrics.js';

describe('CountedHistogram', () => {
  it('scrapes exactly as a prom-client Histogram given the same observations one by one', async () => {
    const bounds = [0.01, 0.05, 0.1, 1];
    const ours = new Registry();
    const theirs = new Registry();
    const a = new CountedHistogram('x_seconds', 'help text', bounds, [ours]);
    const b = new Histogram({
      name: 'x_seconds',
      help: 'help text',
      buckets: bounds,
      registers: [theirs],
    });
    const seen: [number, number][] = [
      [0.004, 8],
      [0.05, 1],
      [0.07, 3],
      [2.5, 2],
      [0.5, 1],
    ];
    for (const [v, n] of seen) {
      a.observe(v, n);
      for (let i = 0; i < n; i++) b.observe(v);
    }
    a.observe(Number.NaN, 3); // ignored (prom-client would throw)
    a.observe(0.02, 0); // no observation
    expect(await ours.metrics()).toBe(await theirs.metrics());
    ours.resetMetrics();
    theirs.resetMetrics();
    b.zero({});
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
