/**
 * Balancers count prefix-cache hits only on agents whose engine caches prefixes. On sim agents
 * whose engine caches (`ADAGEN_ENGINE_PREFIX_CACHING=true`) a repeated prompt is a hit the engine
 * really has — from the agent's cache events, or guessed from the placement until they arrive,
 * and from placements alone with the events off. On engines that do not cache (the sim backend's
 * default), guessing it cached made every prompt sharing a start with an earlier one look
 * prefilled already — estimates far too early (a live replay of identical-start prompts: TTFT
 * predicted ~100 ms early at the median).
 */
import { connect } from '@nats-io/transport-node';
import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { InProcessFleet } from './fleet/in-process.js';
import { postStream } from './fleet/openai-client.js';
import { fleetForSuite } from './fleet/suite.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const PROMPT = 'a shared start of many prompts '.repeat(30);

interface Record_ {
  requestId: string;
  candidates?: Array<{ instanceId: string; cachedBlocks?: number }>;
  chosen?: string;
  reasons?: string[];
  predicted?: { ttftMs: number };
}

/** Sends the same prompt `n` times, one after another; the decision records and notices. */
async function repeat(
  natsUrl: string,
  fleet: InProcessFleet,
  n: number,
): Promise<{ records: Record_[]; notices: number }> {
  const nc = await connect({ servers: natsUrl });
  const records: Record_[] = [];
  let notices = 0;
  try {
    nc.subscribe('adagen.v1.decisions.*', {
      callback: (_e, m) => {
        records.push(unpack(m.data) as Record_);
      },
    });
    nc.subscribe('adagen.v1.placements.*', {
      callback: () => {
        notices += 1;
      },
    });
    await nc.flush();
    for (let i = 0; i < n; i++) {
      const r = await postStream(`${fleet.url}/v1/completions`, {
        model: MODEL,
        prompt: PROMPT,
        max_tokens: 2,
        stream: true,
      });
      expect(r.status, r.body).toBe(200);
    }
    const until = Date.now() + 5_000;
    while (records.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await nc.flush();
  } finally {
    await nc.close();
  }
  expect(records).toHaveLength(n);
  return { records, notices };
}

const cachedBlocks = (r: Record_) =>
  Math.max(0, ...(r.candidates ?? []).map((c) => c.cachedBlocks ?? 0));

/** Prompt tokens the agents' engines found in their prefix caches, all together. */
function hitTokens(fleet: InProcessFleet): number {
  return fleet.agents
    .map((a) => a.agent.backend.snapshot(0).prefixCache?.hitTokens ?? 0)
    .reduce((x, y) => x + y, 0);
}

describe.each<{ caching: boolean; events: boolean; env: Record<string, string> }>([
  { caching: false, events: false, env: {} },
  { caching: true, events: true, env: { ADAGEN_ENGINE_PREFIX_CACHING: 'true' } },
  {
    caching: true,
    events: false,
    env: { ADAGEN_ENGINE_PREFIX_CACHING: 'true', ADAGEN_CACHE_EVENTS: 'false' },
  },
])('sim agents with prefix caching $caching, cache events $events', ({ caching, events, env }) => {
  const suite = fleetForSuite({ agents: 2, policy: 'adagen', agentEnv: () => env });

  it(
    caching
      ? 'a repeated prompt is a hit where it ran, in the estimates and in the engine'
      : 'no hit is counted or announced, and the engines find none',
    async () => {
      const { nats, fleet } = suite;
      const { records, notices } = await repeat(nats.url, fleet, 4);
      const later = records.slice(1);
      if (caching) {
        for (const r of later) expect(cachedBlocks(r), JSON.stringify(r)).toBeGreaterThan(0);
        expect(hitTokens(fleet)).toBeGreaterThan(0);
        const balancer = fleet.balancers[0]!;
        const indexed = () => balancer.prefix.locator.events.totalBlocks;
        if (events) {
          // The engine's blocks reach the balancer as events (a batch at most every 100 ms;
          // notices only bridge until then).
          const until = Date.now() + 5_000;
          while (indexed() === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
          expect(indexed()).toBeGreaterThan(0);
        } else {
          // Indexed from placements alone, and peers told of each.
          await new Promise((r) => setTimeout(r, 300)); // three event periods: none may come
          expect(
            fleet.agents.filter((a) => balancer.prefix.locator.hasEvents(a.instanceId)),
          ).toHaveLength(0);
          expect(indexed()).toBe(0);
          expect(notices).toBe(4);
        }
      } else {
        expect(notices).toBe(0);
        for (const r of records) {
          expect(cachedBlocks(r), JSON.stringify(r)).toBe(0);
          // No agent caches: the record says nothing about prefix caches.
          expect(r.reasons?.filter((x) => x.startsWith('prefix cache'))).toEqual([]);
        }
        expect(hitTokens(fleet)).toBe(0);
      }
      // Each agent announces what its engine does.
      for (const a of fleet.agents) expect(a.agent.capabilities.prefixCaching).toBe(caching);
    },
  );
});
