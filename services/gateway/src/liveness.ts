/**
 * Which agents are gone, as far as the gateway can tell. Silence is not death: an agent whose
 * state snapshots stop for `staleAfterMs` is only *suspect* (the balancers stop placing on it;
 * its streams go on). The gateway then probes it directly (`adagen.v1.agent.<id>.probe`): an
 * answer means slow; "no responders" means its NATS connection is gone, so it is *gone*, and so
 * is an agent that announces `down` or restarts. A probe that times out proves nothing: the
 * agent stays suspect and is probed again, and its requests end with their own deadline at the
 * latest. The gateway fails or re-places the requests of an agent that is gone.
 *
 * Ordering is by design, not by delay: the stream, state and announcement subscriptions are read
 * in wire order, so an agent's last tokens and outcomes (published before its goodbye) are
 * handled before the goodbye is.
 */
import type { FleetClock } from '@adagen/fleet';
import {
  PROTOCOL_VERSION,
  agentAnnounceSchema,
  agentProbeSchema,
  engineCapabilitiesSchema,
  idSchema,
  probeAckSchema,
  subjects,
  wildcards,
} from '@adagen/protocol';
import type { EngineCapabilities } from '@adagen/protocol';
import { isNoResponders, request, subscribeInWireOrder } from '@adagen/runtime';
import type { ServiceRuntime } from '@adagen/runtime';
import { z } from 'zod';

/**
 * The part of an agent's state snapshot the gateway needs: who it is and what it can do. (The
 * rest of the snapshot is msgpack-decoded but not validated field by field here; the balancers
 * do that.)
 */
const heartbeatSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  /** A full state or a delta: either says the agent is alive. */
  type: z.enum(['instance_state', 'instance_state_delta']),
  instanceId: idSchema,
  status: z.enum(['ready', 'draining']),
  capabilities: engineCapabilitiesSchema.optional(),
});

export interface Lost {
  readonly instanceId: string;
  readonly why: string;
}

interface Tracked {
  lastSeenMs: number;
  status: 'ready' | 'draining';
  capabilities: EngineCapabilities | undefined;
}

/** Pure bookkeeping: last snapshot time and capabilities per agent (fleet ms). */
export class LivenessTracker {
  private readonly agents = new Map<string, Tracked>();
  private readonly gone = new Map<string, string>();

  constructor(private readonly staleAfterMs: number) {}

  seen(
    instanceId: string,
    nowMs: number,
    info: { status?: 'ready' | 'draining'; capabilities?: EngineCapabilities } = {},
  ): void {
    const had = this.agents.get(instanceId);
    this.agents.set(instanceId, {
      lastSeenMs: nowMs,
      status: info.status ?? had?.status ?? 'ready',
      capabilities: info.capabilities ?? had?.capabilities,
    });
    this.gone.delete(instanceId);
  }

  /** The agent is gone (said goodbye, restarted, or its connection is closed). */
  lose(instanceId: string, why: string): Lost {
    this.agents.delete(instanceId);
    this.remember(instanceId, why);
    return { instanceId, why };
  }

  /** Agents silent for longer than `staleAfterMs`, with how long (fleet ms); still tracked. */
  suspects(nowMs: number): { instanceId: string; silentMs: number }[] {
    const out: { instanceId: string; silentMs: number }[] = [];
    for (const [instanceId, a] of this.agents) {
      const silentMs = nowMs - a.lastSeenMs;
      if (silentMs > this.staleAfterMs) out.push({ instanceId, silentMs });
    }
    return out;
  }

  /** True while the agent is tracked (not known to be gone). */
  knows(instanceId: string): boolean {
    return this.agents.has(instanceId);
  }

  /** Why `instanceId` is known to be gone, if it is. */
  goneWhy(instanceId: string): string | undefined {
    return this.gone.get(instanceId);
  }

  /**
   * Capabilities of the agents a new request can be placed on now: ready, with current state
   * (suspects excluded, as the balancers exclude them).
   */
  capabilities(nowMs: number): EngineCapabilities[] {
    const out: EngineCapabilities[] = [];
    for (const a of this.agents.values())
      if (
        a.status === 'ready' &&
        a.capabilities !== undefined &&
        nowMs - a.lastSeenMs <= this.staleAfterMs
      )
        out.push(a.capabilities);
    return out;
  }

