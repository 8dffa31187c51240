/**
 * AdaGen's distribute step. When the balance step's best single placement still misses the
 * request's SLO or pushes others over theirs, evaluate with the estimator:
 *
 * - a prefill/decode split: prefill (and the first token) on instance P, the KV sent over the
 *   link, decode on instance D — a long prompt no longer stalls D's decodes, and the request's
 *   own decode runs where iterations are short;
 * - a split prefill over k = 2…4 instances (contiguous segments balanced by work, each attending
 *   to the KV of the earlier ones; the first token when the last segment is done; the segments'
 *   KV gathered on the decode instance) — a long prompt's TTFT divided across instances.
 *
 * A distributed plan is taken only when it is predicted to win by a margin: the single placement
 * has a violation and the distributed plan is predicted to clear them all.
 */
import { planSegments } from '@adagen/engine';
import type { Estimate } from '@adagen/estimator';
import type {
  Classification,
  ClusterView,
  Decision,
  InstanceView,
  Placement,
  Plan,
  Planner,
} from '../types.js';
import { cachedTokensOn } from '../prefix.js';
import type { Cost } from './balancer.js';
import { AdaGenBalancer, compareCost, costOf } from './balancer.js';
import type { SharedContext } from './context.js';

export interface AdaGenPlannerOptions {
  /**
   * Smallest prompt considered for a split prefill.
   * @default 2048
   */
  splitMinPromptTokens?: number;
  /**
   * Most instances one prompt is split over.
   * @default 4
   */
  maxSegments?: number;
  /**
   * Prefill and decode instances tried for a P/D split (each).
   * @default 3
   */
  pdCandidates?: number;
  /** Plan kinds allowed. @default both */
  allow?: { pdSplit?: boolean; splitPrefill?: boolean };
}

interface Option {
  plan: Plan;
  cost: Cost;
  ttftMs: number;
  tpotMs: number;
  newlyViolated: number;
}

export class AdaGenPlanner implements Planner {
  readonly name = 'adagen-planner';
  private readonly splitMin: number;
  private readonly maxSegments: number;
  private readonly pdCandidates: number;
  private readonly allowPd: boolean;
  private readonly allowSplit: boolean;
  private readonly layouts: AdaGenBalancer;

  constructor(
    private readonly shared: SharedContext,
    options: AdaGenPlannerOptions = {},
  ) {
    this.splitMin = options.splitMinPromptTokens ?? 2048;
    this.maxSegments = options.maxSegments ?? 4;
    this.pdCandidates = options.pdCandidates ?? 3;
    this.allowPd = options.allow?.pdSplit ?? true;
    this.allowSplit = options.allow?.splitPrefill ?? true;
    this.layouts = new AdaGenBalancer(shared);
  }

  plan(placement: Placement, view: ClusterView): Decision {
    const c = placement.classification;
    const byId = new Map(view.instances.map((v) => [v.id, v]));
    const chosen = byId.get(placement.instanceId)!;
    const estimates = this.estimatesFor(placement, view);
    const single = estimates.get(placement.instanceId);
    const single$: Decision = { placement, plan: { kind: 'single', instanceId: chosen.id } };
    if (placement.prediction) single$.prediction = placement.prediction;
    if (!single) return single$;
    const singleCost = this.cost(
      c,
      chosen.profile,
      single.ttftMs,
      single.tpotMs,
      single.newlyViolated,
    );
    if (singleCost.violations === 0) return single$;

    // Instances by how soon they would start this prompt, from the balance step's layouts.
    const ranked = [...estimates.values()]
      .filter((e) => byId.get(e.instanceId)?.status === 'ready')
      .sort((a, b) => a.ttftMs - b.ttftMs);
    if (ranked.length < 2) return single$;
    let best: Option | undefined;
    const consider = (o: Option | undefined) => {
      if (o && (!best || compareCost(o.cost, best.cost) < 0)) best = o;
    };
    if (this.allowPd) for (const o of this.pdOptions(c, view, byId, ranked)) consider(o);
    if (this.allowSplit && c.request.promptTokens >= this.splitMin) {
      for (let k = 2; k <= Math.min(this.maxSegments, ranked.length); k++) {
        consider(this.splitOption(c, view, byId, ranked.slice(0, k)));
      }
    }
    const alt = best;
    if (!alt) return single$;
    // The margin: a distributed plan must clear every predicted violation. Merely fewer is not
    // enough — it spends capacity on several instances, and estimates of cross-instance plans
    // are the least certain (measured: taking "fewer violations" plans lost attainment).
    if (alt.cost.violations > 0) return single$;
    return {
      placement,
      plan: alt.plan,
      prediction: { ttftMs: alt.ttftMs, tpotMs: alt.tpotMs, newlyViolated: alt.newlyViolated },
    };
  }

  /**
   * The balance step's layouts for this request: from this process when it ran here, else the
   * ones the placement carries (the planner as its own service); computed here only when
   * neither has them (a placement from a policy that does not estimate).
   */
  private estimatesFor(placement: Placement, view: ClusterView): Map<string, Estimate> {
    const id = placement.classification.request.id;
    const shared = this.shared.balanceEstimates;
    if (shared.requestId === id) return shared.byInstance;
    if (placement.estimates !== undefined && placement.estimates.length > 0) {
      const byInstance = new Map(placement.estimates.map((e) => [e.instanceId, e]));
      this.shared.balanceEstimates = { requestId: id, byInstance };
      return byInstance;
    }
    this.layouts.place(placement.classification, view);
    return this.shared.balanceEstimates.byInstance;
  }

