/**
 * The real services under the NATS config `@adagen/natsconf` generates, each connected as its
 * own nkey user: the fleet serves end to end (placement, dispatch, tokens, cancels, agent
 * feeds), and a service's own connection is refused what its role may not do — an agent
 * publishing another agent's state, a gateway cancelling another gateway's requests or
 * dispatching to an agent directly.
 */
import { PermissionViolationError } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentDispatchSchema, dispatchAckSchema, subjects } from '@adagen/protocol';
import { request } from '@adagen/runtime';
import type { InProcessFleet } from './fleet/in-process.js';
import { startInProcessFleet } from './fleet/in-process.js';
import { postJson, postStream } from './fleet/openai-client.js';
import { publishDeniedThenAllowed, startSecureFleet } from './security.fleet.js';
import type { SecureFleet } from './security.fleet.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const USER: Record<string, (i: number) => string> = {
  gateway: () => 'gateway-gw-test',
  classifier: () => 'classifier',
  balancer: (i) => `balancer-bal-${i}`,
  planner: () => 'planner',
  estimator: () => 'estimator',
  agent: (i) => `agent-agent-${i}`,
};

describe('the fleet under generated NATS permissions', () => {
  let nats: SecureFleet;
  let fleet: InProcessFleet;

  beforeAll(async () => {
    nats = await startSecureFleet({
      gateways: ['gw-test'],
      balancers: ['bal-0'],
      agents: ['agent-0', 'agent-1'],
    });
    fleet = await startInProcessFleet({
      natsUrl: nats.server.url,
      agents: 2,
      policy: 'adagen',
      timeScale: 5,
      serviceEnv: (service, i) => ({
        ADAGEN_NATS_NKEY_SEED_FILE: nats.seedFile(USER[service]!(i)),
      }),
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    await nats?.stop();
  });

  it('serves end to end, each service as its own user', async () => {
    const whole = await postJson(`${fleet.url}/v1/completions`, {
      model: MODEL,
      prompt: 'secure hello',
      max_tokens: 6,
      ignore_eos: true,
    });
    expect(whole.status, JSON.stringify(whole.json)).toBe(200);
    const stream = await postStream(`${fleet.url}/v1/chat/completions`, {
      model: MODEL,
      messages: [{ role: 'user', content: 'and streamed' }],
      max_tokens: 6,
      ignore_eos: true,
      stream: true,
    });
    expect(stream.status).toBe(200);
    expect(stream.sawDone).toBe(true);
    // The gateway sees the agents' feeds (its liveness watch is allowed to read them).
    for (const s of [fleet.gateway, ...fleet.agents])
      expect(s.nc.isClosed(), 'no connection closed by a permission error').toBe(false);
  });

  it('refuses an agent publishing as another agent (a witness never sees it)', async () => {
    const witness = await nats.connect('admin');
    const { first, error } = await publishDeniedThenAllowed(
      fleet.agents[0]!.nc,
      witness,
      subjects.state('agent-1'),
      subjects.completion('agent-0'),
    );
    expect(first.subject).toBe(subjects.completion('agent-0'));
    expect(await error).toMatchObject({ operation: 'publish', subject: subjects.state('agent-1') });
  });

  it('refuses the gateway cancelling another gateway’s requests', async () => {
    const witness = await nats.connect('admin');
    const { first, error } = await publishDeniedThenAllowed(
      fleet.gateway.nc,
      witness,
      subjects.cancel('gw-other'),
      subjects.cancel('gw-test'),
    );
    expect(first.subject).toBe(subjects.cancel('gw-test'));
    const refused = await error;
    expect(refused).toBeInstanceOf(PermissionViolationError);
    expect(refused.subject).toBe(subjects.cancel('gw-other'));
  });

  it('refuses the gateway dispatching to an agent directly (forbidden at once)', async () => {
    const now = Date.now();
    const r = await request(
      fleet.gateway.nc,
      subjects.dispatch('agent-0'),
      agentDispatchSchema,
      dispatchAckSchema,
      {
        v: 1,
        type: 'agent_dispatch',
        requestId: 'forged',
        attempt: 0,
        instanceId: 'agent-0',
        plan: { kind: 'single', instanceId: 'agent-0' },
        role: 'full',
        request: {
          model: MODEL,
          promptTokens: 10,
          maxTokens: 5,
          predictedOutputTokens: 5,
          streamSubject: subjects.stream('gw-test', 'forged'),
          deadlineAtMs: now + 10_000,
          arrivalMs: now,
        },
      },
      { timeoutMs: 2000 },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('forbidden');
    expect(fleet.agents[0]!.agent.activeRequests).toBe(0);
  });
});
