/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * fleet over a real nats-server: the page shows the 4 agents with their predicted layouts, its
 * figures change while requests run, and a decision opens to show its reasons. A screenshot is
 * written (to $ADAGEN_SCREENSHOT, else the temp dir). Skipped, saying why, where Chromium
 * cannot be found or installed.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec, instanceStateSchema, subjects } from '@adagen/protocol';
import type { InstanceState } from '@adagen/protocol';
import { readyState } from '@adagen/protocol/testing';
import { parseConfig } from '@adagen/runtime';
import { connect } from '@nats-io/transport-node';
import { dashboardConfigSchema, startDashboard } from '@adagen/svc-dashboard';
import type { DashboardRuntime } from '@adagen/svc-dashboard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from './browser.js';
import { findChromium, launchBrowser } from './browser.js';
import type { InProcessFleet } from './fleet/in-process.js';
import { startInProcessFleet } from './fleet/in-process.js';
import { postStream } from './fleet/openai-client.js';
import type { NatsServer } from './natsServer.js';
import { startNatsServer } from './natsServer.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const chromium = findChromium();
if ('missing' in chromium)
  process.stderr.write(`dashboard browser test skipped: ${chromium.missing}\n`);

/** A loaded agent's snapshot (4 decoding, 2 long prompts waiting), as of fleet time `atMs`. */
function fakeState(instanceId: string, seq: number, atMs: number): InstanceState {
  const request = (id: string, promptTokens: number, decoding: boolean) => ({
    id: `${instanceId}-${id}`,
    kind: 'full' as const,
    promptTokens,
    phase: decoding ? ('decoding' as const) : ('waiting' as const),
    prefilledTokens: decoding ? promptTokens : 0,
    generatedTokens: decoding ? 10 : 0,
    arrivalMs: atMs - (decoding ? 800 : 40),
    predictedOutputTokens: 120,
    ...(decoding ? { firstTokenAtMs: atMs - 300 } : {}),
  });
  return readyState({
    instanceId,
    seq,
    atMs,
    kv: { totalBlocks: 28_693, usedBlocks: 160 },
    running: [0, 1, 2, 3].map((i) => request(`d${i}`, 400 + 300 * i, true)),
    waiting: [request('w0', 3000, false), request('w1', 1500, false)],
  });
}

