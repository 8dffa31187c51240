import { builtinProfiles, SimInstance } from '@adagen/engine';
import { FleetView, stateOf } from '@adagen/fleet';
import { instanceStateSchema } from '@adagen/protocol';
import { defaultSloSpec } from '@adagen/scheduler';
import { describe, expect, it } from 'vitest';
import { AgentFrames } from './agents.js';
import { FleetSeries } from './series.js';
import { sumSamples } from './scrape.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

/** `n` agents, each with a mix of long and short prompts queued, as the view sees them. */
function fleet(n: number, nowMs: number): FleetView {
  const view = new FleetView({ staleAfterMs: 60_000 });
  for (let a = 0; a < n; a++) {
    const inst = new SimInstance({ id: `agent-${a}`, profile });
    for (let i = 0; i < 6; i++)
      inst.enqueue(
        {
          kind: 'full',
          id: `r${a}-${i}`,
          promptTokens: 300 + ((a * 7 + i * 911) % 3000),
          outputTokens: 50,
          meta: { predictedOutputTokens: 50 },
        },
        i * 3,
      );
    inst.runUntil(nowMs);
    const state = stateOf(inst.snapshot(), { seq: 1, status: 'ready', engine: 'sim' });
    expect(instanceStateSchema.safeParse(state).success).toBe(true);
    view.applyState(state, nowMs);
  }
  return view;
}

describe('AgentFrames', () => {
  it('draws 64 agents: each its predicted iterations and its requests against their targets', () => {
    const nowMs = 40;
    const frames = new AgentFrames(defaultSloSpec, 24).frames(fleet(64, nowMs), nowMs);
    expect(frames).toHaveLength(64);
    for (const f of frames) {
      expect(f.iterations.length).toBeGreaterThan(0);
      expect(f.iterations.length).toBeLessThanOrEqual(24);
      expect(f.requestCount).toBe(6);
      // Iterations start in order, each after the previous ended.
      for (let i = 1; i < f.iterations.length; i++)
        expect(f.iterations[i]![0]).toBeGreaterThanOrEqual(
          f.iterations[i - 1]![0] + f.iterations[i - 1]![1] - 0.2,
        );
      // Requests sorted latest-relative-to-target first.
      const late = f.requests.map(([, ttft, target]) => (ttft ?? Infinity) / target);
      expect([...late].sort((a, b) => b - a)).toEqual(late);
    }
    // Chunked prefill shares iterations with decodes somewhere in the fleet.
    expect(frames.some((f) => f.iterations.some(([, , p, d]) => p > 0 && d > 0))).toBe(true);
    // A frame for 64 agents stays small enough to push every second.
    expect(JSON.stringify(frames).length).toBeLessThan(200_000);
  });
});

describe('FleetSeries', () => {
  it('computes rates and attainment over the window, shed and abandoned from counters', () => {
    const s = new FleetSeries(10_000, 3);
    s.count(0, 0);
    s.point(0, 4);
    s.complete(1000, 100, true, 50);
    s.complete(2000, 100, false, 900);
    s.count(5, 2);
    const p = s.point(10_000, 4);
    expect(p.reqPerS).toBe(0.2);
    expect(p.tokPerS).toBe(20);
    expect(p.attainment).toBe(0.5);
    expect(p.shedPerS).toBe(0.5);
    expect(p.abandonedPerS).toBe(0.2);
    s.point(21_000, 4);
    s.point(22_000, 4);
    expect(s.points()).toHaveLength(3);
    expect(s.points().at(-1)!.attainment).toBeNull();
  });
});

describe('sumSamples', () => {
  it('sums a counter’s samples whose labels match', () => {
    const page = [
      '# TYPE adagen_admission_total counter',
      'adagen_admission_total{service="balancer",outcome="admitted",reason=""} 10',
      'adagen_admission_total{service="balancer",outcome="shed",reason="slo"} 3',
      'adagen_admission_total{service="balancer",outcome="shed",reason="queue"} 2',
      'adagen_admission_total_extra{outcome="shed"} 100',
    ].join('\n');
    expect(sumSamples(page, 'adagen_admission_total', { outcome: 'shed' })).toBe(5);
    expect(sumSamples(page, 'adagen_admission_total')).toBe(15);
  });
});
