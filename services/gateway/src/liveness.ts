/**
 * Which agents are alive, as far as the gateway can tell: an agent is alive while its state
 * snapshots keep coming; it is gone when they stop for `staleAfterMs` (the same bound the
 * balancers use to drop it from placement) or when it announces `down`. The gateway fails or
 * re-places the requests that ran on an agent that is gone, so none waits for its deadline.
 */
import type { FleetClock } from '@adagen/fleet';
import { PROTOCOL_VERSION, agentAnnounceSchema, idSchema, wildcards } from '@adagen/protocol';
import { subscribe } from '@adagen/runtime';
import type { ServiceRuntime } from '@adagen/runtime';
import { z } from 'zod';

/**
 * The part of an agent's state snapshot the gateway needs: who it is. (The rest of the snapshot
 * is msgpack-decoded but not validated field by field here; the balancers do that.)
 */
const heartbeatSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal('instance_state'),
  instanceId: idSchema,
});

export interface Lost {
  readonly instanceId: string;
  readonly why: string;
}

/** Pure bookkeeping: last snapshot time per agent (fleet ms). */
export class LivenessTracker {
  private readonly lastSeenMs = new Map<string, number>();
  private readonly gone = new Map<string, string>();

  constructor(private readonly staleAfterMs: number) {}

  seen(instanceId: string, nowMs: number): void {
    this.lastSeenMs.set(instanceId, nowMs);
    this.gone.delete(instanceId);
  }

  /** The agent said goodbye. */
  down(instanceId: string): Lost {
    this.lastSeenMs.delete(instanceId);
    const why = 'stopped (announced down)';
    this.remember(instanceId, why);
    return { instanceId, why };
  }

  /** Agents silent for longer than `staleAfterMs`, removed and returned. */
  sweep(nowMs: number): Lost[] {
    const lost: Lost[] = [];
    for (const [id, at] of this.lastSeenMs) {
      if (nowMs - at <= this.staleAfterMs) continue;
      this.lastSeenMs.delete(id);
      const why = `stopped sending state (none for ${Math.round(nowMs - at)} fleet ms)`;
      this.remember(id, why);
      lost.push({ instanceId: id, why });
    }
    return lost;
  }

  /** True while the agent is tracked (its snapshots are current). */
  knows(instanceId: string): boolean {
    return this.lastSeenMs.has(instanceId);
  }

  /** Why `instanceId` is known to be gone, if it is. */
  goneWhy(instanceId: string): string | undefined {
    return this.gone.get(instanceId);
  }

  get size(): number {
    return this.lastSeenMs.size;
  }

  private remember(id: string, why: string): void {
    this.gone.set(id, why);
    if (this.gone.size > 10_000) {
      const oldest = this.gone.keys().next().value;
      if (oldest !== undefined) this.gone.delete(oldest);
    }
  }
}

/**
 * Wall ms between an agent's `down` (or restart) announcement and acting on it. The agent
 * published its last tokens and outcomes before announcing, and NATS delivers them first, but
 * the client hands each subscription its messages separately: this lets the stream subscription
 * catch up, so a request the agent finished is not failed because the goodbye was read first.
 */
export const LOST_GRACE_MS = 50;

/** Feeds a tracker from the agents' state and announcements; calls `onLost` for each loss. */
export function watchLiveness(options: {
  readonly rt: ServiceRuntime;
  readonly clock: FleetClock;
  readonly tracker: LivenessTracker;
  readonly sweepEveryMs: number;
  readonly onLost: (lost: Lost) => void;
}): void {
  const { rt, clock, tracker } = options;
  const lostSoon = (lost: Lost) => setTimeout(() => options.onLost(lost), LOST_GRACE_MS).unref();
  const common = { logger: rt.logger, registry: rt.registry, lifecycle: rt.lifecycle };
  subscribe(rt.nc, wildcards.agentState, {
    ...common,
    schema: heartbeatSchema,
    handler: (s) => {
      tracker.seen(s.instanceId, clock.nowMs());
      return Promise.resolve();
    },
  });
  subscribe(rt.nc, wildcards.agentAnnounce, {
    ...common,
    schema: agentAnnounceSchema,
    handler: (a) => {
      if (a.status === 'down') lostSoon(tracker.down(a.instanceId));
      else {
        // An agent that says `up` while still tracked restarted faster than the stale bound:
        // what its previous run held is gone.
        if (a.status === 'up' && tracker.knows(a.instanceId))
          lostSoon({ instanceId: a.instanceId, why: 'restarted' });
        tracker.seen(a.instanceId, clock.nowMs());
      }
      return Promise.resolve();
    },
  });
  const timer = setInterval(
    () => {
      for (const lost of tracker.sweep(clock.nowMs())) {
        rt.logger.warn(lost, 'agent lost: failing or re-placing its requests');
        options.onLost(lost);
      }
    },
    Math.max(5, clock.wallDelayMs(options.sweepEveryMs)),
  );
  timer.unref();
  rt.lifecycle.onStop('liveness sweep', () => clearInterval(timer));
}
