/**
 * The real services under the NATS config `@adagen/natsconf` generates, each connected as its
 * own nkey user: the fleet serves end to end (placement, dispatch, tokens, cancels, agent
 * feeds), and a service's own connection is refused what its role may not do — an agent
 * publishing another agent's state, a gateway cancelling another gateway's requests or
 * dispatching to an agent directly; and the gateway drops stream messages an agent forged for a
 * request it does not run.
 */
import { PermissionViolationError } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentDispatchSchema,
  createCodec,
  dispatchAckSchema,
  kvHandoffNoticeSchema,
  streamMessageSchema,
  subjects,
} from '@adagen/protocol';
import type { StreamMessage } from '@adagen/protocol';
import { request } from '@adagen/runtime';
import type { InProcessFleet } from './fleet/in-process.js';
import { startInProcessFleet } from './fleet/in-process.js';
import { metricValue, waitFor } from './faults/metrics.js';
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

  it('drops tokens forged into a running stream: from an agent outside the plan, or whose body names another agent than the subject', async () => {
    const res = await fetch(`${fleet.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        prompt: 'a long answer, please',
        max_tokens: 1500,
        ignore_eos: true,
        stream: true,
      }),
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id')!;
    const body = res.text();
    const running = fleet.agents.findIndex((a) => a.agent.activeRequests === 1);
    expect(running).toBeGreaterThanOrEqual(0);
    const planned = `agent-${running}`;
    const other = `agent-${1 - running}`;
    const address = subjects.stream('gw-test', requestId);
    const codec = createCodec(streamMessageSchema);
    const forged = (instanceId: string, seq: number): Uint8Array =>
      codec.encode({
        v: 1,
        type: 'token',
        requestId,
        attempt: 0,
        instanceId,
        seq,
        text: ' FORGED',
        tokenCount: 1,
        atMs: Date.now(),
      } satisfies StreamMessage);
    const dropped = (reason: string) =>
      metricValue(fleet.gateway.registry, 'adagen_gateway_stream_dropped_total', { reason });
    // The admin user stands for an agent whose own permissions allow its subject (the server
    // refuses any other; see 'agent A publishing tokens as agent B' in security.test.ts).
    const admin = await nats.connect('admin');
    for (let seq = 1; seq <= 5; seq++) {
      admin.publish(subjects.streamFrom(address, other), forged(other, 10_000 + seq)); // not in plan
      admin.publish(subjects.streamFrom(address, other), forged(planned, 10_000 + seq)); // body lies
    }
    await admin.flush();
    const text = await body;
    expect(text).toContain('data: [DONE]');
    expect(text).not.toContain('FORGED');
    expect(await dropped('not_in_plan')).toBe(5);
    expect(await dropped('sender_mismatch')).toBe(5);
  }, 60_000);

  it('an agent drops a KV hand-off whose body names another sender than its subject', async () => {
    const admin = await nats.connect('admin');
    const kv = createCodec(kvHandoffNoticeSchema);
    const dropped = () =>
      metricValue(fleet.agents[1]!.registry, 'adagen_agent_kv_notices_dropped_total');
    const before = await dropped();
    // On agent-0's subject (which only agent-0 may use) but claiming to come from agent-9.
    admin.publish(
      subjects.kv('agent-1', 'agent-0'),
      kv.encode({
        v: 1,
        type: 'kv_aborted',
        requestId: 'not-running',
        attempt: 0,
        fromInstanceId: 'agent-9',
        toInstanceId: 'agent-1',
        code: 'internal',
        message: 'forged',
        atMs: Date.now(),
      }),
    );
    await admin.flush();
    await waitFor('the notice is counted as dropped', async () => (await dropped()) > before, 5000);
    expect(await dropped()).toBe(before + 1);
  });
});
