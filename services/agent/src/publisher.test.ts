import { LinkPresets, builtinProfiles } from '@adagen/engine';
import { SimAgent, createFleetClock } from '@adagen/fleet';
import type { AgentHost } from '@adagen/fleet';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StatePublisher } from './publisher.js';
import type { StatePublisherOptions } from './publisher.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const clock = createFleetClock({ wallNowMs: () => Date.now() });

/** A publisher of an idle simulated agent; `sent` holds the clock's time of each state sent. */
function publisher(id: string, options: Partial<StatePublisherOptions> = {}) {
  const sent: number[] = [];
  const nc = {
    isClosed: () => false,
    publish: (subject: string) => {
      expect(subject).toContain(id);
      sent.push(clock.nowMs());
    },
  } as unknown as NatsConnection;
  const host: AgentHost = {
    clock,
    setTimer: () => () => undefined,
    stream: () => undefined,
    kv: () => undefined,
    completion: () => undefined,
    changed: () => undefined,
    warn: () => undefined,
  };
  const agent = new SimAgent({ instanceId: id, profile, link: LinkPresets['rdma-400g'], host });
  const pub = new StatePublisher({ nc, agent, clock, periodMs: 100, minGapMs: 10, ...options });
  return { pub, sent };
}

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'],
  });
  vi.setSystemTime(1_000_037);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('StatePublisher in step (the default)', () => {
  it('sends every agent’s periodic state at the same multiples of the period, whenever each started', async () => {
    const a = publisher('agent-a');
    a.pub.start();
    await vi.advanceTimersByTimeAsync(41);
    const b = publisher('agent-b');
    b.pub.start();
    await vi.advanceTimersByTimeAsync(1000);
    a.pub.stop();
    b.pub.stop();
    expect(a.sent.length).toBeGreaterThanOrEqual(9);
    for (const t of [...a.sent, ...b.sent]) expect(t % 100).toBe(0);
    // Once both run, they send together: b's times are a's from b's first on.
    expect(a.sent.slice(a.sent.indexOf(b.sent[0]!))).toEqual(b.sent);
    // One per period, never two on one grid point.
    for (let i = 1; i < a.sent.length; i++) expect(a.sent[i]! - a.sent[i - 1]!).toBe(100);
  });

  it('sends a state on change at the next multiple of the gap, one per gap however many changes', async () => {
    const { pub, sent } = publisher('agent-a');
    pub.changed();
    pub.changed();
    await vi.advanceTimersByTimeAsync(2);
    pub.changed();
    await vi.advanceTimersByTimeAsync(20);
    expect(sent).toEqual([1_000_040]);
    pub.changed(); // at 1_000_059
    await vi.advanceTimersByTimeAsync(5);
    expect(sent).toEqual([1_000_040, 1_000_060]);
  });

  it('sends one state where a periodic one and one on change fall on the same point, and keeps the gap after it', async () => {
    vi.setSystemTime(1_000_095);
    const { pub, sent } = publisher('agent-a');
    pub.start(); // first periodic at 1_000_200: more than half a period away
    await vi.advanceTimersByTimeAsync(100); // 1_000_195
    pub.changed(); // due at 1_000_200, with the periodic one
    await vi.advanceTimersByTimeAsync(5);
    expect(sent).toEqual([1_000_200]);
    pub.changed(); // 1_000_200 again, just after that state: a gap later, at 1_000_210
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([1_000_200]);
    await vi.advanceTimersByTimeAsync(10);
    expect(sent).toEqual([1_000_200, 1_000_210]);
    await vi.advanceTimersByTimeAsync(80); // 1_000_290
    pub.changed(); // on a point of the grid, a gap after the last: at once
    await vi.advanceTimersByTimeAsync(5);
    pub.changed(); // due at 1_000_300, after the periodic timer set at 1_000_200
    await vi.advanceTimersByTimeAsync(10);
    pub.stop();
    expect(sent).toEqual([1_000_200, 1_000_210, 1_000_290, 1_000_300]);
  });
});

describe('StatePublisher out of step (inStep false)', () => {
  it('starts at its own phase and sends a state on change as soon as the gap has passed', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    const { pub, sent } = publisher('agent-a', { inStep: false });
    pub.start();
    await vi.advanceTimersByTimeAsync(243);
    expect(sent).toEqual([1_000_062, 1_000_162, 1_000_262]);
    pub.changed(); // 1_000_280: the gap has passed, sent at once
    await vi.advanceTimersByTimeAsync(0);
    pub.changed(); // within the gap: at 1_000_290
    await vi.advanceTimersByTimeAsync(12);
    pub.stop();
    expect(sent).toEqual([1_000_062, 1_000_162, 1_000_262, 1_000_280, 1_000_290]);
  });
});
