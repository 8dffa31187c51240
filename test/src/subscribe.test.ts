import { agentAnnounceSchema, createCodec, subjects, wildcards } from '@adagen/protocol';
import type { AgentAnnounce } from '@adagen/protocol';
import { connectNats, createMetricsRegistry, subscribe } from '@adagen/runtime';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { counter, metricValue } from './helpers.js';
import { startNatsServer } from './natsServer.js';

const announce = (instanceId: string): AgentAnnounce => ({
  v: 1,
  type: 'agent_announce',
  instanceId,
  status: 'up',
  profile: 'llama3-8b-a100',
  engine: 'sim',
  atMs: 1000,
});

/** The announce subscription's messages with this outcome. */
const announceMessages = (registry: Registry, outcome: string) =>
  metricValue(registry, 'adagen_subscription_messages_total', {
    subject: wildcards.agentAnnounce,
    outcome,
  });

describe('typed subscriptions', () => {
  it('delivers valid messages in order and drops invalid ones with a counter', async () => {
    await using server = await startNatsServer();
    await using nc = await connectNats({ servers: [server.url], name: 'subscriber' });
    const registry = createMetricsRegistry({ service: 'balancer', collectDefault: false });
    const seen: string[] = [];
    const twoValid = counter(3);
    const sub = subscribe(nc, wildcards.agentAnnounce, {
      schema: agentAnnounceSchema,
      registry,
      handler: async (value, { subject }) => {
        await Promise.resolve();
        seen.push(`${subject}:${value.instanceId}`);
        if (value.instanceId === 'boom') throw new Error('handler bug');
        twoValid.count();
      },
    });
    await nc.flush();
    const codec = createCodec(agentAnnounceSchema, { validateOnEncode: false });
    nc.publish(subjects.announce('gpu-1'), codec.encode(announce('gpu-1')));
    nc.publish(subjects.announce('gpu-2'), new Uint8Array([1, 2, 3]));
    nc.publish(
      subjects.announce('gpu-2'),
      codec.encode({ ...announce('gpu-2'), engine: 'tpu' } as never),
    );
    nc.publish(subjects.announce('boom'), codec.encode(announce('boom')));
    nc.publish(subjects.announce('gpu-3'), codec.encode(announce('gpu-3')));
    nc.publish(subjects.announce('gpu-4'), codec.encode(announce('gpu-4')));
    await twoValid.reached;
    await sub.drain();

    expect(seen).toEqual([
      'adagen.v1.agent.gpu-1.announce:gpu-1',
      'adagen.v1.agent.boom.announce:boom',
      'adagen.v1.agent.gpu-3.announce:gpu-3',
      'adagen.v1.agent.gpu-4.announce:gpu-4',
    ]);
    const count = (outcome: string) => announceMessages(registry, outcome);
    expect(await count('invalid')).toBe(2);
    expect(await count('handler_error')).toBe(1);
    expect(await count('ok')).toBe(3);
  });

  it('skips, before decoding, what `accept` refuses by subject, and counts it', async () => {
    await using server = await startNatsServer();
    await using nc = await connectNats({ servers: [server.url], name: 'subscriber' });
    const registry = createMetricsRegistry({ service: 'balancer', collectDefault: false });
    const seen: string[] = [];
    const done = counter(2);
    const sub = subscribe(nc, wildcards.agentAnnounce, {
      schema: agentAnnounceSchema,
      registry,
      accept: (subject) => !subject.includes('.other-'),
      handler: (value) => {
        seen.push(value.instanceId);
        done.count();
        return Promise.resolve();
      },
    });
    await nc.flush();
    const codec = createCodec(agentAnnounceSchema);
    nc.publish(subjects.announce('other-1'), codec.encode(announce('other-1')));
    nc.publish(subjects.announce('mine-1'), codec.encode(announce('mine-1')));
    // Not even decoded: garbage on a skipped subject is skipped, not counted invalid.
    nc.publish(subjects.announce('other-2'), new Uint8Array([1, 2, 3]));
    nc.publish(subjects.announce('mine-2'), codec.encode(announce('mine-2')));
    await done.reached;
    await sub.drain();
    expect(seen).toEqual(['mine-1', 'mine-2']);
    const count = (outcome: string) => announceMessages(registry, outcome);
    expect(await count('skipped')).toBe(2);
    expect(await count('invalid')).toBe(0);
    expect(await count('ok')).toBe(2);
  });
});
