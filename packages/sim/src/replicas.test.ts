/**
 * Balancer replicas in the simulator: each arrival goes to one replica, which sees its own
 * placements as pending and the others' only once a snapshot shows them.
 */
import { builtinProfiles } from '@adagen/engine';
import type { PrefixCacheEvent } from '@adagen/engine';
import type { Balancer, ClusterView, Placement, Policy } from '@adagen/scheduler';
import {
  composePolicy,
  DefaultClassifier,
  RoundRobinBalancer,
  SinglePlanner,
} from '@adagen/scheduler';
import { describe, expect, it } from 'vitest';
import type { SimConfigInput } from './config.js';
import { parseSimConfig, SimConfigError } from './config.js';
import { instanceSpecs } from './instances.js';
import { runSimulation } from './run.js';
import { Simulation } from './simulation.js';
import { SharedSource } from './staleness.js';
import { workloadOf } from './testing.js';

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

interface Seen {
  replica: number;
  requestId: string;
  /** Pending placements on the one instance, as this replica saw them. */
  pending: string[];
  /** Requests the instance's snapshot held. */
  inSnapshot: number;
}

/** One instance; every replica records what it saw before placing there. */
function recordingRun(balancers: number, rows: Parameters<typeof workloadOf>[0], seed = 3) {
  const seen: Seen[] = [];
  const input: SimConfigInput = {
    instances: { count: 1, profile: a100 },
    workload: workloadOf(rows),
    snapshotIntervalMs: 10_000,
    balancers,
    seed,
    policy: (ctx): Policy => {
      const replica = ctx.seed - seed;
      const inner = new RoundRobinBalancer();
      const balancer: Balancer = {
        name: 'recording',
        place: (classification, view) => {
          const v = view.instances[0]!;
          seen.push({
            replica,
            requestId: classification.request.id,
            pending: v.pending.map((p) => p.requestId),
            inSnapshot: v.snapshot.running.length + v.snapshot.waiting.length,
          });
          return inner.place(classification, view);
        },
      };
      return composePolicy('recording', new DefaultClassifier(), balancer, new SinglePlanner());
    },
  };
  const config = parseSimConfig(input);
  const sim = new Simulation(config, instanceSpecs(config));
  sim.run();
  return { seen, sim };
}

/** `n` small requests 5 ms apart. */
const steady = (n: number) =>
  workloadOf(Array.from({ length: n }, (_, i): [number, number, number] => [i * 5, 100, 3]));

/**
 * Round-robin per replica (seed 0 → replica 0, …), `onPlace` seeing, and free to change, each
 * placement with the view the replica decided on.
 */
function roundRobinWith(
  onPlace: (replica: number, view: ClusterView, placed: Placement) => Placement,
): (ctx: { seed: number }) => Policy {
  return (ctx) => {
    const inner = new RoundRobinBalancer();
    const balancer: Balancer = {
      name: 'recording',
      place: (classification, view) => onPlace(ctx.seed, view, inner.place(classification, view)),
    };
    return composePolicy('recording', new DefaultClassifier(), balancer, new SinglePlanner());
  };
}

// Ten requests within 10 ms (before any snapshot after t = 0), then one after the next snapshot.
const burst: Array<[number, number, number]> = [
  ...Array.from({ length: 10 }, (_, i): [number, number, number] => [i, 200, 20_000]),
  [10_001, 200, 5],
];

