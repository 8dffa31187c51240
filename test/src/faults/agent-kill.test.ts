/**
 * Fault: an agent process SIGKILLed while it streams. Requests it held with no token sent to the
 * client yet are placed again elsewhere; streams it had started end with one clear
 * `instance_failed` error; none is lost or hung; the agent leaves placement within the bound
 * (snapshots silent for max(5 periods, 500 wall ms)), after which every request is served.
 */
import { describe, expect, it } from 'vitest';
import { serviceBuilt } from '../fleet/processes.js';
import { withAgentFleet } from './agent-fleet.js';
import type { AgentFleetOptions } from './agent-fleet.js';
import { send } from './client.js';
import type { Outcome } from './client.js';
import { metricValue, waitFor } from './metrics.js';
import { summarize } from './tally.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const body = (i: number, stream: boolean, tokens: number) => ({
  model: MODEL,
  prompt: `fault ${i} `.repeat(20 + (i % 4) * 40),
  max_tokens: tokens,
  ignore_eos: true,
  stream,
});

describe.skipIf(!serviceBuilt('agent'))('an agent killed mid-stream', () => {
  it('re-places what had no token yet, fails started streams clearly, loses nothing', async () => {
    const options: AgentFleetOptions = {
      policy: 'round-robin',
      agentLogLevel: 'warn',
      // The victim runs 3 at a time, so it also holds queued requests with no token yet.
      agentEnv: (i): Record<string, string> => (i === 0 ? { ADAGEN_MAX_NUM_SEQS: '3' } : {}),
    };
    await withAgentFleet(options, async (fleet, agents) => {
      const url = `${fleet.url}/v1/completions`;
      const inFlight: Promise<Outcome>[] = [];
      for (let i = 0; i < 30; i++)
        inFlight.push(send(url, body(i, i % 4 !== 3, 300), { clientTimeoutMs: 20_000 }));
      await new Promise((r) => setTimeout(r, 250));
      await agents[0]!.kill();
      const dropMs = await waitFor(
        'every balancer and planner drops agent-0',
        () => [...fleet.balancers, ...fleet.planners].every((s) => !s.view.has('agent-0')),
        5000,
      );
      const during = await Promise.all(inFlight);
      const after = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          send(url, body(100 + i, i % 2 === 0, 20), { clientTimeoutMs: 20_000 }),
        ),
      );
      const retries = await metricValue(fleet.gateway.registry, 'adagen_gateway_retries_total');
      const all = [...during, ...after];
      const s = summarize('agent SIGKILLed mid-stream', all, {
        retries,
        'dropped from placement after (ms)': Math.round(dropMs),
      });
      expect(s.lost, 'lost').toBe(0);
      expect(s.hung, 'hung').toBe(0);
      for (const o of all.filter((x) => x.kind === 'failed')) {
        expect(o.code, o.message).toBe('instance_failed');
        expect(o.message).toMatch(/instance agent-0 .*after \d+ chunks were sent/);
        expect(o.tokens, 'only streams that had sent tokens may fail').toBeGreaterThan(0);
      }
      expect(
        s.failed,
        'at most the 3 requests running on agent-0 had tokens out',
      ).toBeLessThanOrEqual(3);
      expect(retries, 'queued requests of agent-0 were placed again').toBeGreaterThan(0);
      expect(after.map((o) => o.kind)).toEqual(after.map(() => 'completed'));
      expect(fleet.gateway.inFlight()).toBe(0);
    });
  });
});
