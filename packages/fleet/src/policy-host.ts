/**
 * Builds the named policy for the agents in a view with the scheduler's `policyFor`, and builds
 * it again when the set of agents (or their profiles or engine settings) changes.
 */
import type { EngineConfigInput } from '@adagen/engine';
import { policyFor } from '@adagen/scheduler';
import type { Policy, PolicyWork, SloSpec } from '@adagen/scheduler';
import { findProfile } from './profiles.js';
import type { FleetView, Member } from './view.js';

export interface PolicyHostOptions {
  /** A name `policyFor` knows: `adagen`, an ablation, or a baseline. */
  readonly policy: string;
  readonly seed: number;
  readonly slo: SloSpec;
  /** Decision + dispatch delay the AdaGen estimator assumes. @default 2 */
  readonly controlDelayMs?: number;
  /** KV link preset between agents. @default 'rdma-400g' */
  readonly kvLink?: string;
}

export class PolicyHost {
  private policy: Policy | undefined;
  private key = '';
  /** How many times the policy was built. */
  builds = 0;
  /** The work of the policies built before the current one. */
  private retired: PolicyWork = { estimates: 0, rebuilds: 0, iterations: 0 };

  constructor(private readonly options: PolicyHostOptions) {
    // Fail at start-up, not at the first request, on an unknown name.
    policyFor(options.policy, { seed: options.seed, slo: options.slo, instances: [] });
  }

  get name(): string {
    return this.options.policy;
  }

  /** The policy for the view's current agents; undefined when there are none. */
  forView(view: FleetView): Policy | undefined {
    const key = view.membershipKey();
    if (key === '') return undefined;
    if (this.policy === undefined || key !== this.key) {
      this.retired = this.work() ?? this.retired;
      this.policy = this.build(view.members());
      this.key = key;
      this.builds += 1;
    }
    return this.policy;
  }

  /**
   * The estimator work of every policy this host built, together (monotonic across rebuilds);
   * undefined when the policy simulates nothing.
   */
  work(): PolicyWork | undefined {
    const now = this.policy?.work?.();
    if (now === undefined) return undefined;
    const r = this.retired;
    return {
      estimates: r.estimates + now.estimates,
      rebuilds: r.rebuilds + now.rebuilds,
      iterations: r.iterations + now.iterations,
    };
  }

  private build(members: readonly Member[]): Policy {
    const instances = members.flatMap((m) => {
      const profile = findProfile(m.profile);
      if (profile === undefined) return [];
      const engine: EngineConfigInput = {
        maxNumBatchedTokens: m.config.maxNumBatchedTokens,
        maxNumSeqs: m.config.maxNumSeqs,
        enableChunkedPrefill: m.config.enableChunkedPrefill,
        blockSize: m.config.blockSize,
        numGpuBlocks: m.totalKvBlocks,
      };
      if (m.config.watermark !== undefined) engine.watermark = m.config.watermark;
      if (m.config.maxModelLen !== undefined) engine.maxModelLen = m.config.maxModelLen;
      return [{ id: m.id, profile, engine }];
    });
    return policyFor(this.options.policy, {
      seed: this.options.seed,
      slo: this.options.slo,
      instances,
      controlDelayMs: this.options.controlDelayMs ?? 2,
      kvLink: this.options.kvLink ?? 'rdma-400g',
    });
  }
}
