import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, runtimeMetrics } from './metrics.js';

const NAME = 'adagen_subscription_messages_total';

async function scraped(registry: ReturnType<typeof createMetricsRegistry>) {
  const text = await registry.metrics();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${NAME}{`))
    .sort();
}

describe('subscription message counters', () => {
  it('hand their counts to the metric at each scrape, once, and share a series per subject and outcome', async () => {
    const registry = createMetricsRegistry({ service: 'test', collectDefault: false });
    const metrics = runtimeMetrics(registry);
    const ok = metrics.subscriptionCounter('a.b.*', 'ok');
    const invalid = metrics.subscriptionCounter('a.b.*', 'invalid');
    const okAgain = metrics.subscriptionCounter('a.b.*', 'ok');
    expect(await scraped(registry)).toEqual([]);
    ok();
    ok();
    okAgain();
    invalid();
    expect(await scraped(registry)).toEqual([
      `${NAME}{subject="a.b.*",outcome="invalid",service="test"} 1`,
      `${NAME}{subject="a.b.*",outcome="ok",service="test"} 3`,
    ]);
    // Scraped again with nothing new: the same totals, not counted twice.
    expect(await scraped(registry)).toEqual([
      `${NAME}{subject="a.b.*",outcome="invalid",service="test"} 1`,
      `${NAME}{subject="a.b.*",outcome="ok",service="test"} 3`,
    ]);
    ok();
    const { values } = await metrics.subscriptionMessages.get();
    expect(values.find((v) => v.labels.outcome === 'ok')?.value).toBe(4);
  });
});
