/**
 * The recommender over a real fleet: it learns the traffic from the balancers' decision records
 * and the agents' completion records, simulates the last window with the fleet's policy, and
 * exports `adagen_recommended_instances` on /metrics.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
const cli = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '../..'),
  'packages/cli/dist/bin/adagen.js',
);

const send = (url: string, n: number, tag: string) =>
  Promise.all(
    Array.from({ length: n }, (_, i) =>
      postStream(`${url}/v1/completions`, {
        model: MODEL,
        prompt: `${tag} ${i} `.repeat(10 + i * 20),
        max_tokens: 16 + i,
        ignore_eos: true,
        stream: true,
      }),
    ),
  );

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
    const results = await send(fleet.url, 20, 'observed');
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

  it.skipIf(!existsSync(cli))(
    'adagen plan --nats plans for the workload the fleet serves',
    async () => {
      const child = spawn(
        process.execPath,
        [
          cli,
          'plan',
          '--nats',
          nats.url,
          '--observe-s',
          '8',
          '--policy',
          'least-requests',
          '--max-instances',
          '4',
          '--json',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      // Requests only once it observes (its start-up takes seconds on a busy machine).
      await expect.poll(() => stderr, { timeout: 30_000 }).toMatch(/observing/);
      const results = await send(fleet.url, 12, 'planned');
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(await exited, stderr).toBe(0);
      const plan = JSON.parse(stdout) as {
        trace: string;
        workload: { requests: number };
        instances: number;
      };
      expect(plan.trace).toBe(`observed on ${nats.url}`);
      expect(plan.workload.requests).toBe(12);
      expect(plan.instances).toBeGreaterThanOrEqual(1);
    },
    60_000,
  );
});
