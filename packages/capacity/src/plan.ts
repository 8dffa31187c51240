/**
 * The fewest instances that reach an SLO attainment target for a workload, and the attainment
 * vs instances curve — in seconds where a full-trace search with an expensive policy takes
 * minutes:
 *
 * 1. **Screen**: a cheap policy (default LMetric, microseconds per decision) is simulated on the
 *    whole workload at each probed instance count (binary search, as `adagen sweep
 *    --instances-needed`), giving its attainment and which requests it met.
 * 2. **Correct**: the planned policy is simulated only on a few windows of the workload (each
 *    with a warm-up before it), and so is the screen policy on the same windows; the planned
 *    policy's attainment is the screen's full-trace attainment plus the weighted mean difference
 *    between the two on the windows (a difference estimator: the full-trace screen run carries
 *    the workload's bursts and drifts, the windows only the policies' difference). Windows are
 *    chosen by stratifying all windows on the screen's miss rate there, so busy ones are sampled.
 * 3. **Search**: from the screen's answer, step down (or up) one instance at a time while the
 *    planned policy's estimate passes (fails).
 *
 * A policy as cheap as the screen (a baseline) is simulated on the whole workload instead.
 */
import type { EngineConfigInput, LatencyProfile } from '@adagen/engine';
import type { SloSpec } from '@adagen/scheduler';
import { runSimulation, searchInstances } from '@adagen/sim';
import type { PolicyFactory, SimConfigInput } from '@adagen/sim';
import type { Workload } from '@adagen/workloads';
import type { Window } from './windows.js';
import { stratifiedSample, windowWorkload, windowsOf } from './windows.js';

export interface SimSettings {
  /** @default 100 */
  readonly snapshotIntervalMs?: number;
  /** @default 2 */
  readonly controlDelayMs?: number;
  /** @default 'rdma-400g' */
  readonly kvLink?: string;
  /** @default 0 */
  readonly seed?: number;
  /** @default 0 */
  readonly jitterSigma?: number;
}

export interface PlanOptions {
  readonly workload: Workload;
  readonly profile: LatencyProfile;
  readonly engine?: EngineConfigInput;
  /** The policy to plan for (a name the simulator knows, or a factory). */
  readonly policy: string | PolicyFactory;
  /**
   * Simulate the planned policy on the whole workload (it is cheap, e.g. a baseline) rather
   * than screen + windows. @default false
   */
  readonly exact?: boolean;
  /** The cheap policy run on the whole workload. @default 'lmetric' */
  readonly screen?: string | PolicyFactory;
  readonly slo: SloSpec;
  /** @default 0.9 */
  readonly target?: number;
  /** @default 1 */
  readonly minInstances?: number;
  readonly maxInstances: number;
  readonly sim?: SimSettings;
  /** Requests per window (sets the window length from the workload's mean rate). @default 400 */
  readonly windowRequests?: number;
  /** Windows the planned policy is simulated on. @default 6 */
  readonly windows?: number;
  /** Warm-up before each window, as a share of its length. @default 0.5 */
  readonly warmupShare?: number;
  /** Called after each simulation (progress). */
  readonly onProbe?: (what: string) => void;
}

/** One point of the attainment-vs-instances curve. */
export interface CurvePoint {
  instances: number;
  /** The planned policy's attainment: full-trace (exact) or estimated (screen + windows). */
  attainment: number | null;
  /** The screen policy's full-trace attainment. */
  screen: number | null;
  method: 'full' | 'estimate' | 'screen';
}

export interface CapacityPlan {
  /** Fewest instances reaching the target; undefined when even `maxInstances` misses it. */
  instances: number | undefined;
  /** Fewest instances for the screen policy. */
  screenInstances: number | undefined;
  target: number;
  curve: CurvePoint[];
  /** Simulated requests, in total and of the planned policy (a measure of the work done). */
  simulatedRequests: number;
  policyRequests: number;
  /** Windows: their length (ms) and how many were simulated per instance count. */
  windowMs: number;
  windowsSampled: number;
}

interface ScreenRun {
  attainment: number;
  met: Uint8Array;
}

export function planCapacity(o: PlanOptions): Promise<CapacityPlan> {
  return new Planner(o).run();
}

class Planner {
  private readonly target: number;
  private readonly screens = new Map<number, ScreenRun>();
  private readonly estimates = new Map<number, number>();
  private readonly windows: Window[];
  private readonly windowMs: number;
  private simulated = 0;
  private policyRequests = 0;

  constructor(private readonly o: PlanOptions) {
    this.target = o.target ?? 0.9;
    const reqs = o.workload.requests;
    if (reqs.length === 0) throw new RangeError('planCapacity: the workload has no requests');
    const spanMs = Math.max(1, reqs[reqs.length - 1]!.arrivalMs - reqs[0]!.arrivalMs);
    this.windowMs = Math.max(1000, (spanMs * (o.windowRequests ?? 400)) / reqs.length);
    this.windows = windowsOf(o.workload, this.windowMs);
  }

