import { describe, expect, it } from 'vitest';
import { startOpsServer } from './http.js';
import { createMetricsRegistry, runtimeMetrics } from './metrics.js';

describe('ops http server', () => {
  it('serves /metrics, /healthz, /readyz, mounted routes and 404', async () => {
    const registry = createMetricsRegistry({
      service: 'test-svc',
      instanceId: 'gpu-1',
      collectDefault: false,
    });
    runtimeMetrics(registry).endpointMessages.inc({ endpoint: 'classify', outcome: 'ok' });
    let ready = false;
    await using server = await startOpsServer({
      registry,
      isReady: () => ready,
      routes: [
        (req, res) => {
          if (req.url !== '/custom') return false;
          res.end('mine');
          return true;
        },
      ],
    });
    expect(server.port).toBeGreaterThan(0);

    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain(
      'adagen_endpoint_messages_total{endpoint="classify",outcome="ok",service="test-svc",instance_id="gpu-1"} 1',
    );
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/custom`)).text()).toBe('mine');
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('returns the same metrics object for a registry, so names are registered once', () => {
    const registry = createMetricsRegistry({ service: 's', collectDefault: false });
    expect(runtimeMetrics(registry)).toBe(runtimeMetrics(registry));
  });
});
