/**
 * What policies believe about each instance's latency, apart from what the instance really runs:
 * model error (`estimatorProfile`) and its online correction (`calibrate`).
 *
 * Without either, policies predict each instance with its own profile (a perfect model). With
 * `estimatorProfile`, every instance is announced under that profile instead (an operator who
 * configured "a100" for H100s, or a profile 20 % off). With `calibrate`, each instance runs the
 * engine's `OnlineCalibrator` on its own iterations, started from the announced profile — as the
 * live agents do — and every `publishEveryMs` (if it took new iterations) announces the current
 * fit under a new name, `<announced>.cal-<id>.v<k>`, which its next snapshots carry and policies
 * resolve through `profileFor`. Policies never see the true profile.
 */
import { LatencyModel, OnlineCalibrator } from '@adagen/engine';
import type { IterationReport, LatencyProfile } from '@adagen/engine';

/** One instance's calibration at the end of a run. */
export interface CalibrationSummary {
  id: string;
  /** The profile calibration started from (what the policy was told). */
  start: string;
  observations: number;
  /** Fitted overall factor engine / start profile. */
  scale: number;
  /** Median relative error of the start profile and of the calibrated one on the last window. */
  startErrorMedian: number;
  fitErrorMedian: number;
  /** Calibrated profiles announced. */
  versions: number;
}

interface Slot {
  id: string;
  announced: LatencyProfile;
  calibrator: OnlineCalibrator | undefined;
  /** Observations taken, and when the current name was announced. */
  taken: number;
  seen: number;
  lastPublishMs: number;
  versions: number;
  name: string;
}

export class ProfileBeliefs {
  private readonly slots: Slot[];
  private readonly published = new Map<string, LatencyProfile>();
  private readonly models = new Map<string, LatencyModel>();

  constructor(
    instances: ReadonlyArray<{ id: string; profile: LatencyProfile }>,
    estimatorProfile: LatencyProfile | undefined,
    calibrate: boolean,
    private readonly publishEveryMs = 1000,
  ) {
    this.slots = instances.map((inst) => {
      const announced = estimatorProfile ?? inst.profile;
      return {
        id: inst.id,
        announced,
        calibrator: calibrate
          ? new OnlineCalibrator(announced, { name: `${announced.name}.cal-${inst.id}` })
          : undefined,
        taken: 0,
        seen: 0,
        lastPublishMs: Number.NEGATIVE_INFINITY,
        versions: 0,
        name: announced.name,
      };
    });
  }

  /** The profile policies are built with for instance `index` (before any calibration). */
  announced(index: number): LatencyProfile {
    return this.slots[index]!.announced;
  }

  get calibrating(): boolean {
    return this.slots.some((s) => s.calibrator !== undefined);
  }

  /** An iteration instance `index` ran (feeds its calibrator, if any). */
  observe(index: number, report: IterationReport): void {
    const s = this.slots[index]!;
    if (s.calibrator === undefined) return;
    s.calibrator.observe(report);
    s.taken += 1;
  }

  /** The profile name instance `index`'s snapshot taken at `atMs` announces. */
  nameAt(index: number, atMs: number): string {
    const s = this.slots[index]!;
    const cal = s.calibrator;
    if (cal === undefined) return s.name;
    const taken = s.taken;
    if (taken > s.seen && atMs - s.lastPublishMs >= this.publishEveryMs) {
      s.seen = taken;
      s.lastPublishMs = atMs;
      s.versions += 1;
      s.name = `${s.announced.name}.cal-${s.id}.v${s.versions}`;
      this.published.set(s.name, { ...cal.profile(), name: s.name });
      // Only the latest few versions can still be in a view.
      const stale = `${s.announced.name}.cal-${s.id}.v${s.versions - 8}`;
      this.published.delete(stale);
    }
    return s.name;
  }

  /** A calibrated profile announced under `name`. */
  profileFor(name: string): LatencyProfile | undefined {
    return this.published.get(name);
  }

  /**
   * The latency model of a profile a view announces (announced or calibrated): what a layer in
   * front of the policies (admission) predicts with — never the engine's true profile.
   */
  modelOf(name: string): LatencyModel | undefined {
    let m = this.models.get(name);
    if (m === undefined) {
      const p =
        this.published.get(name) ?? this.slots.find((s) => s.announced.name === name)?.announced;
      if (p === undefined) return undefined;
      if (this.models.size > 256) this.models.clear();
      m = new LatencyModel(p);
      this.models.set(name, m);
    }
    return m;
  }

  summaries(): CalibrationSummary[] {
    return this.slots.flatMap((s) => {
      if (s.calibrator === undefined) return [];
      const st = s.calibrator.stats();
      return [
        {
          id: s.id,
          start: s.announced.name,
          observations: st.observations,
          scale: st.scale,
          startErrorMedian: st.startError.median,
          fitErrorMedian: st.fitError.median,
          versions: s.versions,
        },
      ];
    });
  }
}
