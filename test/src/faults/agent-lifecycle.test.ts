/**
 * Faults: an agent restarted (SIGKILL, then a new process with the same id) rejoins cleanly;
 * an agent scaled down gracefully (SIGTERM) announces draining, gets no new work, finishes what
 * it holds, then leaves — no request fails.
 */
import { describe, expect, it } from 'vitest';
import { serviceBuilt } from '../fleet/processes.js';
import { withAgentFleet } from './agent-fleet.js';
import { send } from './client.js';
import type { Outcome } from './client.js';
import { metricValue, scrape, waitFor } from './metrics.js';
import { summarize } from './tally.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const body = (i: number, tokens: number) => ({
  model: MODEL,
  prompt: `lifecycle ${i} `.repeat(30),
  max_tokens: tokens,
  ignore_eos: true,
  stream: i % 2 === 0,
});
const LIFECYCLE = { policy: 'least-requests', agentLogLevel: 'info' };

describe.skipIf(!serviceBuilt('agent'))('agent lifecycle faults', () => {
  it('an agent restarted under the same id rejoins cleanly and serves again', async () => {
    await withAgentFleet(LIFECYCLE, async (fleet, agents, start) => {
      const url = `${fleet.url}/v1/completions`;
      const first = Array.from({ length: 12 }, (_, i) =>
        send(url, body(i, 200), { clientTimeoutMs: 20_000 }),
      );
      await new Promise((r) => setTimeout(r, 200));
      await agents[1]!.kill();
      agents[1] = await start(1);
      await fleet.waitForAgents(3);
      const rejoined = Array.from({ length: 12 }, (_, i) =>
        send(url, body(50 + i, 20), { clientTimeoutMs: 20_000 }),
      );
      const outcomes: Outcome[] = [...(await Promise.all(first)), ...(await Promise.all(rejoined))];
      const served = await scrape(agents[1].httpPort, 'adagen_agent_finished_total');
      const s = summarize('agent SIGKILLed and restarted under the same id', outcomes, {
        'finished by the new agent-1': served,
      });
      expect([s.lost, s.hung]).toEqual([0, 0]);
      for (const o of outcomes.filter((x) => x.kind === 'failed')) {
        expect(o.code, o.message).toBe('instance_failed');
        expect(o.tokens).toBeGreaterThan(0);
      }
      expect(outcomes.slice(12).every((o) => o.kind === 'completed')).toBe(true);
      expect(served, 'the restarted agent takes work again').toBeGreaterThan(0);
    });
  });

  it('SIGTERM drains an agent: no new work, what it holds finishes, then it leaves', async () => {
    await withAgentFleet(LIFECYCLE, async (fleet, agents) => {
      const url = `${fleet.url}/v1/completions`;
      const victim = agents[0]!;
      // Long enough (~1.3 s each at 5x) to still be running when SIGTERM comes.
      const held = Array.from({ length: 12 }, (_, i) =>
        send(url, body(i, 600), { clientTimeoutMs: 20_000 }),
      );
      await waitFor(
        'agent-0 runs requests',
        async () => (await scrape(victim.httpPort, 'adagen_agent_running_requests')) > 0,
        5000,
      );
      const exited = new Promise<number | null>((r) => victim.process.once('exit', (c) => r(c)));
      const runningAtTerm = await scrape(victim.httpPort, 'adagen_agent_running_requests');
      victim.process.kill('SIGTERM');
      const during: Promise<Outcome>[] = [];
      for (let i = 0; i < 15; i++) {
        during.push(send(url, body(100 + i, 30), { clientTimeoutMs: 20_000 }));
        await new Promise((r) => setTimeout(r, 20));
      }
      const code = await exited;
      const log = (msg: string) => {
        const line = victim
          .output()
          .split('\n')
          .find((l) => l.includes(`"msg":"${msg}"`));
        expect(line, `${msg} in the agent's log:\n${victim.output()}`).toBeDefined();
        return JSON.parse(line!) as Record<string, number>;
      };
      const draining = log('agent draining: no new work');
      const drained = log('agent drained');
      const refused = await metricValue(fleet.gateway.registry, 'adagen_gateway_retries_total');
      const outcomes = [...(await Promise.all(held)), ...(await Promise.all(during))];
      const s = summarize('agent SIGTERMed (graceful scale-down) under load', outcomes, {
        'held by it at SIGTERM': draining.holding!,
        'finished there while draining': drained.finished!,
        'drain ms': drained.drainMs!,
        'gateway retries (dispatches refused while draining)': refused,
      });
      expect(code, victim.output()).toBe(0);
      expect(victim.output()).toMatch(/"msg":"draining"/);
      const failures = outcomes.filter((o) => o.kind !== 'completed');
      expect(s, JSON.stringify(failures)).toMatchObject({
        completed: outcomes.length,
        failed: 0,
        lost: 0,
        hung: 0,
      });
      expect(draining.holding, 'the drain had work to finish').toBeGreaterThan(0);
      expect(draining.holding).toBeGreaterThanOrEqual(runningAtTerm);
      expect(drained).toMatchObject({ failed: 0, left: 0, finished: draining.holding });
      await waitFor(
        'agent-0 left every view',
        () => fleet.balancers.every((b) => !b.view.has('agent-0')),
        2000,
      );
    });
  });
});
