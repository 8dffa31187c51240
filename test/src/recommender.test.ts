/**
 * The recommender over a real fleet: it learns the traffic from the balancers' decision records
 * and the agents' completion records, simulates the last window with the fleet's policy, and
 * exports `adagen_recommended_instances` on /metrics.
 */
import { parseConfig } from '@adagen/runtime';
import { recommenderConfigSchema, startRecommender } from '@adagen/svc-recommender';
import type { RecommenderRuntime } from '@adagen/svc-recommender';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessFleet } from './fleet/in-process.js';
import { startInProcessFleet } from './fleet/in-process.js';
import { postStream } from './fleet/openai-client.js';
import type { NatsServer } from './natsServer.js';
import { startNatsServer } from './natsServer.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';

describe('the recommender', () => {
  let nats: NatsServer;
  let fleet: InProcessFleet;
  let rec: RecommenderRuntime;

  beforeAll(async () => {
    nats = await startNatsServer();
    const clock = { ADAGEN_TIME_SCALE: '4', ADAGEN_CLOCK_ORIGIN_MS: String(Date.now()) };
    fleet = await startInProcessFleet({
      natsUrl: nats.url,
      agents: 2,
      policy: 'adagen',
      timeScale: 4,
      env: clock,
    });
    rec = await startRecommender(
      parseConfig(recommenderConfigSchema, {
        env: {
          ...clock,
          ADAGEN_NATS_SERVERS: nats.url,
          ADAGEN_LOG_LEVEL: 'silent',
          ADAGEN_HTTP_HOST: '127.0.0.1',
          ADAGEN_HTTP_PORT: '0',
          ADAGEN_WINDOW_MS: '600000',
          ADAGEN_MAX_INSTANCES: '4',
        },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await rec?.stop('test over');
    await fleet?.stop();
    await nats?.stop();
  });

  it('recommends from the observed traffic and exports adagen_recommended_instances', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postStream(`${fleet.url}/v1/completions`, {
          model: MODEL,
          prompt: `observed ${i} `.repeat(10 + i * 20),
          max_tokens: 16 + i,
          ignore_eos: true,
          stream: true,
        }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    await new Promise((r) => setTimeout(r, 200)); // the last completion records
    const r = await rec.recommend();
    expect(r.requests).toBe(20);
    expect(r.instances).toBeGreaterThanOrEqual(1);
    expect(r.instances).toBeLessThanOrEqual(4);
    expect(r.attainment).not.toBeNull();
    const page = await (await fetch(`${rec.http!.url}/metrics`)).text();
    expect(page).toMatch(
      new RegExp(`^adagen_recommended_instances\\{[^}]*\\} ${r.instances}$`, 'm'),
    );
    expect(page).toMatch(/^adagen_observed_requests_per_second\{[^}]*\} [0-9.e-]+$/m);
  }, 60_000);
});
