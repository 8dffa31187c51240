/** One line per request, for analysis outside the simulator (`adagen simulate --per-request`). */
import type { PlanKind } from '@adagen/scheduler';
import type { TraceRequest } from '@adagen/workloads';
import type { RequestMetrics } from './metrics.js';
import { planKinds } from './metrics.js';

export interface RequestRecord {
  id: string;
  arrivalMs: number;
  promptTokens: number;
  outputTokens: number;
  /** null when the request never produced a token. */
  ttftMs: number | null;
  /** null unless the request finished. */
  tpotMs: number | null;
  e2eMs: number | null;
  queueingMs: number | null;
  maxTbtMs: number;
  plan: PlanKind | null;
  /** The balancer's instance, then the decode instance of a distributed plan. */
  instances: string[];
  preemptions: number;
  rejected: boolean;
  /** Refused by admission control. */
  shed: boolean;
  /** No first token by its deadline: the client gave up. */
  abandoned: boolean;
  ttftSloMs: number;
  tpotSloMs: number;
  metSlo: boolean;
}

const orNull = (v: number) => (Number.isFinite(v) ? v : null);

export function requestRecords(
  m: RequestMetrics,
  requests: readonly TraceRequest[],
  instanceIds: readonly string[],
): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (let i = 0; i < m.count; i++) {
    const req = requests[i]!;
    const finished = m.isFinished(i);
    const ttft = m.tokens[i]! > 0 ? m.ttftMs(i) : Number.NaN;
    const tpot = finished ? m.tpotMs(i) : Number.NaN;
    const code = m.plan[i]!;
    const instances: string[] = [];
    if (m.placedOn[i]! >= 0) instances.push(instanceIds[m.placedOn[i]!]!);
    if (m.decodeOn[i]! >= 0) instances.push(instanceIds[m.decodeOn[i]!]!);
    out.push({
      id: req.id,
      arrivalMs: req.arrivalMs,
      promptTokens: req.promptTokens,
      outputTokens: req.outputTokens,
      ttftMs: orNull(ttft),
      tpotMs: orNull(tpot),
      e2eMs: finished ? m.lastTokenMs[i]! - m.arrivalMs[i]! : null,
      queueingMs: orNull(m.firstAdmitMs[i]! - m.arrivalMs[i]!),
      maxTbtMs: m.maxGapMs[i]!,
      plan: code >= 0 ? planKinds[code]! : null,
      instances,
      preemptions: m.preemptions[i]!,
      rejected: m.rejected[i] === 1,
      shed: m.shed[i] === 1,
      abandoned: m.abandoned[i] === 1,
      ttftSloMs: m.ttftSloMs[i]!,
      tpotSloMs: m.tpotSloMs[i]!,
      metSlo: ttft <= m.ttftSloMs[i]! && tpot <= m.tpotSloMs[i]!,
    });
  }
  return out;
}
