/**
 * Two replicas of every step share the request stream (Service API queue groups); balancer
 * replicas tell each other where they put prompt prefixes; a replica killed hard mid-run leaves the others serving.
 */
import {
  agentAnnounceSchema,
  classificationSchema,
  createCodec,
  kvCacheMessageSchema,
  placementSchema,
  planResultSchema,
  stateMessageSchema,
  subjects,
} from '@adagen/protocol';
import type { Classification, RequestProgress } from '@adagen/protocol';
import { readyState } from '@adagen/protocol/testing';
import { parseConfig, request } from '@adagen/runtime';
import { balancerConfigSchema, startBalancer } from '@adagen/svc-balancer';
import { createInbox } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { unpack } from 'msgpackr';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessFleet } from './fleet/in-process.js';
import { startInProcessFleet } from './fleet/in-process.js';
import { postStream } from './fleet/openai-client.js';
import { send } from './faults/client.js';
import type { Outcome } from './faults/client.js';
import { summarize } from './faults/tally.js';
import { serviceBuilt, startServiceProcess } from './fleet/processes.js';
import type { ServiceProcess } from './fleet/processes.js';
import type { NatsServer } from './natsServer.js';
import { startNatsServer } from './natsServer.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';

async function counterValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((s, v) => s + v.value, 0);
}

function completion(i: number, tokens = 6) {
  return {
    model: MODEL,
    prompt: `replica test ${i} `.repeat(1 + (i % 5) * 30),
    max_tokens: tokens,
    ignore_eos: true,
    stream: true,
  };
}

/** Streams `n` completions at once through the gateway; each must finish whole. */
async function streamAll(url: string, n: number): Promise<void> {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) => postStream(`${url}/v1/completions`, completion(i))),
  );
  for (const r of results) {
    expect(r.status, r.body).toBe(200);
    expect(r.sawDone).toBe(true);
  }
}

describe('two replicas of every step', () => {
  let nats: NatsServer;
  let fleet: InProcessFleet;

  beforeAll(async () => {
    nats = await startNatsServer();
    fleet = await startInProcessFleet({
      natsUrl: nats.url,
      agents: 3,
      replicas: 2,
      policy: 'adagen',
      timeScale: 5,
      // Engines that cache prefixes and send no cache events: peers learn from notices.
      agentEnv: () => ({ ADAGEN_ENGINE_PREFIX_CACHING: 'true', ADAGEN_CACHE_EVENTS: 'false' }),
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    await nats?.stop();
  });

  it('are discoverable through the Service API', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const found = new Map<string, number>();
      const inbox = createInbox();
      const sub = nc.subscribe(inbox);
      nc.publish('$SRV.PING', undefined, { reply: inbox });
      setTimeout(() => sub.unsubscribe(), 500);
      for await (const m of sub) {
        const name = m.json<{ name: string }>().name;
        found.set(name, (found.get(name) ?? 0) + 1);
      }
      expect(Object.fromEntries(found)).toMatchObject({
        classifier: 2,
        balancer: 2,
        planner: 2,
        estimator: 1,
        gateway: 1,
        agent: 3,
      });
    } finally {
      await nc.close();
    }
  });

  it('share the requests, and balancers see each other’s placements', async () => {
    await streamAll(fleet.url, 40);
    const ok = (rt: { registry: Registry }, endpoint: string) =>
      counterValue(rt.registry, 'adagen_endpoint_messages_total', { endpoint, outcome: 'ok' });
    for (const [replicas, endpoint] of [
      [fleet.classifiers, 'classify'],
      [fleet.balancers, 'balance'],
      [fleet.planners, 'plan'],
    ] as const) {
      const counts = await Promise.all(replicas.map((rt) => ok(rt, endpoint)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
      expect(Math.min(...counts), `${endpoint}: ${counts.join(', ')}`).toBeGreaterThan(0);
    }
    for (const b of fleet.balancers) {
      const notices = await counterValue(b.registry, 'adagen_subscription_messages_total', {
        subject: 'adagen.v1.placements.*',
        outcome: 'ok',
      });
      expect(notices).toBeGreaterThan(0);
    }
  });

  it('send a placement notice only with a prompt prefix for peers (agents without cache events)', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const seen: Array<Record<string, unknown>> = [];
      nc.subscribe('adagen.v1.placements.*', {
        callback: (_e, m) => {
          seen.push(unpack(m.data) as Record<string, unknown>);
        },
      });
      await nc.flush();
      // Shorter than one prefix block (16 tokens): no prefix, so no notice — peers learn of the
      // placement from the agent's state. Long enough for blocks: a notice carrying them.
      const short = { model: MODEL, prompt: 'hi', max_tokens: 2, stream: true };
      const long = { model: MODEL, prompt: 'notice me '.repeat(40), max_tokens: 2, stream: true };
      const results = await Promise.all([
        ...Array.from({ length: 6 }, () => postStream(`${fleet.url}/v1/completions`, short)),
        ...Array.from({ length: 2 }, () => postStream(`${fleet.url}/v1/completions`, long)),
      ]);
      for (const r of results) expect(r.status, r.body).toBe(200);
      await nc.flush();
      expect(seen).toHaveLength(2);
      for (const n of seen)
        expect((n.prefix as { blockHashes: unknown[] }).blockHashes.length).toBeGreaterThan(0);
    } finally {
      await nc.close();
    }
  });
});

