/**
 * Between the wire messages (`@adagen/protocol`) and the scheduler's types (`@adagen/scheduler`):
 * the services decode a message, convert it, call the policy, and convert the answer back.
 */
import type { InstanceSnapshot, OnlineCalibrator } from '@adagen/engine';
import { LIMITS } from '@adagen/protocol';
import type {
  AgentDispatch,
  Classification as WireClassification,
  DispatchRequest,
  ExecutionPlan,
  InferenceRequest,
  InstanceState,
  LatencyCalibration,
  LayoutEstimate,
  Placement as WirePlacement,
  PlacementCandidate,
  PlacementNotice,
} from '@adagen/protocol';
import type {
  Classification,
  PendingPlacement,
  Placement,
  Plan,
  RequestInfo,
} from '@adagen/scheduler';

/** The estimator's layout estimate, as the scheduler's placement carries it. */
type Estimate = NonNullable<Placement['estimates']>[number];

/** What the policy knows about a request at the classify step. */
export function requestInfoOf(request: InferenceRequest, promptTokens: number): RequestInfo {
  const info: RequestInfo = {
    id: request.requestId,
    arrivalMs: request.receivedAtMs,
    promptTokens,
  };
  if (request.maxTokens !== undefined) info.maxTokens = request.maxTokens;
  if (request.tenant !== undefined) info.tenant = request.tenant;
  if (request.slo !== undefined) info.slo = request.slo;
  if (request.priority !== undefined) info.priority = request.priority;
  info.model = request.model;
  return info;
}

export function classificationToWire(
  c: Classification,
  request: InferenceRequest,
): WireClassification {
  return {
    v: 1,
    type: 'classification',
    request,
    promptTokens: c.request.promptTokens,
    predictedOutputTokens: Math.max(0, Math.round(c.predictedOutputTokens)),
    class: { prefill: c.prefill, decode: c.decode },
    thresholds: {
      longPrefillTokens: Math.max(0, Math.round(c.thresholds.prefillTokens)),
      longDecodeTokens: Math.max(0, Math.round(c.thresholds.outputTokens)),
    },
  };
}

export function classificationFromWire(c: WireClassification): Classification {
  const request = requestInfoOf(c.request, c.promptTokens);
  if (c.prefix !== undefined) request.prefix = c.prefix;
  return {
    request,
    predictedOutputTokens: c.predictedOutputTokens,
    prefill: c.class.prefill,
    decode: c.class.decode,
    thresholds: {
      prefillTokens: c.thresholds.longPrefillTokens,
      outputTokens: c.thresholds.longDecodeTokens,
    },
  };
}

export function placementToWire(
  p: Placement,
  classification: WireClassification,
  policy: string,
  decidedInMs: number,
): WirePlacement {
  const wire: WirePlacement = {
    v: 1,
    type: 'placement',
    classification,
    instanceId: p.instanceId,
    policy,
    candidates: (p.estimates ?? []).slice(0, LIMITS.instances).map(candidateOf),
    decidedInMs,
  };
  const pr = p.prediction;
  if (pr !== undefined && Number.isFinite(pr.ttftMs) && Number.isFinite(pr.tpotMs))
    wire.predicted = { ttftMs: clampMs(pr.ttftMs), tpotMs: clampMs(pr.tpotMs) };
  return wire;
}

export function placementFromWire(p: WirePlacement): Placement {
  const placement: Placement = {
    classification: classificationFromWire(p.classification),
    instanceId: p.instanceId,
    candidates: p.candidates.length,
  };
  if (p.predicted !== undefined) placement.prediction = { ...p.predicted };
  const estimates = p.candidates.flatMap((c) =>
    c.estimate === undefined ? [] : [estimateFromWire(c.instanceId, c.estimate)],
  );
  if (estimates.length > 0) placement.estimates = estimates;
  return placement;
}

