/** Test support for `SimAgent`: virtual time with timers, agents wired through it. */
import { LinkPresets, builtinProfiles } from '@adagen/engine';
import type {
  AgentDispatch,
  CompletionRecord,
  ExecutionPlan,
  StreamMessage,
} from '@adagen/protocol';
import { agentDispatchSchema } from '@adagen/protocol';
import { createFleetClock } from '../clock.js';
import { dispatchesFor } from '../convert.js';
import type { AgentHost } from './host.js';
import { SimAgent } from './sim-agent.js';
import type { SimAgentOptions } from './sim-agent.js';

export const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

/** Virtual time with timers, and agents wired to each other through it. */
export class Harness {
  nowMs = 1_000;
  private timers: Array<{ at: number; seq: number; fn: () => void; live: boolean }> = [];
  private seq = 0;
  readonly streams = new Map<string, StreamMessage[]>();
  readonly completions: CompletionRecord[] = [];
  readonly agents = new Map<string, SimAgent>();

  host(): AgentHost {
    const clock = createFleetClock({ wallNowMs: () => this.nowMs });
    return {
      clock,
      setTimer: (delay, fn) => {
        const t = { at: this.nowMs + delay, seq: this.seq++, fn, live: true };
        this.timers.push(t);
        return () => {
          t.live = false;
        };
      },
      // Kept by stream address; every message must come from the agent its subject names.
      stream: (subject, m) => {
        const sender = subject.slice(subject.lastIndexOf('.') + 1);
        if (sender !== m.instanceId)
          throw new Error(`${m.instanceId} published on ${subject}, another agent's subject`);
        const address = subject.slice(0, subject.lastIndexOf('.'));
        this.streams.set(address, [...(this.streams.get(address) ?? []), m]);
      },
      kv: (to, n) => this.later(0.2, () => this.agents.get(to)?.kvNotice(n)),
      completion: (r) => this.completions.push(r),
      changed: () => undefined,
      warn: () => undefined,
    };
  }

  agent(id: string, extra: Partial<SimAgentOptions> = {}): SimAgent {
    const a = new SimAgent({
      instanceId: id,
      profile,
      link: LinkPresets['rdma-400g'],
      host: this.host(),
      ...extra,
    });
    this.agents.set(id, a);
    return a;
  }

  later(delay: number, fn: () => void): void {
    this.timers.push({ at: this.nowMs + delay, seq: this.seq++, fn, live: true });
  }

  run(untilMs = 1e9): void {
    for (;;) {
      this.timers = this.timers.filter((t) => t.live);
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const t = this.timers[0];
      if (t === undefined || t.at > untilMs) return;
      this.timers.shift();
      this.nowMs = Math.max(this.nowMs, t.at);
      t.fn();
    }
  }
}

export function dispatches(
  plan: ExecutionPlan,
  id: string,
  promptTokens: number,
  outputTokens: number,
  attempt = 0,
  extra: Partial<AgentDispatch['request']> = {},
): AgentDispatch[] {
  return dispatchesFor(plan, id, attempt, {
    model: 'm',
    prompt: `prompt of ${id}`,
    ...extra,
    promptTokens,
    maxTokens: 1000,
    predictedOutputTokens: 50,
    targetOutputTokens: outputTokens,
    streamSubject: `adagen.v1.stream.gw.${id}`,
    deadlineAtMs: 1e9,
    arrivalMs: 1_000,
  }).map((d) => agentDispatchSchema.parse(d));
}

export function tokens(h: Harness, id: string): number[] {
  return (h.streams.get(`adagen.v1.stream.gw.${id}`) ?? []).flatMap((m) =>
    m.type === 'token' ? [m.seq] : [],
  );
}

export function outcome(h: Harness, id: string): StreamMessage | undefined {
  return (h.streams.get(`adagen.v1.stream.gw.${id}`) ?? []).find((m) => m.type !== 'token');
}

/** The text the stream of `id` carried, chunk by chunk. */
export function chunks(h: Harness, id: string): string[] {
  return (h.streams.get(`adagen.v1.stream.gw.${id}`) ?? []).flatMap((m) =>
    m.type === 'token' ? [m.text] : [],
  );
}
