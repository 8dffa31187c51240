import { describe, expect, it } from 'vitest';
import { classified, instanceView } from '../testing/views.js';
import type { Classification } from '../types.js';
import { ClassPools } from './pools.js';

const as = (prefill: 'short' | 'long', promptTokens: number): Classification => ({
  ...classified(promptTokens),
  prefill,
});

describe('ClassPools', () => {
  it('sizes the long pool by the long class’s share of prompt tokens', () => {
    const pools = new ClassPools();
    // 3 long prompts of 3000 tokens for every 3 short ones of 1000: long share 0.75.
    for (let i = 0; i < 100; i++) {
      pools.observe(as('long', 3000));
      pools.observe(as('short', 1000));
    }
    expect(pools.longShare()).toBeCloseTo(0.75, 2);
    const ready = Array.from({ length: 8 }, (_, i) => instanceView(`i${i}`));
    const long = pools.split(ready, as('long', 3000));
    expect(long.own.map((v) => v.id)).toEqual(['i0', 'i1', 'i2', 'i3', 'i4', 'i5']);
    expect(pools.split(ready, as('short', 10)).own.map((v) => v.id)).toEqual(['i6', 'i7']);
  });

  it('reserves no instance for a class without work (long prompts use them all)', () => {
    const pools = new ClassPools();
    for (let i = 0; i < 50; i++) pools.observe(as('long', 100_000));
    const ready = [instanceView('a'), instanceView('b')];
    expect(pools.split(ready, as('long', 1)).own).toHaveLength(2);
    expect(pools.split(ready, as('short', 1)).own).toHaveLength(0);
    expect(pools.split([instanceView('solo')], as('long', 1)).own).toHaveLength(1);
  });

  it('always leaves the long class at least one instance', () => {
    const pools = new ClassPools();
    for (let i = 0; i < 50; i++) pools.observe(as('short', 100_000));
    const ready = [instanceView('a'), instanceView('b')];
    expect(pools.split(ready, as('long', 1)).own).toHaveLength(1);
    expect(pools.split(ready, as('short', 1)).own).toHaveLength(1);
  });

  it('forgets old work', () => {
    const pools = new ClassPools({ halfLifeTokens: 10_000 });
    for (let i = 0; i < 50; i++) pools.observe(as('long', 1000));
    for (let i = 0; i < 200; i++) pools.observe(as('short', 1000));
    expect(pools.longShare()).toBeLessThan(0.01);
  });
});
