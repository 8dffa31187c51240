/**
 * A malformed message on every subject of the fleet is answered with a typed error (request/
 * reply subjects) or dropped with a log line and a counted `invalid` (plain subjects); every
 * service keeps running and serving.
 */
import { createCodec, subjects, wildcards } from '@adagen/protocol';
import { createLogger, errorFromReply } from '@adagen/runtime';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { postJson } from './fleet/openai-client.js';
import { fleetForSuite } from './fleet/suite.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const GARBAGE: ReadonlyArray<readonly [string, Uint8Array]> = [
  ['random bytes', new Uint8Array([0xc1, 0xff, 0x00, 0x13, 0x37])],
  [
    'msgpack of the wrong shape',
    createCodec(z.unknown()).encode({ v: 1, type: 'nonsense', requestId: 'a.b', seq: -1 }),
  ],
  ['empty payload', new Uint8Array()],
];

async function invalidCount(registry: Registry, subject: string): Promise<number> {
  const metric = registry.getSingleMetric('adagen_subscription_messages_total');
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => v.labels.subject === subject && v.labels.outcome === 'invalid')
    .reduce((s, v) => s + v.value, 0);
}

describe('malformed messages on every subject', () => {
  const lines: string[] = [];

  const suite = fleetForSuite({
    agents: 2,
    policy: 'adagen',
    timeScale: 5,
    loggerFor: (service) =>
      createLogger({
        service,
        level: 'warn',
        destination: { write: (line: string) => void lines.push(line) },
      }),
  });

  const replySubjects = [
    subjects.classify,
    subjects.balance,
    subjects.plan,
    subjects.estimate,
    subjects.dispatch('agent-0'),
  ];

  it.each(replySubjects)('%s answers each with a typed invalid_message error', async (subject) => {
    const nc = suite.fleet.gateway.nc;
    for (const [what, payload] of GARBAGE) {
      const reply = await nc.request(subject, payload, { timeout: 5000 });
      const error = errorFromReply(reply);
      expect(error?.code, what).toBe('invalid_message');
      expect(error?.httpStatus).toBe(400);
    }
  });

  it('plain subjects drop each with a log line and a counter', async () => {
    const nc = suite.fleet.gateway.nc;
    const targets: Array<{ subject: string; pattern: string; registries: Registry[] }> = [
      {
        subject: subjects.state('agent-0'),
        pattern: 'adagen.v1.agent.*.state',
        registries: [
          suite.fleet.gateway,
          ...suite.fleet.balancers,
          ...suite.fleet.planners,
          suite.fleet.estimator,
        ].map((r) => r.registry),
      },
      {
        subject: subjects.announce('agent-0'),
        pattern: 'adagen.v1.agent.*.announce',
        registries: [suite.fleet.gateway, ...suite.fleet.balancers, ...suite.fleet.planners].map(
          (r) => r.registry,
        ),
      },
      {
        subject: subjects.completion('agent-0'),
        pattern: 'adagen.v1.agent.*.completion',
        registries: suite.fleet.classifiers.map((r) => r.registry),
      },
      {
        subject: subjects.kv('agent-1', 'agent-0'),
        pattern: wildcards.kvTo('agent-1'),
        registries: [suite.fleet.agents[1]!.registry],
      },
      {
        subject: subjects.streamFrom(subjects.stream('gw-test', 'r1'), 'agent-0'),
        pattern: 'adagen.v1.stream.gw-test.*.*',
        registries: [suite.fleet.gateway.registry],
      },
      {
        subject: subjects.placements('bal-x'),
        pattern: 'adagen.v1.placements.*',
        registries: [...suite.fleet.balancers, ...suite.fleet.planners].map((r) => r.registry),
      },
      {
        subject: subjects.cancel('gw-test'),
        pattern: 'adagen.v1.cancel.*',
        registries: suite.fleet.agents.map((r) => r.registry),
      },
    ];
    const before = await Promise.all(
      targets.map((t) => Promise.all(t.registries.map((r) => invalidCount(r, t.pattern)))),
    );
    for (const t of targets) for (const [, payload] of GARBAGE) nc.publish(t.subject, payload);
    await nc.flush();
    await expect
      .poll(async () => {
        const after = await Promise.all(
          targets.map((t) => Promise.all(t.registries.map((r) => invalidCount(r, t.pattern)))),
        );
        return after.flatMap((per, i) => per.map((n, k) => n - before[i]![k]!));
      })
      .toEqual(targets.flatMap((t) => t.registries.map(() => GARBAGE.length)));
    expect(
      lines.filter((l) => l.includes('dropped invalid message')).length,
    ).toBeGreaterThanOrEqual(targets.length);
  });

  it('every service still runs and serves', async () => {
    const services = [
      suite.fleet.gateway,
      ...suite.fleet.classifiers,
      ...suite.fleet.balancers,
      ...suite.fleet.planners,
      suite.fleet.estimator,
      ...suite.fleet.agents,
    ];
    for (const s of services) expect(s.lifecycle.state).toBe('ready');
    const r = await postJson(`${suite.fleet.url}/v1/completions`, {
      model: MODEL,
      prompt: 'still here?',
      max_tokens: 5,
      ignore_eos: true,
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ usage: { completion_tokens: 5 } });
    await suite.fleet.waitForAgents(2);
  });
});
