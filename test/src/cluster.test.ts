import { estimateRequestSchema, estimateResponseSchema, subjects } from '@adagen/protocol';
import { connectNats, request } from '@adagen/runtime';
import type { NatsConnection } from '@nats-io/nats-core';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { estimateRequest, startEstimator } from './helpers.js';
import { startNatsCluster } from './natsCluster.js';

const fastReconnect = { reconnectTimeWaitMs: 100, reconnectJitterMs: 50 };

function nodeOf(nc: NatsConnection, urls: readonly string[]): number {
  const server = nc.getServer();
  const index = urls.findIndex((url) => url.endsWith(`:${server.split(':').pop() ?? ''}`));
  if (index === -1) throw new Error(`connected to ${server}, not one of ${urls.join(', ')}`);
  return index;
}

/** Resolves on the connection's next `reconnect` status. */
async function nextReconnect(nc: NatsConnection): Promise<void> {
  for await (const status of nc.status()) if (status.type === 'reconnect') return;
}

const ask = (nc: NatsConnection, promptTokens: number) =>
  request(
    nc,
    subjects.estimate,
    estimateRequestSchema,
    estimateResponseSchema,
    estimateRequest(promptTokens),
    {
      timeoutMs: 2000,
    },
  );

/** Requests until one succeeds (interest may take a moment to propagate after a reconnect). */
async function firstSuccess(nc: NatsConnection, attempts: number): Promise<number> {
  for (let i = 1; i <= attempts; i += 1) {
    if ((await ask(nc, 10)).ok) return i;
    await sleep(100);
  }
  return -1;
}

describe('3-node cluster', () => {
  it('forms a full mesh, and a client survives the loss of its node', async () => {
    await using cluster = await startNatsCluster(3);
    expect(cluster.urls).toHaveLength(3);
    expect(new Set(cluster.urls).size).toBe(3);

    await using serviceConn = await connectNats({
      servers: cluster.urls,
      name: 'svc',
      ...fastReconnect,
    });
    await using client = await connectNats({
      servers: cluster.urls,
      name: 'client',
      ...fastReconnect,
    });
    const { lifecycle } = await startEstimator(serviceConn);
    try {
      expect(await firstSuccess(client, 50)).toBeGreaterThan(0);

      const victim = nodeOf(client, cluster.urls);
      const reconnected = nextReconnect(client);
      await cluster.kill(victim);
      expect(cluster.nodes[victim]?.running).toBe(false);
      await reconnected;
      expect(nodeOf(client, cluster.urls)).not.toBe(victim);

      expect(await firstSuccess(client, 100)).toBeGreaterThan(0);
      const results = [];
      for (let i = 0; i < 20; i += 1) results.push(await ask(client, i * 10));
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results.map((r) => r.ok && r.value.perInstance[0]?.newRequest.ttftMs)).toEqual(
        Array.from({ length: 20 }, (_, i) => i),
      );

      await cluster.restart(victim);
      await using direct = await connectNats({
        servers: [cluster.urls[victim] ?? ''],
        name: 'direct',
      });
      expect(await firstSuccess(direct, 50)).toBeGreaterThan(0);
    } finally {
      await lifecycle.stop();
    }
  });
});
