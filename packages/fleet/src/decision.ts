/**
 * The balancer's decision records (`adagen.v1.decisions.<balancerId>`): what the policy weighed,
 * what it chose, what the planner made of it, and why — in a few short sentences a dashboard can
 * show. Pure: the balancer passes everything in.
 */
import type {
  DecisionCandidate,
  DecisionOutcome,
  DecisionRecord,
  ExecutionPlan,
  LatencyPrediction,
} from '@adagen/protocol';
import { LIMITS } from '@adagen/protocol';
import type { CandidateEstimate, Placement } from '@adagen/scheduler';

export interface DecisionInput {
  readonly balancerId: string;
  readonly requestId: string;
  readonly attempt: number;
  readonly atMs: number;
  readonly policy: string;
  readonly promptTokens: number;
  readonly predictedOutputTokens: number;
  readonly maxTokens?: number;
  /** The request's SLO targets on the chosen instance. */
  readonly slo?: LatencyPrediction;
  readonly outcome: DecisionOutcome;
  /** The balance step's placement (absent when it failed before placing). */
  readonly placement?: Placement;
  /** The planner's plan and its prediction (placed only). */
  readonly plan?: ExecutionPlan;
  readonly planPredicted?: LatencyPrediction;
  /** Why it was shed or failed, and the error code. */
  readonly why?: string;
  readonly errorCode?: string;
  readonly decideMs: number;
  /**
   * Blocks of the prompt's prefix the balancer's index says each instance holds (instances
   * with any), and the prompt's hashed blocks.
   */
  readonly cached?: { readonly blocks: ReadonlyMap<string, number>; readonly of: number };
  /**
   * Balancer shards: what became of the request's offer to another shard (one sentence: taken
   * here from another shard, or declined, held back or unreachable there).
   */
  readonly spill?: string;
}

const ms = (x: number): string => (Number.isFinite(x) ? `${Math.round(x)} ms` : '∞');
const finiteMs = (x: number): number => (Number.isFinite(x) ? Math.min(Math.max(x, 0), 1e9) : 1e9);

function candidateOf(e: CandidateEstimate): DecisionCandidate {
  return {
    instanceId: e.instanceId,
    predicted: { ttftMs: finiteMs(e.ttftMs), tpotMs: finiteMs(e.tpotMs) },
    newlyViolated: Math.min(e.newlyViolated, LIMITS.requestsPerInstance),
    meetsSlo: e.meetsSlo,
  };
}

function estimateLine(e: CandidateEstimate, slo: LatencyPrediction | undefined): string {
  const target = slo === undefined ? '' : ` (targets ${ms(slo.ttftMs)} / ${ms(slo.tpotMs)})`;
  const pushed =
    e.newlyViolated === 0
      ? 'nobody else pushed over their SLO'
      : `${e.newlyViolated} other request(s) pushed over their SLO`;
  return `predicted TTFT ${ms(e.ttftMs)}, TPOT ${ms(e.tpotMs)}${target}; ${pushed}`;
}

/** Why this instance: its prediction, and what the runner-up would have cost. */
function placementReasons(d: DecisionInput, p: Placement): string[] {
  const considered = p.considered ?? [];
  const chosen = considered.find((e) => e.instanceId === p.instanceId);
  if (chosen === undefined)
    return [
      `${d.policy} chose ${p.instanceId} by its own score among ${p.candidates} instance(s); it predicts no latency`,
    ];
  const out = [`${p.instanceId}: ${estimateLine(chosen, d.slo)}`];
  if (p.hopeless === true)
    out.push(
      `predicted to miss its SLO on all ${considered.length} candidates: placed where it takes the least from the others`,
    );
  const next = considered.find((e) => e.instanceId !== p.instanceId);
  if (next !== undefined) {
    const worse =
      next.meetsSlo === chosen.meetsSlo && next.newlyViolated === chosen.newlyViolated
        ? 'later'
        : !next.meetsSlo && chosen.meetsSlo
          ? 'misses its SLO'
          : next.newlyViolated > chosen.newlyViolated
            ? `pushes ${next.newlyViolated} over`
            : 'costs more';
    out.push(
      `runner-up ${next.instanceId}: TTFT ${ms(next.ttftMs)}, TPOT ${ms(next.tpotMs)} (${worse})`,
    );
  }
  return out;
}

