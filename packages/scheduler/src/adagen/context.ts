/**
 * What the AdaGen balancer and planner share within one process: the layout estimator (its
 * cached instance states and baseline runs are how each step sees the layouts the previous step
 * produced), SLO targets per prompt length, the KV link, and the balance step's estimates for the
 * request being decided (read by the distribute step).
 */
import { kvBytesPerToken, kvTransferMs, LatencyModel, LinkPresets } from '@adagen/engine';
import type { EngineConfigInput, LatencyProfile, Link } from '@adagen/engine';
import { LayoutEstimator } from '@adagen/estimator';
import type { Estimate, SloTargets } from '@adagen/estimator';
import { resolveSlo } from '../slo.js';
import type { SloSpec } from '../slo.js';
import type { RequestInfo } from '../types.js';

/** The cluster a policy is built for (structurally the simulator's `PolicyContext`). */
export interface AdaGenContext {
  seed: number;
  slo: SloSpec;
  instances: ReadonlyArray<{ id: string; profile: LatencyProfile; engine?: EngineConfigInput }>;
  /** Decision + dispatch delay before work reaches an instance. @default 2 */
  controlDelayMs?: number;
  /** KV link between instances (an engine preset name). @default 'rdma-400g' */
  kvLink?: string;
  /**
   * Profiles named in views but not in `instances` — e.g. the ones instances calibrated online
   * and announce under new names (`<base>.cal-<id>.v<k>`). @default none
   */
  profileFor?: (name: string) => LatencyProfile | undefined;
  /**
   * The profile relative SLO targets ("5× idle") are resolved against, when they are a contract
   * stated for the whole cluster (the simulator scores against its reference instance). Latency
   * predictions still use each instance's own (believed) profile. @default each instance's own
   */
  sloReference?: LatencyProfile;
}

export interface EstimatorTuning {
  maxIterations?: number;
  horizonMs?: number;
  decodeWindowTokens?: number;
}

export class SharedContext {
  readonly estimator: LayoutEstimator;
  readonly controlDelayMs: number;
  readonly link: Link;
  private readonly profiles = new Map<string, LatencyProfile>();
  private readonly models = new Map<string, LatencyModel>();
  private readonly chunking = new Map<
    string,
    { maxNumBatchedTokens: number; enableChunkedPrefill: boolean }
  >();
  private readonly slos = new Map<string, SloTargets>();
  private readonly sloModel: LatencyModel | undefined;
  /** The balance step's estimates for the request being decided, by instance id. */
  balanceEstimates: { requestId: string; byInstance: Map<string, Estimate> } = {
    requestId: '',
    byInstance: new Map(),
  };

  constructor(
    readonly context: AdaGenContext,
    tuning: EstimatorTuning = {},
  ) {
    for (const inst of context.instances) {
      this.profiles.set(inst.profile.name, inst.profile);
      if (!this.chunking.has(inst.profile.name)) {
        this.chunking.set(inst.profile.name, {
          maxNumBatchedTokens: inst.engine?.maxNumBatchedTokens ?? 512,
          enableChunkedPrefill: inst.engine?.enableChunkedPrefill ?? true,
        });
      }
    }
    this.sloModel = context.sloReference ? new LatencyModel(context.sloReference) : undefined;
    this.controlDelayMs = context.controlDelayMs ?? 2;
    const linkName = context.kvLink ?? 'rdma-400g';
    const link = (LinkPresets as Record<string, Link>)[linkName];
    if (!link) {
      throw new RangeError(
        `unknown KV link "${linkName}" (known: ${Object.keys(LinkPresets).join(', ')})`,
      );
    }
    this.link = link;
    this.estimator = new LayoutEstimator({
      profile: (name) => this.profile(name),
      sloFor: (promptTokens, profile) => this.sloFor(promptTokens, profile),
      ...tuning,
    });
  }

  /** The control delay to predict with in `view`: measured when the view has it, else assumed. */
  delayIn(view: { controlDelayMs?: number }): number {
    return view.controlDelayMs ?? this.controlDelayMs;
  }

  profile(name: string): LatencyProfile {
    const p = this.profiles.get(name) ?? this.context.profileFor?.(name);
    if (!p) throw new RangeError(`AdaGen: no latency profile named "${name}" in this cluster`);
    return p;
  }

  model(name: string): LatencyModel {
    let m = this.models.get(name);
    if (!m) {
      // Calibrated profiles come and go under new names: keep the cache bounded.
      if (this.models.size > 1024) this.models.clear();
      m = new LatencyModel(this.profile(name));
      this.models.set(name, m);
    }
    return m;
  }

  /** SLO targets of a request of `promptTokens` on `profile` (cached). */
  sloFor(promptTokens: number, profile: string): SloTargets {
    const key = `${profile}|${promptTokens}`;
    let s = this.slos.get(key);
    if (!s) {
      if (this.slos.size > 50_000) this.slos.clear();
      const chunking = this.chunkingOf(profile);
      const model = this.sloModel ?? this.model(profile);
      s = resolveSlo(this.context.slo, { promptTokens }, model, chunking);
      this.slos.set(key, s);
    }
    return s;
  }

  /** A request's targets on `profile`: its own where it set them, else the policy's SLO. */
  sloOf(request: RequestInfo, profile: string): SloTargets {
    const s = this.sloFor(request.promptTokens, profile);
    const own = request.slo;
    if (own === undefined) return s;
    return { ttftMs: own.ttftMs ?? s.ttftMs, tpotMs: own.tpotMs ?? s.tpotMs };
  }

  /** Time to move the KV of `tokens` tokens between two instances of `profile`. */
  transferMs(tokens: number, profile: string): number {
    return kvTransferMs(tokens, kvBytesPerToken(this.profile(profile)), this.link);
  }

  chunkTokens(profile: string): number {
    return this.chunkingOf(profile).maxNumBatchedTokens;
  }

  /** The engine's chunking for `profile`; a name not in the cluster (calibrated) gets the first's. */
  private chunkingOf(profile: string): {
    maxNumBatchedTokens: number;
    enableChunkedPrefill: boolean;
  } {
    return (
      this.chunking.get(profile) ??
      this.chunking.values().next().value ?? {
        maxNumBatchedTokens: 512,
        enableChunkedPrefill: true,
      }
    );
  }
}
