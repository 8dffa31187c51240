/**
 * AdaGen's balance step. Among the candidate instances for the request's class, predict each
 * one's compute layout with the request added (the estimator replays the engine's scheduler
 * from the instance's snapshot) and place it where the predicted cost is lowest:
 *
 *   1. SLO violations: the new request's own (TTFT or TPOT over target) plus the requests
 *      already there that would meet their SLO without it and miss it with it;
 *   2. then latency: the new request's TTFT and TPOT relative to their targets, plus the delay
 *      it adds to the others.
 *
 * Candidates for the class: long prompts keep to a pool of instances sized by the long class's
 * share of prompt work (`ClassPools`), so short prompts always find instances without a long
 * prefill ahead of them; short prompts may use every instance.
 *
 * A request predicted to miss its SLO on every candidate is *sacrificed*: it goes where it takes
 * the least from the others (fewest requests pushed over their SLO, then the longest prefill
 * queue), not where it would be least late — that would spend a healthy instance on a request
 * that is late anyway.
 *
 * A cheap pre-filter keeps large clusters fast: instances are ranked by queued prefill work
 * and, for long prompts, by how many decodes a prefill there would slow down; only the best
 * `maxCandidates` are simulated.
 *
 * Prefix caching: each estimate starts the request's prefill after the prompt tokens that
 * instance holds (its prefix index as of the snapshot), so locality is weighed against load
 * through the predicted SLOs — no locality weight. The instances holding the longest prefix are
 * always among the simulated candidates (and in a long prompt's pool).
 */
import type { Estimate } from '@adagen/estimator';
import { activeRunning, queuedPrefillTokens, readyIndices } from '../baselines/signals.js';
import type {
  Balancer,
  CandidateEstimate,
  Classification,
  ClusterView,
  InstanceView,
  Placement,
} from '../types.js';
import { cachedTokensOn } from '../prefix.js';
import type { SharedContext } from './context.js';
import { ClassPools } from './pools.js';

export interface AdaGenBalancerOptions {
  /**
   * Instances simulated per decision after pre-filtering.
   * @default 8
   */
  maxCandidates?: number;
  /**
   * Sacrifice requests predicted to miss their SLO everywhere (see above).
   * @default true
   */
  sacrifice?: boolean;
  /**
   * Keep long prompts to their class's pool of instances.
   * @default true
   */
  pools?: boolean;
}

/** A candidate's cost: violations first, then a latency tie-break in [0, ∞). */
export interface Cost {
  violations: number;
  latency: number;
}

export function compareCost(a: Cost, b: Cost): number {
  return a.violations - b.violations || a.latency - b.latency;
}

/** What a cost is computed from: the request's predicted latencies and its effect on others. */
export interface CostInput {
  ttftMs: number;
  tpotMs: number;
  newlyViolated: number;
  addedDelayMs: number;
}

/**
 * The cost of running `c` with these predictions on instances of `profile` (the balance step's
 * single placements and the distribute step's plans alike): its own SLO miss plus the requests
 * it pushes over theirs, then its TTFT and TPOT relative to their targets plus the delay it adds
 * to the others.
 */
export function costOf(
  shared: SharedContext,
  c: Classification,
  profile: string,
  e: CostInput,
): Cost {
  const slo = shared.sloOf(c.request, profile);
  const decodes = c.predictedOutputTokens > 1;
  const miss = e.ttftMs > slo.ttftMs || (decodes && e.tpotMs > slo.tpotMs);
  return {
    violations: (miss ? 1 : 0) + e.newlyViolated,
    latency:
      e.ttftMs / slo.ttftMs +
      (decodes ? e.tpotMs / slo.tpotMs : 0) +
      e.addedDelayMs / (1000 * slo.tpotMs),
  };
}

interface Choice {
  view: InstanceView;
  estimate: Estimate;
  hopeless: boolean;
}

export class AdaGenBalancer implements Balancer {
  readonly name = 'adagen-balancer';
  private readonly maxCandidates: number;
  private readonly sacrifice: boolean;
  private readonly pools: ClassPools | undefined;

  constructor(
    private readonly shared: SharedContext,
    options: AdaGenBalancerOptions = {},
  ) {
    this.maxCandidates = options.maxCandidates ?? 8;
    this.sacrifice = options.sacrifice ?? true;
    this.pools = (options.pools ?? true) ? new ClassPools() : undefined;
  }

  place(c: Classification, view: ClusterView): Placement {
    const ready = readyIndices(view.instances).map((i) => view.instances[i]!);
    let candidates: readonly InstanceView[] = ready;
    if (this.pools) {
      this.pools.observe(c);
      if (c.prefill === 'long') {
        candidates = this.pools.split(ready, c).own;
        // The instance holding most of the prompt is a candidate even outside the pool: a
        // cached prompt is a short prefill there.
        const local = this.mostCached(c, ready, 1);
        if (local.length > 0 && !candidates.includes(local[0]!)) {
          candidates = [...candidates, local[0]!];
        }
      }
    }
    const estimates = new Map<string, Estimate>();
    const chosen = this.choose(c, view, candidates, estimates);
    this.shared.balanceEstimates = { requestId: c.request.id, byInstance: estimates };
    return {
      classification: c,
      instanceId: chosen.view.id,
      candidates: estimates.size,
      considered: this.explain(c, candidates, estimates),
      estimates: [...estimates.values()],
      prediction: {
        ttftMs: chosen.estimate.ttftMs,
        tpotMs: chosen.estimate.tpotMs,
        newlyViolated: chosen.estimate.newlyViolated,
      },
      ...(chosen.hopeless ? { hopeless: true } : {}),
    };
  }

