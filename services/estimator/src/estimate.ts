/** Answers an `EstimateRequest` from a view of the agents with the layout estimator. */
import { LatencyModel } from '@adagen/engine';
import { LayoutEstimator } from '@adagen/estimator';
import type { FleetView } from '@adagen/fleet';
import { requireProfile } from '@adagen/fleet';
import { AdagenError } from '@adagen/protocol';
import type { EstimateRequest, EstimateResponse, InstanceEstimate } from '@adagen/protocol';
import { resolveSlo } from '@adagen/scheduler';
import type { SloSpec } from '@adagen/scheduler';

const finiteMs = (ms: number) => (Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 1e9) : 1e9);

export class EstimateHandler {
  private readonly estimator: LayoutEstimator;

  constructor(
    private readonly view: FleetView,
    slo: SloSpec,
  ) {
    const models = new Map<string, LatencyModel>();
    this.estimator = new LayoutEstimator({
      profile: requireProfile,
      sloFor: (promptTokens, profile) => {
        let model = models.get(profile);
        if (model === undefined) {
          // Calibrated profiles come and go under new names: keep the cache small.
          if (models.size > 256) models.clear();
          model = new LatencyModel(requireProfile(profile));
          models.set(profile, model);
        }
        return resolveSlo(slo, { promptTokens }, model, {
          maxNumBatchedTokens: 512,
          enableChunkedPrefill: true,
        });
      },
    });
  }

  estimate(req: EstimateRequest, nowMs: number): EstimateResponse {
    const cluster = this.view.cluster(nowMs);
    const wanted = req.instanceIds === undefined ? undefined : new Set(req.instanceIds);
    const targets = cluster.instances.filter((i) => wanted === undefined || wanted.has(i.id));
    if (wanted !== undefined && targets.length < wanted.size) {
      const missing = [...wanted].filter((id) => !targets.some((t) => t.id === id));
      throw new AdagenError('not_found', `unknown instances: ${missing.join(', ')}`);
    }
    this.estimator.retain(new Set(cluster.instances.map((i) => i.id)));
    const [first, ...later] = req.additions;
    if (first === undefined)
      throw new AdagenError('bad_request', 'additions: expected at least one');
    const perInstance = targets.map((input): InstanceEstimate => {
      const pending = [
        ...input.pending,
        ...later.map((a, k) => ({
          requestId: a.requestId ?? `add-${k + 1}`,
          atMs: nowMs,
          role: a.role ?? 'full',
          promptTokens: a.promptTokens,
          predictedOutputTokens: a.predictedOutputTokens,
        })),
      ];
      const e = this.estimator.estimate(
        { ...input, pending },
        {
          id: first.requestId ?? 'add-0',
          role: first.role ?? 'full',
          promptTokens: first.promptTokens,
          outputTokens: Math.max(1, first.predictedOutputTokens),
          arrivalMs: nowMs,
        },
        nowMs,
      );
      return {
        instanceId: input.id,
        newRequest: { ttftMs: finiteMs(e.ttftMs), tpotMs: finiteMs(e.tpotMs) },
        affected: [],
        iterations: e.iterations,
        horizonReached: e.horizonReached || nowMs + req.horizonMs < e.firstTokenAtMs,
      };
    });
    return { v: 1, type: 'estimate_response', perInstance };
  }
}
