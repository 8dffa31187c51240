/** One request on an agent: its part(s) of the plan and what has been streamed. */
import type { WorkKind } from '@adagen/engine';
import type { AgentDispatch, ExecutionPlan, KvHandoffNotice } from '@adagen/protocol';

export interface Job {
  readonly requestId: string;
  readonly attempt: number;
  readonly plan: ExecutionPlan;
  readonly request: AgentDispatch['request'];
  /** Tokens this request generates in all (the simulated engine's truth). */
  readonly outputTokens: number;
  /** Roles this agent runs for the request (a decode instance may also run a segment). */
  readonly roles: Set<AgentDispatch['role']>;
  /** Kind of the item on the engine now, if any. */
  engineKind: WorkKind | undefined;
  /** First token of the request (emitted here or reported by the prefill instance), fleet ms. */
  firstTokenAtMs: number | undefined;
  /** Tokens of the request streamed so far (by any instance). */
  tokens: number;
  /** Split prefill on the decode instance: segment starts whose KV is here. */
  readonly segmentsReady: Set<number>;
  /** Cancels of timers still pending for this job. */
  readonly timers: Set<() => void>;
}

export function newJob(d: AgentDispatch, outputTokens: number): Job {
  return {
    requestId: d.requestId,
    attempt: d.attempt,
    plan: d.plan,
    request: d.request,
    outputTokens,
    roles: new Set(),
    engineKind: undefined,
    firstTokenAtMs: undefined,
    tokens: 0,
    segmentsReady: new Set(),
    timers: new Set(),
  };
}

/**
 * Tokens the simulated engine generates: the load-testing target when given, else the
 * classifier's prediction capped by max_tokens (at least 1).
 */
export function outputTokensOf(d: AgentDispatch): number {
  const r = d.request;
  const n = r.targetOutputTokens ?? Math.min(r.maxTokens, r.predictedOutputTokens);
  return Math.max(1, Math.min(n, r.maxTokens));
}

/** Hand-off notices that arrived before the decode dispatch they belong to, kept briefly. */
export class EarlyNotices {
  private readonly byRequest = new Map<string, KvHandoffNotice[]>();

  constructor(private readonly max = 1024) {}

  add(n: KvHandoffNotice): void {
    if (this.byRequest.size >= this.max && !this.byRequest.has(n.requestId)) {
      const oldest = this.byRequest.keys().next().value;
      if (oldest !== undefined) this.byRequest.delete(oldest);
    }
    const list = this.byRequest.get(n.requestId) ?? [];
    list.push(n);
    this.byRequest.set(n.requestId, list);
  }

  take(requestId: string): KvHandoffNotice[] {
    const list = this.byRequest.get(requestId) ?? [];
    this.byRequest.delete(requestId);
    return list;
  }
}

/** Ids finished recently, so a repeated dispatch is answered `duplicate`. */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly max = 10_000) {}

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.max) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }
}