describe('balancer replicas', () => {
  it("a replica sees its own placements as pending and the others' only in a snapshot", () => {
    const { seen, sim } = recordingRun(2, burst);
    expect(sim.metrics.finished).toBe(11);
    const early = seen.slice(0, 10);
    // Both replicas decided some of the burst (a queue group spreads the requests).
    expect(new Set(early.map((s) => s.replica))).toEqual(new Set([0, 1]));
    for (const [i, s] of early.entries()) {
      const own = early
        .slice(0, i)
        .filter((e) => e.replica === s.replica)
        .map((e) => e.requestId);
      expect(s.pending, s.requestId).toEqual(own);
      expect(s.inSnapshot).toBe(0);
    }
    // After the snapshot at 10 s every placement of either replica is in it, none pending.
    const late = seen[10]!;
    expect(late.pending).toEqual([]);
    expect(late.inSnapshot).toBe(10);
  });

  it('one balancer sees every earlier placement as pending', () => {
    const { seen } = recordingRun(1, burst);
    for (const [i, s] of seen.slice(0, 10).entries())
      expect(s.pending).toEqual(seen.slice(0, i).map((e) => e.requestId));
  });

  it('is deterministic for a seed, and one replica is the default', () => {
    const input = (balancers?: number): SimConfigInput => ({
      instances: { count: 4, profile: a100 },
      policy: 'power-of-two',
      workload: workloadOf(
        Array.from({ length: 60 }, (_, i): [number, number, number] => [i * 20, 300 + i * 7, 40]),
      ),
      ...(balancers === undefined ? {} : { balancers }),
    });
    const once = runSimulation(input(3));
    expect(once.settings.balancers).toBe(3);
    expect(runSimulation(input(3)).metrics).toEqual(once.metrics);
    expect(runSimulation(input()).metrics).toEqual(runSimulation(input(1)).metrics);
    expect(runSimulation(input()).settings.balancers).toBe(1);
  });

  it('sharded: each replica sees and places on its own share of the instances only', () => {
    const seenIds: Array<{ replica: number; ids: string[] }> = [];
    const input = (sharded: boolean, count: number): SimConfigInput => ({
      instances: { count, profile: a100 },
      workload: steady(40),
      balancers: 3,
      sharded,
      seed: 0,
      policy: roundRobinWith((replica, view, placed) => {
        seenIds.push({ replica, ids: view.instances.map((v) => v.id) });
        return placed;
      }),
    });
    const shares = () =>
      [0, 1, 2].map((k) => [
        ...new Set(seenIds.filter((s) => s.replica === k).flatMap((s) => s.ids)),
      ]);
    const sharded = runSimulation(input(true, 7));
    expect(sharded.settings.sharded).toBe(true);
    expect(sharded.metrics.requests.finished).toBe(40);
    const ids = sharded.instances.map((i) => i.id);
    // Ranks 0..6: replica k takes instances k, k + 3, k + 6.
    expect(shares()).toEqual([
      [ids[0], ids[3], ids[6]],
      [ids[1], ids[4]],
      [ids[2], ids[5]],
    ]);
    // Fewer instances than replicas: none is left with nothing.
    seenIds.length = 0;
    runSimulation(input(true, 2));
    expect(shares()).toEqual([[ids[0]], [ids[1]], [ids[0]]]);
    // Unsharded: every replica sees every instance.
    seenIds.length = 0;
    const full = runSimulation(input(false, 7));
    expect(full.settings.sharded).toBe(false);
    for (const share of shares()) expect(share).toEqual(ids);
  });

  it('spill: a shard that predicts a miss everywhere hands the request to another shard, and holds offers back that are mostly declined', () => {
    const placedBy: number[] = [];
    // Shard 0 predicts a miss on all its instances; shard 1 a hit.
    const input = (shardSpill: boolean): SimConfigInput => ({
      instances: { count: 4, profile: a100 },
      workload: steady(30),
      balancers: 2,
      sharded: true,
      shardSpill,
      seed: 0,
      policy: roundRobinWith((replica, _view, placed) => {
        placedBy.push(replica);
        return replica === 0 ? { ...placed, hopeless: true } : placed;
      }),
    });
    const without = runSimulation(input(false));
    expect(without.spill).toBeUndefined();
    const arrivedAt0 = placedBy.filter((k) => k === 0).length;
    expect(arrivedAt0).toBeGreaterThan(0);
    placedBy.length = 0;
    const spilled = runSimulation(input(true));
    expect(spilled.settings.shardSpill).toBe(true);
    // Every request shard 0 got went to shard 1, after shard 0 weighed it.
    expect(spilled.spill?.taken).toBe(arrivedAt0);
    expect(placedBy.filter((k) => k === 0)).toHaveLength(arrivedAt0);
    expect(placedBy.filter((k) => k === 1)).toHaveLength(30);
    expect(spilled.metrics.requests.finished).toBe(30);
    expect(spilled.spill?.held).toBe(0); // every offer was taken
    // Both shards hopeless: offers are declined, and then mostly held back (the live rule).
    const bothHopeless = runSimulation({
      ...input(true),
      workload: steady(200),
      policy: roundRobinWith((_replica, _view, placed) => ({ ...placed, hopeless: true })),
    });
    expect(bothHopeless.spill?.taken).toBe(0);
    expect(bothHopeless.spill?.held).toBeGreaterThan(100);
    expect(() => parseSimConfig({ ...input(true), sharded: false })).toThrow(
      /shardSpill: expected sharded: true/,
    );
  });

  it('refuses a replica count that is not a positive integer up to 256, naming the field', () => {
    for (const balancers of [0, 1.5, 257]) {
      expect(() =>
        parseSimConfig({
          instances: { count: 1, profile: a100 },
          policy: 'round-robin',
          workload: workloadOf([[0, 10, 1]]),
          balancers,
        }),
      ).toThrow(SimConfigError);
    }
    expect(() =>
      parseSimConfig({
        instances: { count: 1, profile: a100 },
        policy: 'round-robin',
        workload: workloadOf([[0, 10, 1]]),
        balancers: 0,
      }),
    ).toThrow(/balancers/);
  });
});

describe('SharedSource', () => {
  it('gives every reader every cache event once, in order', () => {
    const queue: PrefixCacheEvent[] = [];
    const ev = (n: number): PrefixCacheEvent => ({ type: 'stored', blockHashes: [n] });
    const shared = new SharedSource(
      {
        snapshot: () => {
          throw new Error('not read here');
        },
        drainPrefixEvents: () => queue.splice(0),
      },
      2,
    );
    const [r0, r1] = [shared.reader(0), shared.reader(1)];
    queue.push(ev(1), ev(2));
    expect(r0.drainPrefixEvents!()).toEqual([ev(1), ev(2)]);
    queue.push(ev(3));
    expect(r0.drainPrefixEvents!()).toEqual([ev(3)]);
    expect(r1.drainPrefixEvents!()).toEqual([ev(1), ev(2), ev(3)]);
    queue.push(ev(4));
    expect(r1.drainPrefixEvents!()).toEqual([ev(4)]);
    expect(r0.drainPrefixEvents!()).toEqual([ev(4)]);
    expect(r1.drainPrefixEvents!()).toEqual([]);
    expect(r0.drainPrefixEvents!()).toEqual([]);
  });

  it('gives a source without cache events readers without them', () => {
    const shared = new SharedSource({ snapshot: () => ({}) as never }, 2);
    expect('drainPrefixEvents' in shared.reader(1)).toBe(false);
  });
});
