// The generated NATS permissions on a real server: each role can do its job, and what it must
// not do is refused by the server (the client gets the permission error, nobody gets the message).
import {
  estimateRequestSchema,
  estimateResponseSchema,
  subjects,
  wildcards,
} from '@adagen/protocol';
import { request } from '@adagen/runtime';
import {
  AuthorizationError,
  PermissionViolationError,
  nkeyAuthenticator,
} from '@nats-io/nats-core';
import { createUser } from '@nats-io/nkeys';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateRequest, startEstimator } from './helpers.js';
import {
  bytes,
  firstMessage,
  publishDeniedThenAllowed,
  startSecureFleet,
  text,
  watchPermissionErrors,
} from './security.fleet.js';
import type { SecureFleet } from './security.fleet.js';

let fleet: SecureFleet;
const as: Record<string, NatsConnection> = {};
const USERS = [
  'gateway-gw-1',
  'gateway-gw-2',
  'classifier',
  'balancer-bal-1',
  'planner',
  'estimator',
  'agent-gpu-1',
  'agent-gpu-2',
  'observer',
  'admin',
];

beforeAll(async () => {
  fleet = await startSecureFleet({ gateways: ['gw-1', 'gw-2'], agents: ['gpu-1', 'gpu-2'] });
  for (const name of USERS) as[name] = await fleet.connect(name);
});
afterAll(() => fleet.stop());

const user = (name: string): NatsConnection => as[name] as NatsConnection;

describe('each role can do its job', () => {
  it('an agent publishes its own state; the balancer and the observer receive it', async () => {
    const atBalancer = user('balancer-bal-1').subscribe(wildcards.agentState);
    const atObserver = user('observer').subscribe(wildcards.agentState);
    await Promise.all([user('balancer-bal-1').flush(), user('observer').flush()]);
    user('agent-gpu-1').publish(subjects.state('gpu-1'), bytes('state of gpu-1'));
    const [b, o] = await Promise.all([firstMessage(atBalancer), firstMessage(atObserver)]);
    expect([b.subject, text(b), o.subject]).toEqual([
      'adagen.v1.agent.gpu-1.state',
      'state of gpu-1',
      'adagen.v1.agent.gpu-1.state',
    ]);
  });

  it('a balancer shard offers a request to another shard and gets its answer', async () => {
    const shard1 = await fleet.connect('balancer-bal-1');
    try {
      shard1.subscribe(wildcards.shardBalances, {
        callback: (_e, m) => {
          m.respond(bytes(`shard 1 got ${m.subject}`));
        },
      });
      await shard1.flush();
      const reply = await user('balancer-bal-1').request(subjects.shardBalance(1), bytes('offer'), {
        timeout: 5000,
      });
      expect(text(reply)).toBe('shard 1 got adagen.v1.svc.balance.1');
    } finally {
      await shard1.close();
    }
  });

  it('the planner dispatches to an agent and gets its reply (allow_responses)', async () => {
    const inbox = user('agent-gpu-1').subscribe(subjects.dispatch('gpu-1'));
    await user('agent-gpu-1').flush();
    void firstMessage(inbox).then((msg) => msg.respond(bytes(`ack ${text(msg)}`)));
    const reply = await user('planner').request(subjects.dispatch('gpu-1'), bytes('r-1'), {
      timeout: 10_000,
    });
    expect(text(reply)).toBe('ack r-1');
  });

  it('an agent streams tokens to the gateway holding the request, and KV notices to a peer', async () => {
    const streams = user('gateway-gw-1').subscribe(wildcards.gatewayStreams('gw-1'));
    const kv = user('agent-gpu-2').subscribe(wildcards.kvTo('gpu-2'));
    await Promise.all([user('gateway-gw-1').flush(), user('agent-gpu-2').flush()]);
    user('agent-gpu-1').publish(
      subjects.streamFrom(subjects.stream('gw-1', 'req-1'), 'gpu-1'),
      bytes('token'),
    );
    user('agent-gpu-1').publish(subjects.kv('gpu-2', 'gpu-1'), bytes('kv_ready'));
    expect(text(await firstMessage(streams))).toBe('token');
    expect(text(await firstMessage(kv))).toBe('kv_ready');
  });

  it('a Service API endpoint answers the balancer and is discoverable by the observer', async () => {
    const { lifecycle } = await startEstimator(user('estimator'));
    try {
      const result = await request(
        user('balancer-bal-1'),
        subjects.estimate,
        estimateRequestSchema,
        estimateResponseSchema,
        estimateRequest(300),
        { timeoutMs: 10_000 },
      );
      expect(result.ok && result.value.perInstance[0]?.newRequest.ttftMs).toBe(30);
      const ping = await user('observer').request('$SRV.PING.estimator', undefined, {
        timeout: 10_000,
      });
      expect(JSON.parse(text(ping))).toMatchObject({
        name: 'estimator',
        type: 'io.nats.micro.v1.ping_response',
      });

      // The gateway may not call the estimator: the request fails as `forbidden`, at once.
      const denied = await request(
        user('gateway-gw-1'),
        subjects.estimate,
        estimateRequestSchema,
        estimateResponseSchema,
        estimateRequest(),
        { timeoutMs: 30_000 },
      );
      expect(denied.ok).toBe(false);
      if (!denied.ok) {
        expect(denied.error.code).toBe('forbidden');
        expect(denied.error.message).toContain(
          'Permissions Violation for Publish to "adagen.v1.svc.estimate"',
        );
      }
    } finally {
      await lifecycle.stop();
    }
  });
});