  private cost(
    c: Classification,
    profile: string,
    ttftMs: number,
    tpotMs: number,
    newlyViolated: number,
    addedDelayMs = 0,
  ): Cost {
    return costOf(this.shared, c, profile, { ttftMs, tpotMs, newlyViolated, addedDelayMs });
  }

  private addition(c: Classification, role: 'prefill' | 'decode' | 'segment', arrivalMs: number) {
    return {
      id: c.request.id,
      role,
      promptTokens: c.request.promptTokens,
      outputTokens: Math.max(2, c.predictedOutputTokens),
      arrivalMs,
      originArrivalMs: c.request.arrivalMs,
      generatedTokens: 1,
    };
  }

  private *pdOptions(
    c: Classification,
    view: ClusterView,
    byId: ReadonlyMap<string, InstanceView>,
    ranked: readonly Estimate[],
  ): Generator<Option> {
    if (c.predictedOutputTokens <= 1) return;
    const est = this.shared.estimator;
    const now = view.nowMs;
    const arrival = now + this.shared.delayIn(view);
    const prefills = ranked.slice(0, this.pdCandidates);
    // Decode-friendly instances: shortest predicted iterations with this request added.
    const decoders = [...ranked]
      .sort((a, b) => a.meanIterationMs - b.meanIterationMs)
      .slice(0, this.pdCandidates);
    for (const pe of prefills) {
      const pv = byId.get(pe.instanceId)!;
      const pre = est.estimate(
        pv,
        // The prefill instance reuses the prefix it holds (segments never do).
        { ...this.addition(c, 'prefill', arrival), cachedTokens: cachedTokensOn(c.request, pv) },
        now,
      );
      if (!Number.isFinite(pre.prefillDoneAtMs)) continue;
      const handoffMs =
        pre.prefillDoneAtMs + this.shared.transferMs(c.request.promptTokens + 1, pv.profile);
      for (const de of decoders) {
        if (de.instanceId === pv.id) continue;
        const dv = byId.get(de.instanceId)!;
        const dec = est.estimate(dv, this.addition(c, 'decode', handoffMs), now);
        const ttftMs = pre.firstTokenAtMs - c.request.arrivalMs;
        const newly = pre.newlyViolated + dec.newlyViolated;
        yield {
          plan: { kind: 'pd-split', prefillInstanceId: pv.id, decodeInstanceId: dv.id },
          cost: this.cost(
            c,
            pv.profile,
            ttftMs,
            dec.tpotMs,
            newly,
            pre.addedDelayMs + dec.addedDelayMs,
          ),
          ttftMs,
          tpotMs: dec.tpotMs,
          newlyViolated: newly,
        };
      }
    }
  }

  private splitOption(
    c: Classification,
    view: ClusterView,
    byId: ReadonlyMap<string, InstanceView>,
    chosen: readonly Estimate[],
  ): Option | undefined {
    const est = this.shared.estimator;
    const now = view.nowMs;
    const arrival = now + this.shared.delayIn(view);
    const views = chosen.map((e) => byId.get(e.instanceId)!);
    const profile = views[0]!.profile;
    const spans = planSegments(c.request.promptTokens, views.length, {
      model: this.shared.model(profile),
      chunkTokens: this.shared.chunkTokens(profile),
    });
    if (spans.length < 2) return undefined;
    let lastDoneMs = 0;
    let newly = 0;
    let added = 0;
    const segments = spans.map((s, j) => {
      const v = views[j]!;
      const e = est.estimate(
        v,
        { ...this.addition(c, 'segment', arrival), startToken: s.startToken, endToken: s.endToken },
        now,
      );
      lastDoneMs = Math.max(lastDoneMs, e.prefillDoneAtMs);
      newly += e.newlyViolated;
      added += e.addedDelayMs;
      return { instanceId: v.id, startToken: s.startToken, endToken: s.endToken };
    });
    if (!Number.isFinite(lastDoneMs)) return undefined;
    // Decode where the largest segment already sits: the least KV to gather.
    const decodeSeg = segments.reduce((a, b) =>
      b.endToken - b.startToken > a.endToken - a.startToken ? b : a,
    );
    const gatherTokens = c.request.promptTokens - (decodeSeg.endToken - decodeSeg.startToken);
    const handoffMs = lastDoneMs + this.shared.transferMs(gatherTokens, profile);
    let tpotMs = 0;
    if (c.predictedOutputTokens > 1) {
      const dec = est.estimate(
        byId.get(decodeSeg.instanceId)!,
        this.addition(c, 'decode', handoffMs),
        now,
      );
      tpotMs = dec.tpotMs;
      newly += dec.newlyViolated;
      added += dec.addedDelayMs;
    }
    const ttftMs = lastDoneMs - c.request.arrivalMs;
    return {
      plan: { kind: 'split-prefill', segments, decodeInstanceId: decodeSeg.instanceId },
      cost: this.cost(c, profile, ttftMs, tpotMs, newly, added),
      ttftMs,
      tpotMs,
      newlyViolated: newly,
    };
  }
}