/** A balance-step estimate as a placement candidate (the planner reuses it). */
function candidateOf(e: Estimate): PlacementCandidate {
  const estimate: LayoutEstimate = {
    nowMs: Math.max(0, e.nowMs),
    iterations: Math.max(0, Math.round(e.iterations)),
    horizonReached: e.horizonReached,
    ttftMs: clampMs(e.ttftMs),
    tpotMs: clampMs(e.tpotMs),
    newlyViolated: e.newlyViolated,
    alreadyViolated: e.alreadyViolated,
    addedDelayMs: clampMs(e.addedDelayMs),
    meanIterationMs: clampMs(e.meanIterationMs),
  };
  if (Number.isFinite(e.firstTokenAtMs)) estimate.firstTokenAtMs = Math.max(0, e.firstTokenAtMs);
  if (Number.isFinite(e.prefillDoneAtMs)) estimate.prefillDoneAtMs = Math.max(0, e.prefillDoneAtMs);
  return {
    instanceId: e.instanceId,
    predicted: { ttftMs: estimate.ttftMs, tpotMs: estimate.tpotMs },
    estimate,
  };
}

function estimateFromWire(instanceId: string, w: LayoutEstimate): Estimate {
  return {
    instanceId,
    nowMs: w.nowMs,
    iterations: w.iterations,
    horizonReached: w.horizonReached,
    firstTokenAtMs: w.firstTokenAtMs ?? Number.POSITIVE_INFINITY,
    prefillDoneAtMs: w.prefillDoneAtMs ?? Number.POSITIVE_INFINITY,
    ttftMs: w.ttftMs,
    tpotMs: w.tpotMs,
    newlyViolated: w.newlyViolated,
    alreadyViolated: w.alreadyViolated,
    addedDelayMs: w.addedDelayMs,
    meanIterationMs: w.meanIterationMs,
  };
}

function clampMs(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(Math.max(ms, 0), 1e9);
}

/** The scheduler's plan as a wire plan (the same shape, copied). */
export function planToWire(plan: Plan): ExecutionPlan {
  switch (plan.kind) {
    case 'single':
      return { kind: 'single', instanceId: plan.instanceId };
    case 'pd-split':
      return {
        kind: 'pd-split',
        prefillInstanceId: plan.prefillInstanceId,
        decodeInstanceId: plan.decodeInstanceId,
      };
    case 'split-prefill':
      return {
        kind: 'split-prefill',
        segments: plan.segments.map((s) => ({ ...s })),
        decodeInstanceId: plan.decodeInstanceId,
      };
  }
}

/** One instance's part of a plan. */
export interface PlanPart {
  readonly instanceId: string;
  readonly role: AgentDispatch['role'];
  readonly segment?: { startToken: number; endToken: number };
  readonly kvPeerInstanceId?: string;
}

/** Every instance's part of a plan, in plan order (a decode instance that also runs a segment
 * appears twice). */
export function planParts(plan: ExecutionPlan): PlanPart[] {
  switch (plan.kind) {
    case 'single':
      return [{ instanceId: plan.instanceId, role: 'full' }];
    case 'pd-split':
      return [
        {
          instanceId: plan.prefillInstanceId,
          role: 'prefill',
          kvPeerInstanceId: plan.decodeInstanceId,
        },
        { instanceId: plan.decodeInstanceId, role: 'decode' },
      ];
    case 'split-prefill':
      return [
        ...plan.segments.map((s): PlanPart => ({
          instanceId: s.instanceId,
          role: 'segment',
          segment: { startToken: s.startToken, endToken: s.endToken },
          kvPeerInstanceId: plan.decodeInstanceId,
        })),
        { instanceId: plan.decodeInstanceId, role: 'decode' },
      ];
  }
}