describe('denied publishes are refused and not delivered', () => {
  it.each([
    [
      'agent A publishing agent B state',
      'agent-gpu-1',
      subjects.state('gpu-2'),
      subjects.state('gpu-1'),
    ],
    [
      'agent A publishing agent B completion',
      'agent-gpu-1',
      subjects.completion('gpu-2'),
      subjects.state('gpu-1'),
    ],
    [
      'agent A publishing tokens as agent B',
      'agent-gpu-1',
      subjects.streamFrom(subjects.stream('gw-1', 'req-1'), 'gpu-2'),
      subjects.state('gpu-1'),
    ],
    [
      'agent A sending a KV hand-off as agent B',
      'agent-gpu-1',
      subjects.kv('gpu-2', 'gpu-3'),
      subjects.kv('gpu-2', 'gpu-1'),
    ],
    [
      'an agent publishing on a stream address without its id',
      'agent-gpu-1',
      subjects.stream('gw-1', 'req-1'),
      subjects.state('gpu-1'),
    ],
    [
      'an agent publishing on the plan endpoint',
      'agent-gpu-1',
      subjects.plan,
      subjects.state('gpu-1'),
    ],
    [
      'an agent dispatching to another agent',
      'agent-gpu-1',
      subjects.dispatch('gpu-2'),
      subjects.state('gpu-1'),
    ],
    [
      'a gateway publishing agent state',
      'gateway-gw-1',
      subjects.state('gpu-1'),
      subjects.classify,
    ],
    [
      'a gateway publishing tokens',
      'gateway-gw-1',
      subjects.streamFrom(subjects.stream('gw-2', 'r-1'), 'gpu-1'),
      subjects.classify,
    ],
    [
      'a balancer publishing as another balancer',
      'balancer-bal-1',
      subjects.placements('bal-2'),
      subjects.placements('bal-1'),
    ],
    [
      'the classifier offering a request to a balancer shard',
      'classifier',
      subjects.shardBalance(1),
      subjects.balance,
    ],
    [
      'a gateway offering a request to a balancer shard',
      'gateway-gw-1',
      subjects.shardBalance(0),
      subjects.classify,
    ],
    [
      'the observer publishing anything on adagen',
      'observer',
      subjects.state('gpu-1'),
      '$SRV.PING',
    ],
  ])('%s', async (_what, offender, denied, allowed) => {
    const { first, error } = await publishDeniedThenAllowed(
      user(offender),
      user('admin'),
      denied,
      allowed,
    );
    expect(first.subject).toBe(allowed); // the forged message, sent first, never arrived
    const refused = await error; // sent by the server before it answered the flush
    expect(refused).toBeInstanceOf(PermissionViolationError);
    expect(refused.operation).toBe('publish');
    expect(refused.subject).toBe(denied);
  });
});

describe('denied subscriptions and connections', () => {
  it.each([
    ["agent A reading agent B's dispatch", 'agent-gpu-1', subjects.dispatch('gpu-2')],
    ['an agent reading every reply inbox', 'agent-gpu-1', '_INBOX.>'],
    ["gateway 1 reading gateway 2's streams", 'gateway-gw-1', wildcards.gatewayStreams('gw-2')],
    ['the estimator reading completion records', 'estimator', wildcards.agentCompletion],
  ])('%s', async (_what, offender, subject) => {
    const errors = watchPermissionErrors(user(offender));
    const sub = user(offender).subscribe(subject);
    // The server refuses the SUB with -ERR before it answers this flush's PING.
    await user(offender).flush();
    expect(sub.isClosed()).toBe(true);
    expect(await sub.closed).toBeInstanceOf(PermissionViolationError);
    const refused = await errors.next(); // the error that closed the subscription
    expect(refused.operation).toBe('subscription');
    expect(refused.subject).toBe(subject);
  });

  it('a client without credentials, or with an unknown key, cannot connect', async () => {
    await expect(connect({ servers: [fleet.server.url], reconnect: false })).rejects.toThrow(
      AuthorizationError,
    );
    await expect(
      connect({ servers: [fleet.server.url], reconnect: false, user: 'admin', pass: 'guess' }),
    ).rejects.toThrow(AuthorizationError);
    const stranger = nkeyAuthenticator(createUser().getSeed());
    await expect(
      connect({ servers: [fleet.server.url], reconnect: false, authenticator: stranger }),
    ).rejects.toThrow(AuthorizationError);
  });
});