/** An in-process balancer as shard `shard` of 2. */
function startShard(natsUrl: string, shard: number, env: Record<string, string> = {}) {
  return startBalancer(
    parseConfig(balancerConfigSchema, {
      env: {
        ADAGEN_NATS_SERVERS: natsUrl,
        ADAGEN_LOG_LEVEL: 'silent',
        ADAGEN_HTTP_PORT: '0',
        ADAGEN_HTTP_HOST: '127.0.0.1',
        ADAGEN_SHARDS: '2',
        ADAGEN_SHARD: String(shard),
        ...env,
      },
    }),
  );
}

describe('balancer shards', () => {
  it('split the agents by rank, each placing only on its own share; the split follows an agent that leaves', async () => {
    await using nats = await startNatsServer();
    await using fleet = await startInProcessFleet({
      natsUrl: nats.url,
      agents: 5,
      replicas: 2,
      balancerShards: true,
      policy: 'adagen',
      timeScale: 5,
    });
    const shares = () => fleet.balancers.map((b) => b.view.members().map((m) => m.id));
    // Ranks 0..4 in id order: shard 0 takes ranks 0, 2, 4; shard 1 ranks 1, 3.
    expect(shares()).toEqual([
      ['agent-0', 'agent-2', 'agent-4'],
      ['agent-1', 'agent-3'],
    ]);
    const nc = await connect({ servers: nats.url });
    const chosen = new Map<string, Set<string>>();
    try {
      nc.subscribe('adagen.v1.decisions.*', {
        callback: (_e, m) => {
          const d = unpack(m.data) as { balancerId: string; chosen?: string };
          if (d.chosen === undefined) return;
          const set = chosen.get(d.balancerId) ?? new Set<string>();
          set.add(d.chosen);
          chosen.set(d.balancerId, set);
        },
      });
      await nc.flush();
      await streamAll(fleet.url, 40);
      await nc.flush();
      // Both shards placed, each only on its own agents.
      expect([...(chosen.get('bal-0') ?? [])].every((id) => shares()[0]!.includes(id))).toBe(true);
      expect([...(chosen.get('bal-1') ?? [])].every((id) => shares()[1]!.includes(id))).toBe(true);
      expect(chosen.get('bal-0')?.size ?? 0).toBeGreaterThan(0);
      expect(chosen.get('bal-1')?.size ?? 0).toBeGreaterThan(0);
      // The other shard's states were skipped undecoded.
      for (const b of fleet.balancers)
        expect(
          await counterValue(b.registry, 'adagen_subscription_messages_total', {
            subject: 'adagen.v1.agent.*.state',
            outcome: 'skipped',
          }),
        ).toBeGreaterThan(0);
    } finally {
      await nc.close();
    }
    // agent-1 goes: ranks move, and each shard gains its new agents with their next full state.
    await fleet.agents[1]!.stop('test: agent leaves');
    // (The shares can add up to 4 agents before every shard has read the goodbye: wait for the
    // split itself. The step that moves it is checked on crafted messages below.)
    await fleet.waitForAgents(4);
    const want = [
      ['agent-0', 'agent-3'],
      ['agent-2', 'agent-4'],
    ];
    const until = Date.now() + 10_000;
    while (JSON.stringify(shares()) !== JSON.stringify(want) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    expect(shares()).toEqual(want);
    await streamAll(fleet.url, 10);
  });
});

describe('a balancer shard', () => {
  it('drops the agents it no longer owns in the step that moves the split', async () => {
    await using nats = await startNatsServer();
    const originMs = Date.now();
    const bal = await startShard(nats.url, 1, { ADAGEN_CLOCK_ORIGIN_MS: String(originMs) });
    const nc = await connect({ servers: nats.url });
    try {
      const states = createCodec(stateMessageSchema);
      const announces = createCodec(agentAnnounceSchema);
      const ids = ['a-0', 'a-1', 'a-2', 'a-3'];
      for (const id of ids)
        nc.publish(
          subjects.state(id),
          states.encode(readyState({ instanceId: id, atMs: Date.now() - originMs })),
        );
      await nc.flush();
      // Ranks 0..3: shard 1 holds a-1 and a-3 (heard in any order, the split is by rank).
      while (bal.view.size < 2) await new Promise((r) => setTimeout(r, 5));
      expect(bal.view.members().map((m) => m.id)).toEqual(['a-1', 'a-3']);
      // Prefix-cache messages: its own agents' are indexed, the others' skipped undecoded.
      const caches = createCodec(kvCacheMessageSchema);
      for (const id of ids)
        nc.publish(
          subjects.cache(id),
          caches.encode({
            v: 1,
            type: 'kv_snapshot',
            instanceId: id,
            epoch: 1,
            seq: 1,
            atMs: Date.now() - originMs,
            blockSize: 16,
            blockHashes: [1, 2, 3],
          }),
        );
      await nc.flush();
      const cacheMessages = (outcome: string) =>
        counterValue(bal.registry, 'adagen_subscription_messages_total', {
          subject: 'adagen.v1.agent.*.cache',
          outcome,
        });
      while ((await cacheMessages('ok')) + (await cacheMessages('skipped')) < 4)
        await new Promise((r) => setTimeout(r, 5));
      expect(await cacheMessages('ok')).toBe(2);
      expect(await cacheMessages('skipped')).toBe(2);
      expect(bal.prefix.locator.events.totalBlocks).toBe(6);
      nc.publish(
        subjects.announce('a-1'),
        announces.encode({
          v: 1,
          type: 'agent_announce',
          instanceId: 'a-1',
          status: 'down',
          profile: 'llama-3-8b_a100-80gb_tp1',
          engine: 'sim',
          atMs: Date.now() - originMs,
        }),
      );
      await nc.flush();
      // Ranks 0..2 now (a-0, a-2, a-3): shard 1 holds a-2, and a-3 went in the same step as a-1,
      // not when its states stopped reaching this shard. a-2 comes with its next full state.
      while (bal.view.has('a-1')) await new Promise((r) => setTimeout(r, 1));
      expect(bal.view.has('a-3')).toBe(false);
      nc.publish(
        subjects.state('a-2'),
        states.encode(readyState({ instanceId: 'a-2', atMs: Date.now() - originMs })),
      );
      await nc.flush();
      while (!bal.view.has('a-2')) await new Promise((r) => setTimeout(r, 5));
      expect(bal.view.members().map((m) => m.id)).toEqual(['a-2']);
    } finally {
      await nc.close();
      await bal.stop('test over');
    }
  });
});

/**
 * Two in-process balancer shards on crafted agent states, for the spill tests: a-0 (shard 0's)
 * has minutes of prefill queued, a-1 (shard 1's) is idle; a stand-in planner runs every placement
 * as it is. `env` is added to both shards' configuration.
 */
async function spillRig(natsUrl: string, env: Record<string, string> = {}) {
  const nowMs = () => Date.now(); // the fleet clock at time scale 1
  const balancer = (shard: number) =>
    startShard(natsUrl, shard, {
      ADAGEN_BALANCER_ID: `bal-${shard}`,
      ADAGEN_ADMISSION: 'none',
      ...env,
    });
  const bals = [await balancer(0), await balancer(1)];
  const nc = await connect({ servers: natsUrl });
  // A planner that runs every placement as it is: the plan names the placed agent.
  const placements = createCodec(placementSchema);
  const results = createCodec(planResultSchema);
  nc.subscribe(subjects.plan, {
    queue: 'planner',
    callback: (_e, m) => {
      const p = placements.decode(m.data);
      if (!p.ok) throw p.error;
      const r = p.value.classification.request;
      m.respond(
        results.encode({
          v: 1,
          type: 'plan_result',
          requestId: r.requestId,
          attempt: r.attempt,
          plan: { kind: 'single', instanceId: p.value.instanceId },
          dispatchedAtMs: nowMs(),
        }),
      );
    },
  });
  // a-0 (shard 0's) has minutes of prefill queued; a-1 (shard 1's) is idle.
  const states = createCodec(stateMessageSchema);
  const queue = (n: number): RequestProgress[] =>
    Array.from({ length: n }, (_, i) => ({
      id: `q-${i}`,
      kind: 'full',
      promptTokens: 8000,
      phase: 'waiting',
      prefilledTokens: 0,
      generatedTokens: 0,
      arrivalMs: Math.max(0, nowMs() - 10),
      predictedOutputTokens: 100,
    }));
  const publishState = (id: string, waiting: RequestProgress[]) =>
    nc.publish(
      subjects.state(id),
      states.encode(readyState({ instanceId: id, atMs: nowMs(), waiting })),
    );
  publishState('a-0', queue(40));
  publishState('a-1', []);
  await nc.flush();
  while (bals.some((b) => b.view.size < 1)) await new Promise((r) => setTimeout(r, 5));
  let n = 0;
  const classification = (): Classification => {
    const at = nowMs();
    return {
      v: 1,
      type: 'classification',
      request: {
        v: 1,
        type: 'inference_request',
        requestId: `r-${n++}`,
        gatewayId: 'gw-1',
        attempt: 0,
        receivedAtMs: at,
        deadlineAtMs: at + 20_000,
        model: MODEL,
        endpoint: 'completions',
        prompt: 'spill',
        stream: true,
        slo: { ttftMs: 500, tpotMs: 200 },
      },
      promptTokens: 100,
      predictedOutputTokens: 20,
      class: { prefill: 'short', decode: 'short' },
      thresholds: { longPrefillTokens: 1024, longDecodeTokens: 64 },
    };
  };
  const placeAll = async (count: number) => {
    const placed: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = await request(
        nc,
        subjects.balance,
        classificationSchema,
        planResultSchema,
        classification(),
        { timeoutMs: 10_000 },
      );
      if (!r.ok) throw r.error;
      placed.push(r.value.plan.kind === 'single' ? r.value.plan.instanceId : '?');
    }
    return placed;
  };
  const spills = (b: number, side: string, outcome: string) =>
    counterValue(bals[b]!.registry, 'adagen_shard_spills_total', { side, outcome });
  // The decision records say what became of each offer (the dashboard shows them).
  const said: string[] = [];
  nc.subscribe('adagen.v1.decisions.*', {
    callback: (_e, m) => {
      const d = unpack(m.data) as { balancerId: string; reasons: string[] };
      for (const r of d.reasons)
        if (r.startsWith('shard spill: ')) said.push(`${d.balancerId} ${r}`);
    },
  });
  await nc.flush();
  const saidOnce = async (pattern: RegExp) => {
    await nc.flush();
    return said.some((x) => pattern.test(x));
  };
  return {
    bals,
    nc,
    publishState,
    queue,
    placeAll,
    spills,
    saidOnce,
    async [Symbol.asyncDispose]() {
      await nc.close();
      for (const b of bals) await b.stop('test over');
    },
  };
}

