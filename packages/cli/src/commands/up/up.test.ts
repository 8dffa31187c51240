import type { CompletionRecord } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { LiveStats } from './live-stats.js';
import { fleetSpecs } from './specs.js';
import type { UpFlags } from './specs.js';

/** `adagen up`'s groups for a small simulated fleet, with `flags` over the defaults. */
function specsOf(flags: Partial<UpFlags>) {
  let port = 21_000;
  return fleetSpecs(
    {
      agents: 2,
      profile: 'a100',
      policy: 'adagen',
      replicas: 1,
      port: 8080,
      host: '127.0.0.1',
      timeScale: 1,
      logLevel: 'info',
      admission: 'slo',
      backend: 'sim',
      ...flags,
    },
    'nats://127.0.0.1:4999',
    1,
    () => Promise.resolve(port++),
  );
}

function record(ttftMs: number, tpotMs: number, outputTokens = 10): CompletionRecord {
  return {
    v: 1,
    type: 'completion_record',
    requestId: `r${ttftMs}`,
    instanceIds: ['agent-0'],
    model: 'm',
    promptTokens: 100,
    outputTokens,
    maxTokens: 100,
    planKind: 'single',
    arrivalMs: 0,
    firstTokenAtMs: ttftMs,
    finishedAtMs: ttftMs + tpotMs * (outputTokens - 1),
    ttftMs,
    tpotMs,
    finishReason: 'stop',
  };
}

describe('adagen up', () => {
  it('counts SLO attainment over the window and in total', () => {
    const stats = new LiveStats(() => ({ ttftMs: 250, tpotMs: 50 }), 10_000);
    stats.add(record(100, 20), 0);
    stats.add(record(400, 20), 5_000); // TTFT missed
    stats.add(record(100, 80), 12_000); // TPOT missed
    stats.add(record(100, 20), 13_000);
    const line = stats.line(14_000, 4);
    expect(line).toContain('last 10 s: 0.3 req/s');
    expect(line).toContain('SLO 33.3%'); // 5 s (miss), 12 s (miss), 13 s (met)
    expect(line).toContain('total 4 done (40 tokens), SLO 50.0%');
  });

  it('starts every step with its own ports, agents first and the gateway last on --port', async () => {
    let port = 20_000;
    const groups = await fleetSpecs(
      {
        agents: 3,
        profile: 'h100',
        policy: 'least-kv',
        replicas: 2,
        port: 8080,
        host: '0.0.0.0',
        timeScale: 1,
        logLevel: 'info',
        admission: 'off',
        maxModelLen: 16384,
        backend: 'sim',
      },
      'nats://127.0.0.1:4999',
      123,
      () => Promise.resolve(port++),
    );
    expect(groups.map((g) => g.map((c) => c.label))).toEqual([
      ['agent-0', 'agent-1', 'agent-2'],
      ['planner-0', 'planner-1'],
      ['balancer-0', 'balancer-1'],
      ['classifier-0', 'classifier-1'],
      ['estimator-0'],
      ['gateway-0'],
      ['dashboard-0'],
    ]);
    const all = groups.flat();
    expect(new Set(all.map((c) => c.httpPort)).size).toBe(all.length);
    expect(all.at(-2)).toMatchObject({ httpPort: 8080, env: { ADAGEN_HTTP_HOST: '0.0.0.0' } });
    // The dashboard scrapes the balancers' and the gateway's /metrics.
    const metrics = (all.at(-1)!.env.ADAGEN_METRICS_URLS ?? '').split(',');
    expect(metrics).toHaveLength(3);
    expect(metrics.at(-1)).toBe('http://127.0.0.1:8080/metrics');
    expect(all[0]!.env).toMatchObject({
      ADAGEN_PROFILE: 'h100',
      ADAGEN_POLICY: 'least-kv',
      ADAGEN_CLOCK_ORIGIN_MS: '123',
      ADAGEN_MAX_MODEL_LEN: '16384',
    });
    expect(groups[2]![0]!.env).toMatchObject({ ADAGEN_ADMISSION: 'off' });
  });

  it('--prefix-caching: every agent is told; unset, each backend keeps its own default', async () => {
    const agentsOf = async (extra: Partial<UpFlags>) =>
      (await specsOf({ agents: 2, ...extra })).flat().filter((c) => c.label.startsWith('agent-'));
    for (const on of [true, false])
      expect(
        (await agentsOf({ prefixCaching: on })).map((c) => c.env.ADAGEN_ENGINE_PREFIX_CACHING),
      ).toEqual([String(on), String(on)]);
    for (const c of await agentsOf({}))
      expect(c.env).not.toHaveProperty('ADAGEN_ENGINE_PREFIX_CACHING');
  });

  it('--sharded: each balancer replica is told its shard', async () => {
    const groups = await specsOf({ agents: 4, replicas: 2, sharded: true, admission: 'off' });
    const balancers = groups.flat().filter((c) => c.label.startsWith('balancer-'));
    expect(balancers.map((c) => [c.env.ADAGEN_SHARDS, c.env.ADAGEN_SHARD])).toEqual([
      ['2', '0'],
      ['2', '1'],
    ]);
  });

  it('--backend http: one agent per engine URL, each told its own', async () => {
    const groups = await specsOf({
      agents: 2,
      backend: 'http',
      engineUrls: ['http://10.0.0.1:8000', 'http://10.0.0.2:8000'],
    });
    expect(groups[0]!.map((c) => [c.env.ADAGEN_BACKEND, c.env.ADAGEN_ENGINE_URL])).toEqual([
      ['http', 'http://10.0.0.1:8000'],
      ['http', 'http://10.0.0.2:8000'],
    ]);
  });
});
