/**
 * Keeps a `FleetView` current over NATS: every agent's state (full snapshots and deltas, each
 * decoded and validated once, a delta applied on top of the last state) and announcements, and
 * the placement notices of peer balancers; drops agents whose snapshots stop. A sharded balancer
 * replica follows only its shard's agents: the others' states are skipped by subject, undecoded.
 */
import type { FleetClock, FleetShards, FleetView } from '@adagen/fleet';
import { findProfile, pendingOf } from '@adagen/fleet';
import {
  agentAnnounceSchema,
  createCodec,
  parseSubject,
  placementNoticeSchema,
  stateMessageSchema,
  wildcards,
} from '@adagen/protocol';
import type { InstanceStateDelta, PlacementNotice } from '@adagen/protocol';
import { subscribe } from '@adagen/runtime';
import type { ServiceRuntime } from '@adagen/runtime';
import { Counter, Gauge } from 'prom-client';

export interface WatchFleetOptions {
  readonly rt: ServiceRuntime;
  readonly view: FleetView;
  readonly clock: FleetClock;
  /** This replica's balancer id: its own notices are not applied twice. */
  readonly selfId?: string;
  /** How often stale agents are swept (fleet ms). */
  readonly sweepEveryMs: number;
  /** Called when agents join, leave or change. */
  readonly onMembership?: () => void;
  /** Called with each peer's placement notice (after the view applied it). */
  readonly onNotice?: (notice: PlacementNotice) => void;
  /** A sharded balancer replica's share of the agents (packages/fleet/src/shards.ts). */
  readonly shards?: FleetShards;
}

export interface FleetWatch {
  stop(): void;
}

const stateCodec = createCodec(stateMessageSchema); // deltas through their typed check (FAST_CHECKS)

export function watchFleet(options: WatchFleetOptions): FleetWatch {
  const { rt, view, clock } = options;
  const common = { logger: rt.logger, registry: rt.registry, lifecycle: rt.lifecycle };
  const unknownProfiles = new Set<string>();
  const changed = (yes: boolean) => {
    if (yes) options.onMembership?.();
  };
  const states = new Counter({
    name: 'adagen_agent_states_total',
    help: 'Agent states received, by kind (full, delta) and outcome (applied; gap: a delta that does not follow the last state held, ignored until the next full one)',
    labelNames: ['kind', 'outcome'],
    registers: [rt.registry],
  });
  // Bound once: every state message of every agent counts here.
  const counted = {
    deltaApplied: states.labels({ kind: 'delta', outcome: 'applied' }),
    deltaGap: states.labels({ kind: 'delta', outcome: 'gap' }),
    fullApplied: states.labels({ kind: 'full', outcome: 'applied' }),
  };
  const shards = options.shards;
  /** The split moved: agents of other shards leave the view (their states are skipped now). */
  const resplit = () => {
    if (shards === undefined) return;
    let left = false;
    for (const { id } of view.members()) if (!shards.owns(id)) left = view.remove(id) || left;
    if (left) changed(true);
  };
  /** Whether a state on `subject` is this shard's to decode (always, unsharded). */
  const ownState =
    shards === undefined
      ? undefined
      : (subject: string): boolean => {
          const parsed = parseSubject(subject);
          if (!parsed.ok || parsed.value.kind !== 'agent') return true; // the decode refuses it
          const id = parsed.value.instanceId;
          if (shards.heard(id, clock.nowMs())) resplit();
          return shards.owns(id);
        };
  const applyDelta = (delta: InstanceStateDelta) => {
    if (unknownProfiles.has(delta.instanceId)) return;
    const r = view.applyDelta(delta, clock.nowMs());
    if ('gap' in r) {
      counted.deltaGap.inc();
      rt.logger.debug(
        { instanceId: delta.instanceId, seq: delta.seq, why: r.gap },
        'state delta ignored: waiting for the agent’s next full state',
      );
      return;
    }
    counted.deltaApplied.inc();
    changed(r.changed);
  };
  subscribe(rt.nc, wildcards.agentState, {
    ...common,
    schema: stateMessageSchema,
    // Every agent's every state change reaches every replica: deltas take the typed check.
    codec: stateCodec,
    ...(ownState === undefined ? {} : { accept: ownState }),
    handler: (state) => {
      // A state whose body names an agent of another shard than its subject does is not ours.
      if (shards !== undefined && !shards.owns(state.instanceId)) return Promise.resolve();
      if (state.type === 'instance_state_delta') {
        applyDelta(state);
        return Promise.resolve();
      }
      counted.fullApplied.inc();
      if (findProfile(state.profile) === undefined) {
        if (!unknownProfiles.has(state.instanceId))
          rt.logger.warn(
            { instanceId: state.instanceId, profile: state.profile },
            'agent with an unknown latency profile ignored',
          );
        unknownProfiles.add(state.instanceId);
        return Promise.resolve();
      }
      const joined = !view.has(state.instanceId);
      changed(view.applyState(state, clock.nowMs()));
      if (joined) rt.logger.info({ instanceId: state.instanceId }, 'agent joined the view');
      return Promise.resolve();
    },
  });
  subscribe(rt.nc, wildcards.agentAnnounce, {
    ...common,
    schema: agentAnnounceSchema,
    handler: (a) => {
      if (a.status === 'down' && shards?.forget(a.instanceId) === true) resplit();
      if (view.applyAnnounce(a)) {
        rt.logger.info({ instanceId: a.instanceId }, 'agent left (announced down)');
        changed(true);
      }
      return Promise.resolve();
    },
  });
  subscribe(rt.nc, wildcards.placements, {
    ...common,
    schema: placementNoticeSchema,
    handler: (n) => {
      if (n.balancerId !== options.selfId && (shards?.owns(n.instanceId) ?? true)) {
        view.addPending(n.instanceId, pendingOf(n));
        options.onNotice?.(n);
      }
      return Promise.resolve();
    },
  });
  const timer = setInterval(
    () => {
      if ((shards?.sweep(clock.nowMs()).length ?? 0) > 0) resplit();
      const removed = view.sweep(clock.nowMs());
      if (removed.length > 0) {
        rt.logger.warn({ removed }, 'agents removed from placement: snapshots stopped');
        changed(true);
      }
    },
    Math.max(5, clock.wallDelayMs(options.sweepEveryMs)),
  );
  timer.unref();
  new Gauge({
    name: 'adagen_instances',
    help: 'Agents in this service’s view (snapshots current)',
    registers: [rt.registry],
    collect() {
      this.set(view.size);
    },
  });
  new Gauge({
    name: 'adagen_pending_placements',
    help: 'Placements not yet visible in the agents’ snapshots (own and peers’)',
    registers: [rt.registry],
    collect() {
      this.set(view.pendingCount());
    },
  });
  if (shards !== undefined)
    new Gauge({
      name: 'adagen_shard_agents',
      help: 'A sharded balancer replica: agents heard from in every shard (known) and those of its own shard (owned), which it follows and places on',
      labelNames: ['kind'],
      registers: [rt.registry],
      collect() {
        this.set({ kind: 'known' }, shards.known);
        this.set({ kind: 'owned' }, shards.owned().size);
      },
    });
  const stop = () => clearInterval(timer);
  rt.lifecycle.onStop('fleet watch', stop);
  return { stop };
}