describe.skipIf('missing' in chromium)('the dashboard in Chromium', () => {
  const originMs = Date.now();
  let nats: NatsServer;
  let fleet: InProcessFleet;
  let dash: DashboardRuntime;
  let browser: Browser;

  beforeAll(async () => {
    nats = await startNatsServer();
    // The dashboard runs on the fleet's clock (same origin and scale).
    const clock = { ADAGEN_TIME_SCALE: '4', ADAGEN_CLOCK_ORIGIN_MS: String(originMs) };
    fleet = await startInProcessFleet({
      natsUrl: nats.url,
      agents: 4,
      policy: 'adagen',
      timeScale: 4,
      env: clock,
    });
    const metrics = [...fleet.balancers.map((b) => b.http!.url), fleet.gateway.url].map(
      (u) => `${u}/metrics`,
    );
    dash = await startDashboard(
      parseConfig(dashboardConfigSchema, {
        env: {
          ADAGEN_NATS_SERVERS: nats.url,
          ADAGEN_LOG_LEVEL: 'silent',
          ADAGEN_HTTP_HOST: '127.0.0.1',
          ADAGEN_HTTP_PORT: '0',
          ...clock,
          ADAGEN_PUSH_PERIOD_MS: '250',
          // Everything shares this process: a busy event loop must not age the agents out.
          ADAGEN_STALE_AFTER_MIN_WALL_MS: '5000',
          ADAGEN_WINDOW_MS: '5000',
          ADAGEN_METRICS_URLS: metrics.join(','),
        },
      }),
    );
    browser = await launchBrowser((chromium as { path: string }).path);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dash?.stop('test over');
    await fleet?.stop();
    await nats?.stop();
  });

  it('shows 4 agents, live figures while requests run, and a decision’s reasons', async () => {
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${dash.url}/`);
    const cards = page.locator('[data-testid=agent-card]');
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(4);
    await expect
      .poll(() => page.locator('#conn').textContent(), { timeout: 15_000 })
      .toMatch(/^live/);
    expect(await page.locator('#agents-count').textContent()).toBe('4');
    const doneBefore = Number(await page.locator('#total-done').textContent());

    // A few seconds of load: long and short prompts, so layouts mix prefill and decode.
    const load = Promise.all(
      Array.from({ length: 36 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 120));
        return postStream(`${fleet.url}/v1/completions`, {
          model: MODEL,
          prompt: `request ${i} `.repeat(20 + (i % 6) * 150),
          max_tokens: 40 + (i % 4) * 30,
          ignore_eos: true,
          stream: true,
        });
      }),
    );
    // While it runs, some instance shows predicted iterations (the layout chart has data).
    await expect
      .poll(
        async () =>
          (dash.latest()?.agents ?? []).some((a) => a.iterations.length > 0) &&
          (await page.locator('#decisions-seen').textContent()) !== '0',
        { timeout: 20_000 },
      )
      .toBe(true);
    // A decision opens to its reasons and the candidates' predictions.
    // Pinned by its key: newer decisions are inserted above it while the load runs.
    const key = await page.locator('[data-testid=decision]').first().getAttribute('data-key');
    const decision = page.locator(`[data-testid=decision][data-key="${key}"]`);
    await decision.locator('summary').click();
    await expect.poll(() => decision.getAttribute('open'), { timeout: 10_000 }).not.toBeNull();
    const reasons = await decision.locator('[data-testid=reasons] li').allTextContents();
    expect(reasons.join('\n')).toMatch(/predicted TTFT \d+ ms/);
    expect(await decision.locator('table tbody tr').count()).toBeGreaterThan(0);

    // An instance's requests: predicted (or seen) first token beside its target.
    await cards.first().click();
    await expect.poll(() => page.locator('#detail').isVisible(), { timeout: 10_000 }).toBe(true);

    // While the load still runs: the layouts are live.
    const file = process.env.ADAGEN_SCREENSHOT ?? join(tmpdir(), 'adagen-dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    process.stderr.write(`dashboard screenshot: ${file}\n`);
    const results = await load;
    expect(results.every((r) => r.status === 200 && r.sawDone)).toBe(true);
    await expect
      .poll(async () => Number(await page.locator('#total-done').textContent()), {
        timeout: 15_000,
      })
      .toBeGreaterThanOrEqual(doneBefore + 36);
    expect(await page.locator('#req-rate').textContent()).not.toBe('–');
    expect(await page.locator('#attainment').textContent()).toMatch(/%$/);

    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('draws 64 instances (60 more agents’ states published beside the fleet)', async () => {
    const nc = await connect({ servers: nats.url });
    const codec = createCodec(instanceStateSchema);
    let seq = 0;
    const publish = () => {
      seq += 1;
      const fleetNowMs = originMs + (Date.now() - originMs) * 4;
      for (let i = 0; i < 60; i++) {
        const id = `gpu-${String(i).padStart(2, '0')}`;
        nc.publish(subjects.state(id), codec.encode(fakeState(id, seq, fleetNowMs)));
      }
    };
    publish();
    const timer = setInterval(publish, 100);
    try {
      const page = await browser.context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${dash.url}/`);
      const cards = page.locator('[data-testid=agent-card]');
      await expect.poll(() => cards.count(), { timeout: 20_000 }).toBe(64);
      await expect
        .poll(() => page.locator('#agents-count').textContent(), { timeout: 10_000 })
        .toBe('64');
      // The fake agents' queued long prompts show as predicted misses and predicted layouts.
      await expect
        .poll(() => (dash.latest()?.agents ?? []).filter((a) => a.iterations.length > 0).length, {
          timeout: 15_000,
        })
        .toBeGreaterThanOrEqual(60);
      const file = process.env.ADAGEN_SCREENSHOT_64 ?? join(tmpdir(), 'adagen-dashboard-64.png');
      await page.screenshot({ path: file, fullPage: true });
      process.stderr.write(`dashboard screenshot (64 instances): ${file}\n`);
      expect(pageErrors).toEqual([]);
      await page.close();
    } finally {
      clearInterval(timer);
      await nc.close();
    }
  }, 60_000);
});
