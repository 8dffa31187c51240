/**
 * llm-d's SLO-aware routing with latency prediction (`llmd-slo`).
 *
 * Source: the Gateway API Inference Extension proposal "SLO-Aware Routing with Latency
 * Prediction" (GIE #1323) and llm-d's "predicted latency based scheduling" guide (PEERS.md):
 * the endpoint picker predicts, per candidate pod, the request's p90 TTFT and p90 TPOT from the
 * pod's live metrics and the request — KV-cache utilisation, input length, waiting and running
 * requests (and a prefix-overlap score, 0 here: no prefix cache) — with models retrained online
 * from the latencies it observed on streamed requests; the SLO scorer puts pods whose predictions
 * meet both targets in a positive-headroom bucket and picks by headroom (strategy `most`: spread);
 * when no pod has headroom it takes the smallest deficit, and a request that may be shed is shed.
 *
 * Here: the models are {@link OnlineLatencyRegression}s (GIE's `bayesian_ridge` type, p90 by the
 * window's residuals) trained only on what this policy observed — the features it saw when it
 * routed a request and the TTFT / TPOT reported when that request finished
 * (`CompletionObservation.ttftMs` / `tpotMs`). Until the first fit (100 samples) it routes as
 * GIE's default profile's queue scorer does: fewest waiting + running + pending requests. With no
 * pod predicted to meet the targets the placement is marked `hopeless` (least weighted deficit),
 * so the shared admission layer may refuse it, as for every policy. Targets are the request's
 * own (`x-slo-ttft-ms` / `x-slo-tpot-ms`), else the policy's SLO spec — the same as AdaGen's.
 * What it does NOT know: the engine's latency model, its scheduler, the layout of its batches.
 */
import { SharedContext } from '../adagen/context.js';
import type { AdaGenContext } from '../adagen/context.js';
import { DefaultClassifier } from '../classifier.js';
import type {
  Balancer,
  CandidateEstimate,
  Classification,
  Classifier,
  ClusterView,
  CompletionObservation,
  InstanceView,
  Placement,
  RequestInfo,
} from '../types.js';
import { argminReady } from './argmin.js';
import type { LatencyRegressionOptions } from './latency-regression.js';
import { OnlineLatencyRegression } from './latency-regression.js';
import { activeRunning, outstandingRequests, pendingKvBlocks, readyIndices } from './signals.js';

export interface LlmdSloOptions {
  /** Weight of TTFT headroom against TPOT headroom (both relative to their targets). @default 0.5 */
  ttftWeight?: number;
  /** Options of the two online models. */
  regression?: LatencyRegressionOptions;
  /** Routed requests whose features are remembered until they finish (oldest forgotten). @default 100000 */
  maxTracked?: number;
}

/**
 * The features GIE's predictor reads for one pod and one request (prefix score omitted: 0). The
 * router's own placements not yet visible in a snapshot count as both waiting and running: it
 * cannot know which they will be, and counting them in one only lets a model that learned a zero
 * weight for it (waiting is always 0 at light load) send a whole snapshot period's requests to
 * the same pod.
 */
export function llmdFeatures(v: InstanceView, promptTokens: number): number[] {
  const kv = v.snapshot.kv;
  return [
    (kv.usedBlocks + pendingKvBlocks(v)) / kv.totalBlocks,
    promptTokens,
    v.snapshot.waiting.length + v.pending.length,
    activeRunning(v) + v.pending.length,
  ];
}

export class LlmdSloBalancer implements Balancer {
  readonly name = 'llmd-slo';
  readonly ttft: OnlineLatencyRegression;
  readonly tpot: OnlineLatencyRegression;
  private readonly shared: SharedContext;
  private readonly ttftWeight: number;
  private readonly maxTracked: number;
  private readonly routed = new Map<string, number[]>();

  constructor(context: AdaGenContext, options: LlmdSloOptions = {}) {
    this.shared = new SharedContext(context);
    this.ttftWeight = options.ttftWeight ?? 0.5;
    if (!(this.ttftWeight >= 0 && this.ttftWeight <= 1)) {
      throw new RangeError(`llmd-slo: ttftWeight must be in [0, 1], got ${this.ttftWeight}`);
    }
    this.maxTracked = options.maxTracked ?? 100_000;
    this.ttft = new OnlineLatencyRegression(4, options.regression);
    this.tpot = new OnlineLatencyRegression(4, options.regression);
  }

  place(c: Classification, view: ClusterView): Placement {
    const ready = readyIndices(view.instances);
    if (!this.ttft.ready || !this.tpot.ready) {
      const { index, candidates } = argminReady(view, (v) => [outstandingRequests(v)]);
      return this.placed(c, view.instances[index]!, candidates, undefined);
    }
    let best:
      { v: InstanceView; score: number; meets: boolean; est: CandidateEstimate } | undefined;
    const considered: CandidateEstimate[] = [];
    for (const i of ready) {
      const v = view.instances[i]!;
      const x = llmdFeatures(v, c.request.promptTokens);
      const ttftMs = this.ttft.predict(x)!;
      const tpotMs = this.tpot.predict(x)!;
      const slo = this.shared.sloOf(c.request, v.profile);
      const meets = ttftMs <= slo.ttftMs && tpotMs <= slo.tpotMs;
      const score =
        this.ttftWeight * (1 - ttftMs / slo.ttftMs) +
        (1 - this.ttftWeight) * (1 - tpotMs / slo.tpotMs);
      const est: CandidateEstimate = {
        instanceId: v.id,
        ttftMs,
        tpotMs,
        newlyViolated: 0,
        meetsSlo: meets,
      };
      considered.push(est);
      // Positive bucket first; within a bucket the most headroom (least deficit) wins.
      if (!best || (meets && !best.meets) || (meets === best.meets && score > best.score)) {
        best = { v, score, meets, est };
      }
    }
    const placement = this.placed(c, best!.v, ready.length, best!.est);
    placement.considered = considered;
    if (!best!.meets) placement.hopeless = true;
    return placement;
  }

  /** A finished request: one TTFT and one TPOT sample with the features it was routed on. */
  observe(done: CompletionObservation): void {
    const x = this.routed.get(done.requestId);
    if (x === undefined) return;
    this.routed.delete(done.requestId);
    if (done.ttftMs !== undefined) this.ttft.add(x, done.ttftMs);
    if (done.tpotMs !== undefined && done.outputTokens > 1) this.tpot.add(x, done.tpotMs);
  }

  private placed(
    c: Classification,
    v: InstanceView,
    candidates: number,
    est: CandidateEstimate | undefined,
  ): Placement {
    this.remember(c.request, llmdFeatures(v, c.request.promptTokens));
    return {
      classification: c,
      instanceId: v.id,
      candidates,
      ...(est ? { prediction: { ttftMs: est.ttftMs, tpotMs: est.tpotMs } } : {}),
    };
  }

  private remember(request: RequestInfo, x: number[]): void {
    this.routed.set(request.id, x);
    if (this.routed.size > this.maxTracked) {
      const oldest = this.routed.keys().next().value;
      if (oldest !== undefined) this.routed.delete(oldest);
    }
  }
}

/** The default classifier, passing completions on to the balancer's models. */
export class ObservingClassifier implements Classifier {
  readonly name = 'default';
  private readonly inner = new DefaultClassifier();

  constructor(private readonly sink: { observe(done: CompletionObservation): void }) {}

  classify(request: RequestInfo, nowMs: number): Classification {
    return this.inner.classify(request, nowMs);
  }

  observe(done: CompletionObservation): void {
    this.sink.observe(done);
  }
}
