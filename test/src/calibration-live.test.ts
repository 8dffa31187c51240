/**
 * Online calibration in the live fleet: agents whose simulated engines run the H100 profile but
 * announce A100 (the estimators' model is wrong) fit their latency profile from the engine's
 * iterations and send it with their state; the balancers then predict them with it.
 */
import { LatencyModel } from '@adagen/engine';
import { findProfile } from '@adagen/fleet';
import { describe, expect, it } from 'vitest';
import { startInProcessFleet } from './fleet/in-process.js';
import { postJson } from './fleet/openai-client.js';
import { MODEL } from './fleet/stream-check.js';
import { startNatsServer } from './natsServer.js';

/** Median relative error of `a` against `b` over a grid of batch compositions. */
function medianError(a: LatencyModel, b: LatencyModel): number {
  const errors: number[] = [];
  for (const prefill of [0, 64, 256, 512])
    for (const decodes of [0, 1, 8, 32]) {
      if (prefill === 0 && decodes === 0) continue;
      const f = {
        prefillTokens: prefill,
        prefillAttnWork: prefill * (prefill / 2),
        decodeRequests: decodes,
        decodeContextTokens: decodes * 600,
        numSeqs: decodes + (prefill > 0 ? 1 : 0),
      };
      errors.push(Math.abs(a.iterationMs(f) - b.iterationMs(f)) / b.iterationMs(f));
    }
  errors.sort((x, y) => x - y);
  return errors[Math.floor(errors.length / 2)]!;
}

describe('online calibration, live', () => {
  it('agents announcing the wrong profile send a calibrated one the balancer predicts with', async () => {
    await using nats = await startNatsServer();
    await using fleet = await startInProcessFleet({
      natsUrl: nats.url,
      agents: 2,
      policy: 'adagen',
      timeScale: 5,
      agentEnv: () => ({ ADAGEN_PROFILE: 'a100', ADAGEN_ENGINE_PROFILE: 'h100' }),
    });
    await fleet.waitForAgents(2);
    const a100 = new LatencyModel(findProfile('a100')!);
    const h100 = new LatencyModel(findProfile('h100')!);
    const before = medianError(a100, h100);
    const requests = Array.from({ length: 40 }, (_, i) =>
      postJson(`${fleet.url}/v1/completions`, {
        model: MODEL,
        prompt: `calibrate ${i} `.repeat(50 + (i % 5) * 60),
        max_tokens: 48,
        ignore_eos: true,
      }),
    );
    await Promise.all(requests);
    const view = fleet.balancers[0]!.view;
    const until = Date.now() + 10_000;
    let profiles: string[] = [];
    while (Date.now() < until) {
      profiles = view.members().map((m) => m.profile);
      if (profiles.every((p) => p.includes('.cal-'))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(profiles, 'the balancer predicts each agent with its calibrated profile').toEqual([
      expect.stringMatching(/^llama-3-8b_a100-80gb_tp1\.cal-agent-0\.v\d+$/) as unknown,
      expect.stringMatching(/^llama-3-8b_a100-80gb_tp1\.cal-agent-1\.v\d+$/) as unknown,
    ]);
    const after = medianError(new LatencyModel(findProfile(profiles[0]!)!), h100);
    process.stderr.write(
      `[calibration] announced A100, engine H100: iteration error ${(100 * before).toFixed(1)} % before, ${(100 * after).toFixed(1)} % with the calibrated profile\n`,
    );
    expect(before).toBeGreaterThan(0.3);
    expect(after).toBeLessThan(0.1);
  });
});