  /** The cost of placing `c` on `v` as estimated. */
  cost(c: Classification, v: InstanceView, e: Estimate): Cost {
    return costOf(this.shared, c, v.profile, e);
  }

  /** The estimated candidates, cheapest first (what the decision weighed). */
  private explain(
    c: Classification,
    pool: readonly InstanceView[],
    estimates: ReadonlyMap<string, Estimate>,
  ): CandidateEstimate[] {
    const rows: Array<CandidateEstimate & { cost: Cost }> = [];
    for (const v of pool) {
      const e = estimates.get(v.id);
      if (e === undefined) continue;
      rows.push({
        instanceId: v.id,
        ttftMs: e.ttftMs,
        tpotMs: e.tpotMs,
        newlyViolated: e.newlyViolated,
        meetsSlo: !this.ownMiss(c, v, e),
        cost: this.cost(c, v, e),
      });
    }
    rows.sort((a, b) => compareCost(a.cost, b.cost));
    return rows.map(({ cost: _cost, ...row }) => row);
  }

  /** The instances worth simulating: all when few, else the most promising by cheap signals. */
  prefilter(c: Classification, ready: readonly InstanceView[]): InstanceView[] {
    if (ready.length <= this.maxCandidates) return [...ready];
    const queued = new Map(ready.map((v) => [v.id, queuedPrefillTokens(v)]));
    const byQueue = [...ready].sort((a, b) => queued.get(a.id)! - queued.get(b.id)!);
    // Locality: the instances holding the longest cached prefix are always simulated, so the
    // estimates weigh a hit on a busy instance against a miss on an idle one.
    const picked = new Set<InstanceView>(this.mostCached(c, ready, 2));
    for (const v of byQueue) {
      if (picked.size >= Math.ceil(this.maxCandidates / 2)) break;
      picked.add(v);
    }
    // Long prompts hurt the decodes they share iterations with: also try the decode-light ones.
    const decodeLight = [...ready].sort(
      (a, b) =>
        activeRunning(a) + a.pending.length - (activeRunning(b) + b.pending.length) ||
        queued.get(a.id)! - queued.get(b.id)!,
    );
    for (const v of c.prefill === 'long' ? decodeLight : byQueue) {
      if (picked.size >= this.maxCandidates) break;
      picked.add(v);
    }
    return [...picked];
  }

  /** Estimates `c` on the pre-filtered `pool` and picks the cheapest, or a sacrifice. */
  private choose(
    c: Classification,
    view: ClusterView,
    pool: readonly InstanceView[],
    estimates: Map<string, Estimate>,
  ): Choice {
    const candidates = this.prefilter(c, pool);
    let best: { view: InstanceView; estimate: Estimate; cost: Cost } | undefined;
    let hopeless = true;
    for (const v of candidates) {
      const e = this.estimateOn(c, view, v);
      estimates.set(v.id, e);
      const cost = this.cost(c, v, e);
      if (!this.ownMiss(c, v, e)) hopeless = false;
      if (!best || compareCost(cost, best.cost) < 0) best = { view: v, estimate: e, cost };
    }
    if (hopeless && this.sacrifice) return this.sacrificeOn(candidates, estimates);
    return { view: best!.view, estimate: best!.estimate, hopeless };
  }

  /** Fewest requests pushed over their SLO, then the longest prefill queue. */
  private sacrificeOn(
    candidates: readonly InstanceView[],
    estimates: ReadonlyMap<string, Estimate>,
  ): Choice {
    let best: Choice | undefined;
    let most = -1;
    for (const v of candidates) {
      const e = estimates.get(v.id)!;
      const queued = queuedPrefillTokens(v);
      const newly = best?.estimate.newlyViolated ?? Infinity;
      if (e.newlyViolated < newly || (e.newlyViolated === newly && queued > most)) {
        best = { view: v, estimate: e, hopeless: true };
        most = queued;
      }
    }
    return best!;
  }

  /** Up to `n` instances with the longest cached prefix of the prompt (none without hits). */
  private mostCached(c: Classification, ready: readonly InstanceView[], n: number): InstanceView[] {
    if (c.request.prefix === undefined) return [];
    const hits: Array<{ v: InstanceView; tokens: number }> = [];
    for (const v of ready) {
      const tokens = cachedTokensOn(c.request, v);
      if (tokens > 0) hits.push({ v, tokens });
    }
    hits.sort((a, b) => b.tokens - a.tokens);
    return hits.slice(0, n).map((h) => h.v);
  }

  private ownMiss(c: Classification, v: InstanceView, e: Estimate): boolean {
    const slo = this.shared.sloOf(c.request, v.profile);
    return e.ttftMs > slo.ttftMs || (c.predictedOutputTokens > 1 && e.tpotMs > slo.tpotMs);
  }

  private estimateOn(c: Classification, view: ClusterView, v: InstanceView): Estimate {
    const slo = this.shared.sloOf(c.request, v.profile);
    return this.shared.estimator.estimate(
      v,
      {
        id: c.request.id,
        role: 'full',
        promptTokens: c.request.promptTokens,
        outputTokens: c.predictedOutputTokens,
        arrivalMs: view.nowMs + this.shared.delayIn(view),
        originArrivalMs: c.request.arrivalMs,
        // Late anyway past 1.5× its target: no need to simulate further (bounds overload cost).
        giveUpAtMs: c.request.arrivalMs + 1.5 * slo.ttftMs,
        cachedTokens: cachedTokensOn(c.request, v),
        ...(c.request.maxTokens === undefined ? {} : { maxTokens: c.request.maxTokens }),
      },
      view.nowMs,
    );
  }
}