describe('balancer shards with spill', () => {
  it('offer a request hopeless on their own agents to another shard, which takes it if it predicts a hit there', async () => {
    await using nats = await startNatsServer();
    await using rig = await spillRig(nats.url);
    const { bals, nc, publishState, queue, placeAll, spills, saidOnce } = rig;
    {
      // Whichever shard the queue group hands a request to, it runs on the idle agent: shard 0
      // offers it to shard 1, which takes it. (Shard 0 is handed none of 24 once in 2^24 runs.)
      expect(new Set(await placeAll(24))).toEqual(new Set(['a-1']));
      const offered = await spills(0, 'offered', 'taken');
      expect(offered).toBeGreaterThan(0);
      expect(await spills(1, 'received', 'taken')).toBe(offered);
      expect(await spills(1, 'offered', 'taken')).toBe(0); // shard 1 had a hit of its own
      expect(
        await saidOnce(
          /^bal-1 shard spill: taken from shard 0 \(bal-0\), which predicted a miss on all its agents$/,
        ),
      ).toBe(true);

      // Both shards hopeless: each declines the other's offers, and places on its own agent. As
      // declines pile up, a shard stops offering most of the time (held): each offer costs the
      // other shard a decision: below half of their recent offers taken. (With none held in 80,
      // the chance was under 1e-6.)
      publishState('a-1', queue(40));
      await nc.flush();
      await new Promise((r) => setTimeout(r, 100));
      const placed = await placeAll(80);
      const [declined0, declined1, held0, held1] = [
        await spills(0, 'offered', 'declined'),
        await spills(1, 'offered', 'declined'),
        await spills(0, 'offered', 'held'),
        await spills(1, 'offered', 'held'),
      ];
      expect(declined0 + declined1 + held0 + held1).toBe(80);
      expect(held0 + held1).toBeGreaterThan(0);
      expect(declined0 + declined1).toBeGreaterThan(0);
      expect(await spills(0, 'received', 'declined')).toBe(declined1);
      expect(await spills(1, 'received', 'declined')).toBe(declined0);
      expect(placed.filter((id) => id === 'a-0').length).toBe(declined0 + held0);
      expect(
        await saidOnce(
          /^bal-[01] shard spill: offered to shard [01], which declined: predicted to miss its SLO on all 1 agents of shard [01]$/,
        ),
      ).toBe(true);
      expect(await saidOnce(/^bal-[01] shard spill: held back, not offered: fewer than half/)).toBe(
        true,
      );

      // Shard 1 gone: shard 0 finds no replica to offer to (or holds the offer), and places on
      // its own agent.
      await bals[1]!.stop('test: shard 1 leaves');
      expect(new Set(await placeAll(4))).toEqual(new Set(['a-0']));
      expect(
        (await spills(0, 'offered', 'unreachable')) + (await spills(0, 'offered', 'held')) - held0,
      ).toBe(4);
    }
  });

  it('with --shard-spill false, place what they find hopeless on their own agents and offer nothing', async () => {
    await using nats = await startNatsServer();
    await using rig = await spillRig(nats.url, { ADAGEN_SHARD_SPILL: 'false' });
    // Shard 0's requests stay on its queued agent (none of 24 handed to shard 0: once in 2^24).
    expect(new Set(await rig.placeAll(24))).toEqual(new Set(['a-0', 'a-1']));
    for (const b of [0, 1])
      for (const side of ['offered', 'received'])
        for (const outcome of ['taken', 'declined', 'held', 'unreachable'])
          expect(await rig.spills(b, side, outcome)).toBe(0);
  });
});