  async run(): Promise<CapacityPlan> {
    const o = this.o;
    const min = o.minInstances ?? 1;
    const screen = await searchInstances(
      (n) => n,
      { minInstances: min, maxInstances: o.maxInstances, target: this.target },
      (n) => ({ slo: { attainment: this.screen(n).attainment } }),
    );
    let found: number | undefined;
    if (o.exact === true) {
      const r = await searchInstances(
        (n) => n,
        { minInstances: min, maxInstances: o.maxInstances, target: this.target },
        (n) => ({ slo: { attainment: this.policy(n) } }),
      );
      found = r.instances;
    } else {
      let n = Math.min(screen.instances ?? o.maxInstances, o.maxInstances);
      if (this.policy(n) >= this.target) {
        while (n > min && this.policy(n - 1) >= this.target) n--;
        found = n;
      } else {
        while (n < o.maxInstances && this.policy(n) < this.target) n++;
        found = this.policy(n) >= this.target ? n : undefined;
      }
    }
    // The curve: one instance either side of the answer as well.
    if (found !== undefined) {
      if (found > min) this.policy(found - 1);
      if (found < o.maxInstances) this.policy(found + 1);
    }
    const counts = [...new Set([...this.screens.keys(), ...this.estimates.keys()])].sort(
      (a, b) => a - b,
    );
    return {
      instances: found,
      screenInstances: screen.instances,
      target: this.target,
      curve: counts.map((n) => ({
        instances: n,
        attainment: this.estimates.get(n) ?? null,
        screen: this.screens.get(n)?.attainment ?? null,
        method: !this.estimates.has(n) ? 'screen' : o.exact === true ? 'full' : 'estimate',
      })),
      simulatedRequests: this.simulated,
      policyRequests: this.policyRequests,
      windowMs: this.windowMs,
      windowsSampled: o.exact === true ? 0 : Math.min(o.windows ?? 6, this.windows.length),
    };
  }

  private config(
    instances: number,
    policy: string | PolicyFactory,
    workload: Workload,
  ): SimConfigInput {
    const s = this.o.sim ?? {};
    return {
      instances: { count: instances, profile: this.o.profile, engine: this.o.engine ?? {} },
      policy,
      workload,
      slo: this.o.slo,
      snapshotIntervalMs: s.snapshotIntervalMs ?? 100,
      controlDelayMs: s.controlDelayMs ?? 2,
      kvLink: s.kvLink ?? 'rdma-400g',
      seed: s.seed ?? 0,
      jitterSigma: s.jitterSigma ?? 0,
    };
  }

  /** Which requests a run met, and its attainment over `[from, to)`. */
  private simulate(
    instances: number,
    policy: string | PolicyFactory,
    workload: Workload,
  ): Uint8Array {
    const r = runSimulation(this.config(instances, policy, workload), { perRequest: true });
    this.simulated += workload.requests.length;
    return Uint8Array.from(r.requests ?? [], (q) => (q.metSlo ? 1 : 0));
  }

  private screen(n: number): ScreenRun {
    let s = this.screens.get(n);
    if (s === undefined) {
      const met = this.simulate(n, this.o.screen ?? 'lmetric', this.o.workload);
      s = { met, attainment: share(met, 0, met.length) };
      this.screens.set(n, s);
      this.o.onProbe?.(`screen ${n} instance(s): ${pct(s.attainment)}`);
    }
    return s;
  }

  /** The planned policy's attainment at `n` instances (full run, or screen + windows). */
  private policy(n: number): number {
    const known = this.estimates.get(n);
    if (known !== undefined) return known;
    let a: number;
    if (this.o.exact === true) {
      const met = this.simulate(n, this.o.policy, this.o.workload);
      this.policyRequests += met.length;
      a = share(met, 0, met.length);
    } else {
      const s = this.screen(n);
      const missRate = (w: Window) => 1 - share(s.met, w.from, w.to);
      const sample = stratifiedSample(this.windows, missRate, this.o.windows ?? 6);
      let delta = 0;
      for (const { window, weight } of sample) {
        const cut = windowWorkload(
          this.o.workload,
          window,
          this.windowMs * (this.o.warmupShare ?? 0.5),
        );
        const mine = this.simulate(n, this.o.policy, cut.workload);
        this.policyRequests += cut.workload.requests.length;
        const theirs = this.simulate(n, this.o.screen ?? 'lmetric', cut.workload);
        const { from, to } = cut.counted;
        delta += weight * (share(mine, from, to) - share(theirs, from, to));
      }
      a = Math.min(1, Math.max(0, s.attainment + delta));
    }
    this.estimates.set(n, a);
    this.o.onProbe?.(
      `${this.o.exact === true ? 'policy' : 'estimate'} ${n} instance(s): ${pct(a)}`,
    );
    return a;
  }
}

function share(met: Uint8Array, from: number, to: number): number {
  if (to <= from) return 1;
  let k = 0;
  for (let i = from; i < to; i++) k += met[i]!;
  return k / (to - from);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