/** Why the planner distributed the request (or did not need to). */
function planReasons(d: DecisionInput, p: Placement | undefined): string[] {
  const plan = d.plan;
  if (plan === undefined || plan.kind === 'single') return [];
  const single = p?.considered?.find((e) => e.instanceId === p.instanceId);
  const missed =
    single === undefined
      ? 'the single placement was predicted to miss'
      : !single.meetsSlo
        ? `on ${single.instanceId} alone it was predicted to miss its SLO (TTFT ${ms(single.ttftMs)}, TPOT ${ms(single.tpotMs)})`
        : single.newlyViolated > 0
          ? `on ${single.instanceId} alone it would push ${single.newlyViolated} other request(s) over their SLO`
          : `the planner, on its own fresher view, predicted a miss on ${single.instanceId} alone (the balance step had TTFT ${ms(single.ttftMs)})`;
  const what =
    plan.kind === 'pd-split'
      ? `prefill on ${plan.prefillInstanceId}, decode on ${plan.decodeInstanceId}`
      : `prefill split over ${plan.segments.map((s) => s.instanceId).join(', ')}, decode on ${plan.decodeInstanceId}`;
  const predicted =
    d.planPredicted === undefined
      ? ''
      : ` (predicted TTFT ${ms(d.planPredicted.ttftMs)}, TPOT ${ms(d.planPredicted.tpotMs)})`;
  return [`${plan.kind}: ${missed}; ${what} is predicted to clear every violation${predicted}`];
}

function clip(text: string): string {
  return text.length <= LIMITS.decisionReasonChars
    ? text
    : `${text.slice(0, LIMITS.decisionReasonChars - 1)}…`;
}

/** The candidates the policy weighed, then instances holding part of the prompt's prefix. */
function candidatesOf(d: DecisionInput, p: Placement | undefined): DecisionCandidate[] {
  const out = (p?.considered ?? []).slice(0, LIMITS.decisionCandidates).map(candidateOf);
  const cached = d.cached?.blocks;
  if (cached === undefined) return out;
  for (const c of out) {
    const n = cached.get(c.instanceId);
    if (n !== undefined) c.cachedBlocks = n;
  }
  const listed = new Set(out.map((c) => c.instanceId));
  const rest = [...cached].filter(([id]) => !listed.has(id)).sort((a, b) => b[1] - a[1]);
  for (const [instanceId, n] of rest) {
    if (out.length >= LIMITS.decisionCandidates) break;
    out.push({ instanceId, cachedBlocks: n });
  }
  return out;
}

/** How much of the prompt's prefix the chosen instance holds, beside the best elsewhere. */
function prefixReason(d: DecisionInput, p: Placement): string | undefined {
  if (d.cached === undefined || d.cached.of === 0) return undefined;
  const here = d.cached.blocks.get(p.instanceId) ?? 0;
  let best = 0;
  let where = '';
  for (const [id, n] of d.cached.blocks)
    if (id !== p.instanceId && n > best) [best, where] = [n, id];
  const elsewhere = best > 0 ? `; most elsewhere ${best} on ${where}` : '; none elsewhere';
  return `prefix cache: ${here} of the prompt's ${d.cached.of} blocks on ${p.instanceId}${elsewhere}`;
}

/** The decision record of one balance decision, bounded as the schema requires. */
export function decisionRecord(d: DecisionInput): DecisionRecord {
  const p = d.placement;
  const reasons: string[] = [];
  if (d.outcome !== 'placed' && d.why !== undefined) reasons.push(`${d.outcome}: ${d.why}`);
  if (d.spill !== undefined) reasons.push(`shard spill: ${d.spill}`);
  if (p !== undefined) reasons.push(...placementReasons(d, p));
  const prefix = p === undefined ? undefined : prefixReason(d, p);
  if (prefix !== undefined) reasons.push(prefix);
  reasons.push(...planReasons(d, p));
  const record: DecisionRecord = {
    v: 1,
    type: 'decision',
    balancerId: d.balancerId,
    requestId: d.requestId,
    attempt: d.attempt,
    atMs: d.atMs,
    policy: d.policy,
    promptTokens: d.promptTokens,
    predictedOutputTokens: d.predictedOutputTokens,
    outcome: d.outcome,
    considered: Math.min(p?.candidates ?? 0, LIMITS.instances),
    candidates: candidatesOf(d, p),
    reasons: reasons.slice(0, LIMITS.decisionReasons).map(clip),
    decideMs: Math.min(Math.max(d.decideMs, 0), 1e9),
  };
  if (d.maxTokens !== undefined) record.maxTokens = d.maxTokens;
  if (d.slo !== undefined)
    record.slo = { ttftMs: finiteMs(d.slo.ttftMs), tpotMs: finiteMs(d.slo.tpotMs) };
  if (p !== undefined) record.chosen = p.instanceId;
  if (p?.hopeless === true) record.hopeless = true;
  if (d.outcome === 'placed' && d.plan !== undefined) record.plan = d.plan;
  const predicted = d.planPredicted ?? p?.prediction;
  if (predicted !== undefined)
    record.predicted = { ttftMs: finiteMs(predicted.ttftMs), tpotMs: finiteMs(predicted.tpotMs) };
  if (d.errorCode !== undefined) record.errorCode = d.errorCode;
  return record;
}
