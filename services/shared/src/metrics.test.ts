import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { estimatorMetrics } from './metrics.js';

const line = async (registry: Registry, kind: string) => {
  const m = new RegExp(`^adagen_estimator_work_total\\{kind="${kind}"\\} (\\S+)$`, 'm').exec(
    await registry.metrics(),
  );
  return m === null ? undefined : Number(m[1]);
};

describe('estimatorMetrics', () => {
  it('exports the policy host’s work as counters read at scrape time, nothing without it', async () => {
    let work: { estimates: number; rebuilds: number; iterations: number } | undefined;
    const registry = new Registry();
    estimatorMetrics(registry, { work: () => work });
    expect(await line(registry, 'estimates')).toBeUndefined();
    work = { estimates: 8, rebuilds: 3, iterations: 120 };
    expect(await line(registry, 'estimates')).toBe(8);
    expect(await line(registry, 'rebuilds')).toBe(3);
    work = { estimates: 16, rebuilds: 3, iterations: 300 };
    expect(await line(registry, 'estimates')).toBe(16);
    expect(await line(registry, 'rebuilds')).toBe(3);
    expect(await line(registry, 'iterations')).toBe(300);
  });
});
