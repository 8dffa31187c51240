/** One request on an agent: its part(s) of the plan and what has been streamed. */
import type { WorkKind } from '@adagen/engine';
import { SUBJECT_PREFIX, subjects } from '@adagen/protocol';
import type { AgentDispatch, ExecutionPlan, KvHandoffNotice } from '@adagen/protocol';
import { StreamText } from './stream-text.js';
import { simTextSeed } from './text.js';

/** What a real engine reports at the end of a request. */
export interface EngineReport {
  readonly finishReason: 'stop' | 'length';
  readonly completionTokens: number;
  /** The engine's own count (its tokenizer may differ from the classifier's). */
  readonly promptTokens?: number;
  /** Prompt tokens the engine reused from its prefix cache (in its own tokens). */
  readonly cachedPromptTokens?: number;
}

export interface Job {
  readonly requestId: string;
  readonly attempt: number;
  /** The gateway holding the request (from its stream subject): only it may cancel the job. */
  readonly gatewayId: string | undefined;
  /** Where this agent publishes the request's tokens and outcome: the stream address + its id. */
  readonly streamSubject: string;
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
  /** Tokens of the request generated so far (by any instance). */
  tokens: number;
  /** The stream this agent sends: chunk numbers, stop strings, held-back text. */
  text: StreamText;
  /** When this agent took the request (fleet ms). */
  queuedAtMs: number | undefined;
  /** What a real engine said at the end (its own count and reason), when it says. */
  reported: EngineReport | undefined;
  /** Text ready to send, coalesced until the agent's next flush (and the tokens it carries). */
  outText: string;
  outTokens: number;
  /** Seed of the simulated text (a function of the request). */
  readonly textSeed: number;
  /** Split prefill on the decode instance: segment starts whose KV is here. */
  readonly segmentsReady: Set<number>;
  /** Cancels of timers still pending for this job. */
  readonly timers: Set<() => void>;
}

export function newJob(d: AgentDispatch, outputTokens: number): Job {
  return {
    requestId: d.requestId,
    attempt: d.attempt,
    gatewayId: gatewayOf(d.request.streamSubject),
    streamSubject: subjects.streamFrom(d.request.streamSubject, d.instanceId),
    plan: d.plan,
    request: d.request,
    outputTokens,
    roles: new Set(),
    engineKind: undefined,
    firstTokenAtMs: undefined,
    tokens: 0,
    text: new StreamText(d.request.sampling?.stop),
    outText: '',
    outTokens: 0,
    reported: undefined,
    queuedAtMs: undefined,
    textSeed: simTextSeed(d.request),
    segmentsReady: new Set(),
    timers: new Set(),
  };
}

/**
 * Tokens the simulated engine generates: the load-testing target when given, else the
 * classifier's prediction, at least `min_tokens`, capped by max_tokens (at least 1).
 */
export function outputTokensOf(d: AgentDispatch): number {
  const r = d.request;
  const n =
    r.targetOutputTokens ??
    Math.max(Math.min(r.maxTokens, r.predictedOutputTokens), r.sampling?.minTokens ?? 0);
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

/** The gateway id in a stream subject (`adagen.v1.stream.<gatewayId>.<requestId>`). */
export function gatewayOf(streamSubject: string): string | undefined {
  // A dispatch's stream address passed its schema (`stream.<gatewayId>.<requestId>`): the id is
  // read off it, not parsed again on the way to the request's accept.
  if (!streamSubject.startsWith(STREAM_PREFIX)) return undefined;
  const dot = streamSubject.indexOf('.', STREAM_PREFIX.length);
  return dot > STREAM_PREFIX.length ? streamSubject.slice(STREAM_PREFIX.length, dot) : undefined;
}

const STREAM_PREFIX = `${SUBJECT_PREFIX}.stream.`;

/**
 * Request ids seen recently with the highest attempt seen (finished, failed or cancelled), so a
 * repeated dispatch of that attempt or an older one is not run again; a later attempt (the
 * gateway placing the request again) is. Bounded: the oldest ids are forgotten first.
 */
export class RecentIds {
  private readonly ids = new Map<string, number>();

  constructor(private readonly max = 10_000) {}

  add(id: string, attempt: number): void {
    const had = this.ids.get(id);
    this.ids.delete(id);
    this.ids.set(id, Math.max(attempt, had ?? attempt));
    if (this.ids.size > this.max) {
      const oldest = this.ids.keys().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }

  /** True when attempt `attempt` of `id` (or a later one) was already here. */
  covers(id: string, attempt: number): boolean {
    const had = this.ids.get(id);
    return had !== undefined && had >= attempt;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }
}