/** The dispatch messages of a plan, one per part. */
export function dispatchesFor(
  plan: ExecutionPlan,
  requestId: string,
  attempt: number,
  request: DispatchRequest,
): AgentDispatch[] {
  return planParts(plan).map((part) => {
    const d: AgentDispatch = {
      v: 1,
      type: 'agent_dispatch',
      requestId,
      attempt,
      instanceId: part.instanceId,
      plan,
      role: part.role,
      request,
    };
    if (part.segment !== undefined) d.segment = { ...part.segment };
    if (part.kvPeerInstanceId !== undefined) d.kvPeerInstanceId = part.kvPeerInstanceId;
    return d;
  });
}

/** Placement notices for every part of a plan (what peers add to their views as pending). */
export function noticesFor(
  plan: ExecutionPlan,
  balancerId: string,
  c: WireClassification,
  atMs: number,
): PlacementNotice[] {
  return planParts(plan).map((part) => {
    const n: PlacementNotice = {
      v: 1,
      type: 'placement_notice',
      balancerId,
      requestId: c.request.requestId,
      instanceId: part.instanceId,
      promptTokens: c.promptTokens,
      predictedOutputTokens: c.predictedOutputTokens,
      atMs,
      role: part.role,
    };
    if (c.request.maxTokens !== undefined) n.maxTokens = c.request.maxTokens;
    if (part.segment !== undefined) {
      n.startToken = part.segment.startToken;
      n.endToken = part.segment.endToken;
    }
    return n;
  });
}

/** A notice (or one part of the local decision) as the scheduler's pending placement. */
export function pendingOf(n: PlacementNotice): PendingPlacement {
  const p: PendingPlacement = {
    requestId: n.requestId,
    atMs: n.atMs,
    role: n.role ?? 'full',
    promptTokens: n.promptTokens,
    predictedOutputTokens: n.predictedOutputTokens,
  };
  if (n.maxTokens !== undefined) p.maxTokens = n.maxTokens;
  if (n.startToken !== undefined) p.startToken = n.startToken;
  if (n.endToken !== undefined) p.endToken = n.endToken;
  return p;
}

/**
 * The engine snapshot inside a state message (the wire type is an InstanceSnapshot). Built field
 * by field: it runs on every state message a balancer or planner applies.
 */
export function snapshotOf(state: InstanceState): InstanceSnapshot {
  const snapshot: InstanceSnapshot = {
    instanceId: state.instanceId,
    atMs: state.atMs,
    profile: state.profile,
    config: state.config,
    kv: state.kv,
    running: state.running,
    waiting: state.waiting,
    recentIterations: state.recentIterations,
  };
  if (state.busyUntilMs !== undefined) snapshot.busyUntilMs = state.busyUntilMs;
  if (state.busySinceMs !== undefined) snapshot.busySinceMs = state.busySinceMs;
  return snapshot;
}

/**
 * An engine snapshot in its wire envelope. The engine's prefix-cache counters
 * (`snapshot.prefixCache`: blocks cached, tokens queried and hit) stay with the agent: the state
 * schema does not carry them (no decider reads them; the cache itself reaches deciders as block
 * events or placement notices), and a key the schema does not list would send every full state
 * down the schema's walk on every receiver, only to be stripped there.
 */
export function stateOf(
  snapshot: InstanceSnapshot,
  envelope: Pick<InstanceState, 'seq' | 'status' | 'engine' | 'capabilities' | 'calibration'>,
): InstanceState {
  const { prefixCache: _local, ...wire } = snapshot;
  return { v: 1, type: 'instance_state', ...envelope, ...wire };
}

/** An online calibrator's current fit, as agents publish it in their state. */
export function calibrationOf(c: OnlineCalibrator): LatencyCalibration {
  const p = c.profile();
  const s = c.stats();
  return {
    baseProfile: c.start.name,
    version: s.version,
    observations: s.observations,
    medianError: Number.isFinite(s.fitError.median) ? s.fitError.median : 0,
    latency: { ...p.latency, knots: [...p.latency.knots] },
    cpuOverhead: { ...p.cpuOverhead },
  };
}