  get size(): number {
    return this.agents.size;
  }

  private remember(id: string, why: string): void {
    this.gone.set(id, why);
    if (this.gone.size > 10_000) {
      const oldest = this.gone.keys().next().value;
      if (oldest !== undefined) this.gone.delete(oldest);
    }
  }
}

export interface LivenessOptions {
  readonly rt: ServiceRuntime;
  readonly clock: FleetClock;
  readonly tracker: LivenessTracker;
  readonly sweepEveryMs: number;
  /** Wall ms a probe may take; a slower answer proves nothing. */
  readonly probeTimeoutMs: number;
  /** Whether any request of this gateway runs on the agent (only then is it worth a probe). */
  readonly holds: (instanceId: string) => boolean;
  readonly onLost: (lost: Lost) => void;
}

/** Feeds a tracker from the agents' state and announcements, probes suspects, reports losses. */
export function watchLiveness(o: LivenessOptions): void {
  const { rt, clock, tracker } = o;
  const common = { logger: rt.logger, registry: rt.registry, lifecycle: rt.lifecycle };
  const lose = (instanceId: string, why: string) => {
    if (!tracker.knows(instanceId)) return;
    rt.logger.warn({ instanceId, why }, 'agent gone: failing or re-placing its requests');
    o.onLost(tracker.lose(instanceId, why));
  };
  subscribeInWireOrder(rt.nc, wildcards.agentState, {
    ...common,
    schema: heartbeatSchema,
    handler: (s) => {
      tracker.seen(s.instanceId, clock.nowMs(), {
        status: s.status,
        ...(s.capabilities === undefined ? {} : { capabilities: s.capabilities }),
      });
    },
  });
  subscribeInWireOrder(rt.nc, wildcards.agentAnnounce, {
    ...common,
    schema: agentAnnounceSchema,
    handler: (a) => {
      if (a.status === 'down') return lose(a.instanceId, 'stopped (announced down)');
      // An agent that says `up` while still tracked restarted faster than the stale bound:
      // what its previous run held is gone.
      if (a.status === 'up' && tracker.knows(a.instanceId)) lose(a.instanceId, 'restarted');
      tracker.seen(a.instanceId, clock.nowMs(), {
        status: a.status === 'draining' ? 'draining' : 'ready',
        ...(a.capabilities === undefined ? {} : { capabilities: a.capabilities }),
      });
    },
  });
  const probing = new Set<string>();
  const probe = (instanceId: string, silentMs: number) => {
    probing.add(instanceId);
    void request(
      rt.nc,
      subjects.probe(instanceId),
      agentProbeSchema,
      probeAckSchema,
      { v: 1, type: 'agent_probe', atMs: clock.nowMs() },
      { timeoutMs: o.probeTimeoutMs },
    ).then((r) => {
      probing.delete(instanceId);
      if (r.ok) {
        rt.logger.info(
          { instanceId, silentMs: Math.round(silentMs), holding: r.value.holding },
          'agent slow, not gone: its state is late but it answers',
        );
      } else if (isNoResponders(r.error)) {
        lose(
          instanceId,
          `is gone (no state for ${Math.round(silentMs)} fleet ms, and nothing answers on its subjects)`,
        );
      } else {
        rt.logger.warn(
          { instanceId, silentMs: Math.round(silentMs), err: r.error.message },
          'agent suspect: no state and no answer to a probe yet',
        );
      }
    });
  };
  const timer = setInterval(
    () => {
      if (rt.nc.isClosed()) return;
      for (const { instanceId, silentMs } of tracker.suspects(clock.nowMs()))
        if (!probing.has(instanceId) && o.holds(instanceId)) probe(instanceId, silentMs);
    },
    Math.max(5, clock.wallDelayMs(o.sweepEveryMs)),
  );
  timer.unref();
  rt.lifecycle.onStop('liveness sweep', () => clearInterval(timer));
}
