/**
 * The balancer's prefix-cache locations: every agent's cache events (`adagen.v1.agent.*.cache`)
 * kept in a `PrefixLocator`, its own and its peers' placements for agents without events, and
 * the policy's view with each instance's `prefixCache` filled in from it. An agent whose engine
 * does not cache prefixes (`capabilities.prefixCaching: false`) holds nothing: no lookup, no
 * match, and its placements are not indexed (guessing them cached made every prompt that shares
 * a start with an earlier one look prefilled already, and the estimates too early).
 */
import { PrefixLocator } from '@adagen/fleet';
import type { FleetClock, FleetShards } from '@adagen/fleet';
import { kvCacheMessageSchema, parseSubject, wildcards } from '@adagen/protocol';
import type { PlacementNotice, PromptPrefix } from '@adagen/protocol';
import { subscribeInWireOrder } from '@adagen/runtime';
import type { ServiceRuntime } from '@adagen/runtime';
import type { ClusterView } from '@adagen/scheduler';
import { Counter, Gauge } from 'prom-client';

export interface PrefixOptions {
  readonly prefixBlockSize: number;
  readonly prefixPlacedTtlMs: number;
  readonly prefixPendingTtlMs: number;
}

export interface BalancerPrefix {
  readonly locator: PrefixLocator;
  /** The policy's view: each instance with what the index knows of its cache. */
  withCaches(cluster: ClusterView): ClusterView;
  /**
   * Per instance (those with any), the leading blocks of the prompt it holds; undefined without
   * usable hashes or when no agent in the view caches prefixes.
   */
  matches(
    prefix: PromptPrefix | undefined,
    cluster: ClusterView,
  ): { blocks: Map<string, number>; of: number } | undefined;
  /**
   * Whether peers learn `instanceId`'s cache from placement notices: its engine caches prefixes
   * and it sends no cache events.
   */
  learnedFromPlacements(instanceId: string): boolean;
  /** A request was placed on `instanceId` (by this balancer, or a peer's notice). */
  placed(instanceId: string, prefix: PromptPrefix | undefined, nowMs: number): void;
  /** A peer's notice. */
  notice(n: PlacementNotice): void;
}

export function watchPrefixCaches(
  rt: ServiceRuntime,
  clock: FleetClock,
  options: PrefixOptions,
  /** Whether an agent's engine caches prefixes (the view's `prefixCaching`). */
  caches: (instanceId: string) => boolean,
  /** A shard's share: other shards' agents' cache messages are skipped undecoded. */
  shards?: FleetShards,
): BalancerPrefix {
  const locator = new PrefixLocator({
    blockSize: options.prefixBlockSize,
    placedTtlMs: options.prefixPlacedTtlMs,
    pendingTtlMs: options.prefixPendingTtlMs,
  });
  const messages = new Counter({
    name: 'adagen_prefix_cache_messages_total',
    help: 'Agents’ prefix-cache messages by what applying them did: applied, resynced (snapshot), held (early, behind a gap), stale, wrong_block_size, forged (body names another agent than the subject)',
    labelNames: ['outcome'],
    registers: [rt.registry],
  });
  const index = locator.events;
  new Gauge({
    name: 'adagen_prefix_cache_blocks',
    help: 'Blocks in this balancer’s prefix-cache index (every agent with events)',
    registers: [rt.registry],
    collect() {
      this.set(index.totalBlocks);
    },
  });
  new Counter({
    name: 'adagen_prefix_cache_gaps_total',
    help: 'Gaps in agents’ cache-event sequences (a batch lost or late), and snapshots that ended one (outcome recovered)',
    labelNames: ['outcome'],
    registers: [rt.registry],
    collect() {
      this.reset();
      this.inc({ outcome: 'opened' }, index.counters.gaps);
      this.inc({ outcome: 'recovered' }, index.counters.recoveries);
    },
  });
  const warnedBlockSize = new Set<string>();
  subscribeInWireOrder(rt.nc, wildcards.agentCache, {
    schema: kvCacheMessageSchema,
    // An agent that joins the share later is indexed from its next cache snapshot (its batches
    // wait behind the gap until then).
    ...(shards === undefined
      ? {}
      : {
          accept: (subject: string) => {
            const s = parseSubject(subject);
            return !s.ok || s.value.kind !== 'agent' || shards.owns(s.value.instanceId);
          },
        }),
    logger: rt.logger,
    registry: rt.registry,
    lifecycle: rt.lifecycle,
    handler: (m, ctx) => {
      const s = parseSubject(ctx.subject);
      if (!s.ok || s.value.kind !== 'agent' || s.value.instanceId !== m.instanceId) {
        messages.inc({ outcome: 'forged' });
        ctx.logger.warn(
          { instanceId: m.instanceId },
          'cache message whose body names another agent than its subject dropped',
        );
        return;
      }
      const outcome = locator.apply(m);
      messages.inc({ outcome });
      if (outcome === 'wrong_block_size' && !warnedBlockSize.has(m.instanceId)) {
        warnedBlockSize.add(m.instanceId);
        ctx.logger.warn(
          { instanceId: m.instanceId, blockSize: m.blockSize, expected: locator.blockSize },
          'agent’s cache events use another block size than prefixBlockSize: ignored',
        );
      }
    },
  });
  const timer = setInterval(() => locator.sweep(clock.nowMs()), 5_000);
  timer.unref();
  rt.lifecycle.onStop('prefix index', () => clearInterval(timer));

  const usable = (prefix: PromptPrefix | undefined): prefix is PromptPrefix =>
    prefix !== undefined && prefix.blockSize === locator.blockSize && prefix.blockHashes.length > 0;
  return {
    locator,
    withCaches(cluster) {
      return {
        ...cluster,
        instances: cluster.instances.map((v) => {
          if (!caches(v.id)) return v;
          const lookup = locator.lookup(v.id, cluster.nowMs);
          return lookup === undefined ? v : { ...v, prefixCache: lookup };
        }),
      };
    },
    matches(prefix, cluster) {
      // Nothing to say where no agent caches (no "0 of N blocks" on every decision record).
      if (!usable(prefix) || !cluster.instances.some((v) => caches(v.id))) return undefined;
      const blocks = new Map<string, number>();
      for (const v of cluster.instances) {
        if (!caches(v.id)) continue;
        const n = locator.match(v.id, prefix.blockHashes, cluster.nowMs).blocks;
        if (n > 0) blocks.set(v.id, n);
      }
      return { blocks, of: prefix.blockHashes.length };
    },
    learnedFromPlacements(instanceId) {
      return caches(instanceId) && !locator.hasEvents(instanceId);
    },
    placed(instanceId, prefix, nowMs) {
      if (usable(prefix) && caches(instanceId))
        locator.placed(instanceId, prefix.blockHashes, nowMs);
    },
    notice(n) {
      if (n.role === undefined || n.role === 'full' || n.role === 'prefill')
        this.placed(n.instanceId, n.prefix, n.atMs);
    },
  };
}
