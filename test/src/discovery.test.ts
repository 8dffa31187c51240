import { subjects } from '@adagen/protocol';
import { connectNats } from '@adagen/runtime';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startEstimator } from './helpers.js';
import { startNatsServer } from './natsServer.js';

const pingSchema = z.object({
  type: z.string(),
  name: z.string(),
  id: z.string(),
  version: z.string(),
});
const infoSchema = pingSchema.extend({
  description: z.string(),
  endpoints: z.array(
    z.object({ name: z.string(), subject: z.string(), queue_group: z.string().optional() }),
  ),
});

describe('Service API discovery', () => {
  it('lists the service and its endpoints on $SRV.PING and $SRV.INFO', async () => {
    await using server = await startNatsServer();
    await using nc = await connectNats({ servers: [server.url], name: 'discovery' });
    const { lifecycle } = await startEstimator(nc);
    try {
      const ping = pingSchema.parse(
        (await nc.request('$SRV.PING.estimator', undefined, { timeout: 5000 })).json(),
      );
      expect(ping).toMatchObject({
        type: 'io.nats.micro.v1.ping_response',
        name: 'estimator',
        version: '0.1.0',
      });

      const info = infoSchema.parse(
        (await nc.request('$SRV.INFO.estimator', undefined, { timeout: 5000 })).json(),
      );
      expect(info.id).toBe(ping.id);
      expect(info.description).toBe('test estimator');
      expect(info.endpoints).toEqual([
        { name: 'estimate', subject: subjects.estimate, queue_group: 'estimator' },
      ]);
    } finally {
      await lifecycle.stop();
    }
    const after = await nc
      .request('$SRV.PING.estimator', undefined, { timeout: 2000 })
      .catch((e: unknown) => e);
    expect(after).toBeInstanceOf(Error);
  });
});
