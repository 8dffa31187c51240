/**
 * Fault: one node of a 3-node NATS cluster SIGKILLed under load — the node the gateway is
 * connected to, the worst case for the request path. Every client reconnects to another node;
 * requests whose messages were on the dead node get an outcome (placed again, or an error at
 * the latest at their deadline); none is lost or hung, and the fleet keeps serving.
 */
import { describe, expect, it } from 'vitest';
import { startInProcessFleet } from '../fleet/in-process.js';
import { startNatsCluster } from '../natsCluster.js';
import { send } from './client.js';
import type { Outcome } from './client.js';
import { metricValue, waitFor } from './metrics.js';
import { summarize } from './tally.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const body = (i: number) => ({
  model: MODEL,
  prompt: `cluster ${i} `.repeat(25),
  max_tokens: 40,
  ignore_eos: true,
  stream: i % 2 === 0,
});

describe('a NATS node killed under load', () => {
  it('clients fail over to the other nodes; nothing is lost or hung; the fleet keeps serving', async () => {
    await using cluster = await startNatsCluster(3);
    await using fleet = await startInProcessFleet({
      natsUrl: cluster.urls.join(','),
      agents: 3,
      replicas: 2,
      policy: 'least-requests',
      timeScale: 5,
      env: {
        ADAGEN_REQUEST_TIMEOUT_MS: '6000',
        ADAGEN_ATTEMPT_TIMEOUT_MS: '1500',
        ADAGEN_STALE_AFTER_MIN_WALL_MS: '2000',
      },
    });
    const url = `${fleet.url}/v1/completions`;
    const victim = cluster.urls.findIndex((u) => u.endsWith(fleet.gateway.nc.getServer()));
    expect(victim, `gateway on ${fleet.gateway.nc.getServer()}`).toBeGreaterThanOrEqual(0);
    const during: Promise<Outcome>[] = [];
    for (let i = 0; i < 60; i++) {
      during.push(send(url, body(i), { clientTimeoutMs: 20_000 }));
      if (i === 20) await cluster.kill(victim);
      await new Promise((r) => setTimeout(r, 15));
    }
    const reconnectMs = await waitFor(
      'the gateway reconnected to another node',
      () => !fleet.gateway.nc.getServer().endsWith(cluster.urls[victim]!.split('//')[1]!),
      10_000,
    );
    const first = await Promise.all(during);
    await fleet.waitForAgents(3, 10_000);
    const after = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(url, body(100 + i), { clientTimeoutMs: 20_000 })),
    );
    const retries = await metricValue(fleet.gateway.registry, 'adagen_gateway_retries_total');
    const s = summarize(
      'NATS node (the gateway’s) SIGKILLed under load, 3-node cluster',
      [...first, ...after],
      {
        'gateway retries': retries,
        'gateway reconnected after (ms)': Math.round(reconnectMs),
      },
    );
    expect([s.lost, s.hung]).toEqual([0, 0]);
    expect(after.map((o) => o.kind)).toEqual(after.map(() => 'completed'));
    expect(fleet.gateway.inFlight()).toBe(0);
  });
});