describe.skipIf(!serviceBuilt('balancer'))('a replica killed mid-run', () => {
  it('leaves the other replicas serving; requests in flight on it are placed again end to end', async () => {
    await using nats = await startNatsServer();
    const env = {
      ADAGEN_NATS_SERVERS: nats.url,
      ADAGEN_LOG_LEVEL: 'warn',
      ADAGEN_POLICY: 'least-requests',
      ADAGEN_TIME_SCALE: '5',
      ADAGEN_CLOCK_ORIGIN_MS: String(Date.now()),
    };
    await using fleet = await startInProcessFleet({
      natsUrl: nats.url,
      agents: 2,
      replicas: 1,
      policy: 'least-requests',
      timeScale: 5,
      env: {
        ADAGEN_CLOCK_ORIGIN_MS: env.ADAGEN_CLOCK_ORIGIN_MS,
        ADAGEN_REQUEST_TIMEOUT_MS: '8000',
        // An attempt lost with a killed replica is placed again after this.
        ADAGEN_ATTEMPT_TIMEOUT_MS: '1000',
      },
    });
    const victims: ServiceProcess[] = [];
    for (const name of ['classifier', 'balancer', 'planner'] as const)
      victims.push(await startServiceProcess(name, { ...env, ADAGEN_TOKENIZER: 'chars' }));
    try {
      const balancerProcess = victims[1]!;
      const waitUntil = Date.now() + 10_000;
      while (Date.now() < waitUntil) {
        const m = await (
          await fetch(`http://127.0.0.1:${balancerProcess.httpPort}/metrics`)
        ).text();
        if (/^adagen_instances\{[^}]*\} 2$/m.test(m)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const started: Array<{ atMs: number; result: Promise<Outcome> }> = [];
      const t0 = Date.now();
      let killedAtMs = 0;
      for (let i = 0; i < 90; i++) {
        started.push({
          atMs: Date.now() - t0,
          result: send(`${fleet.url}/v1/completions`, completion(i, 10), {
            clientTimeoutMs: 20_000,
          }),
        });
        if (i === 30) {
          await Promise.all(victims.map((v) => v.kill()));
          killedAtMs = Date.now() - t0;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      const results = await Promise.all(
        started.map(async (s) => ({ atMs: s.atMs, r: await s.result })),
      );
      const outcomes = results.map((x) => x.r);
      const retries = await counterValue(
        fleet.gateway.registry,
        'adagen_gateway_retries_total',
        {},
      );
      const summary = summarize(
        'a classifier, balancer and planner replica SIGKILLed under load',
        outcomes,
        { 'gateway retries': retries },
      );
      // Requests in flight on the killed replicas are placed again: every one is served.
      expect(summary).toMatchObject({ completed: 90, failed: 0, lost: 0, hung: 0 });
      const after = results.filter((x) => x.atMs > killedAtMs + 200);
      expect(after.length).toBeGreaterThan(40);
    } finally {
      await Promise.all(victims.map((v) => v.stop()));
    }
  });
});
