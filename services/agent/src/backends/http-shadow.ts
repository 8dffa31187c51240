/**
 * The shadow of an engine the agent reaches only over HTTP: the engine package's own model of
 * that engine's queue, fed with what the agent sent there (each request's prompt length and
 * limits), what came back (first token, tokens so far, finish) and, when traffic the agent did
 * not send is present, the engine's own counts from its `/metrics`. A snapshot rebuilds a
 * `SimInstance` from that and lets its scheduler form the next batch (who is admitted, KV
 * blocks), so the snapshot is built exactly as the simulated agent's is and estimators and
 * policies work unchanged.
 *
 * Token gaps become calibration observations: the engine emits one token per running request
 * per iteration, so the gap before token i (i ≥ 1) of a request is the duration of the
 * iteration(s) that produced it; the batch is the shadow's — the decoding requests (ours and
 * the foreign ones) and the prefills whose first token came during the gap.
 */
import { SimInstance, resolveEngineConfig } from '@adagen/engine';
import type {
  EngineConfig,
  EngineConfigInput,
  InstanceSnapshot,
  LatencyProfile,
  RequestProgress,
  TokenGapObservation,
  WorkKind,
} from '@adagen/engine';
import type { EngineLoad } from './http-metrics.js';

export interface ShadowOptions {
  readonly instanceId: string;
  /** The profile the shadow's scheduler and the snapshot's estimators start from. */
  readonly profile: LatencyProfile;
  /** The engine's knobs (max_num_seqs, token budget, KV blocks, max_model_len). */
  readonly engine?: EngineConfigInput;
  /** Iterations (token gaps) kept for the snapshot. @default 32 */
  readonly recent?: number;
  /**
   * Context of a foreign request when the engine does not report its KV use (tokens).
   * @default 512
   */
  readonly foreignContextTokens?: number;
}

export interface ShadowRequestInput {
  readonly kind: Extract<WorkKind, 'full' | 'prefill' | 'decode'>;
  readonly promptTokens: number;
  readonly maxTokens: number;
  readonly predictedOutputTokens: number;
  readonly arrivalMs: number;
}

interface Tracked extends ShadowRequestInput {
  readonly id: string;
  firstTokenAtMs: number | undefined;
  lastTokenAtMs: number | undefined;
  generated: number;
}

/** Weight of a token-gap observation in the fit (network jitter blurs each gap). */
const GAP_WEIGHT = 0.5;
const PREFILL_EVENTS = 64;

export class Shadow {
  readonly config: EngineConfig;
  private readonly tracked = new Map<string, Tracked>();
  private readonly recent: InstanceSnapshot['recentIterations'] = [];
  /** First tokens seen (a prefill finished): when, and its prompt length. */
  private readonly prefills: { atMs: number; tokens: number }[] = [];
  private load: EngineLoad | undefined;

  constructor(private readonly o: ShadowOptions) {
    this.config = resolveEngineConfig(o.profile, o.engine ?? {});
  }

  get size(): number {
    return this.tracked.size;
  }

  add(id: string, r: ShadowRequestInput): void {
    this.tracked.set(id, {
      ...r,
      id,
      firstTokenAtMs: undefined,
      lastTokenAtMs: undefined,
      generated: 0,
    });
  }

  /** The engine's own prompt count, once known. */
  promptTokens(id: string, tokens: number): void {
    const t = this.tracked.get(id);
    if (t !== undefined && tokens > 0) this.tracked.set(id, { ...t, promptTokens: tokens });
  }

  /**
   * `count` tokens of request `id` arrived at `atMs`. Returns the calibration observation of the
   * gap before them, when there is one (not for the first token, nor a gap of 0 ms).
   */
  tokens(id: string, atMs: number, count = 1): TokenGapObservation | undefined {
    const t = this.tracked.get(id);
    if (t === undefined || count < 1) return undefined;
    const previous = t.lastTokenAtMs;
    t.generated += count;
    t.lastTokenAtMs = atMs;
    if (t.firstTokenAtMs === undefined) {
      t.firstTokenAtMs = atMs;
      if (t.kind !== 'decode') {
        this.prefills.push({ atMs, tokens: t.promptTokens });
        if (this.prefills.length > PREFILL_EVENTS) this.prefills.shift();
      }
      return undefined;
    }
    if (previous === undefined || !(atMs > previous)) return undefined;
    const gap = this.gapFeatures(previous, atMs, t);
    this.recent.push({
      startMs: previous,
      durationMs: (atMs - previous) / count,
      prefillTokens: gap.prefillTokens,
      decodeRequests: gap.decodeRequests,
    });
    if (this.recent.length > (this.o.recent ?? 32)) this.recent.shift();
    return { ...gap, gapMs: atMs - previous, iterations: count, weight: GAP_WEIGHT };
  }

  remove(id: string): void {
    this.tracked.delete(id);
  }

  /** The engine's last reported load (metrics scrape), or undefined when not known. */
  observeLoad(load: EngineLoad | undefined): void {
    this.load = load;
  }

  /** Requests on the engine the agent did not send, by the last scrape. */
  foreign(): { running: number; waiting: number } {
    const l = this.load;
    if (l === undefined) return { running: 0, waiting: 0 };
    let unstarted = 0;
    for (const t of this.tracked.values()) if (t.firstTokenAtMs === undefined) unstarted += 1;
    const total = Math.max(0, l.running + l.waiting - this.tracked.size);
    const waiting = Math.min(total, Math.max(0, l.waiting - unstarted));
    return { running: total - waiting, waiting };
  }

  /** The instance's state at `nowMs`, as a simulated instance built from the shadow shows it. */
  snapshot(nowMs: number): InstanceSnapshot {
    const c = this.config;
    const running: RequestProgress[] = [];
    const waiting: RequestProgress[] = [];
    for (const t of this.tracked.values()) {
      const started = t.firstTokenAtMs !== undefined;
      const p: RequestProgress = {
        id: t.id,
        kind: t.kind,
        promptTokens: t.promptTokens,
        phase: started ? 'decoding' : 'waiting',
        prefilledTokens: started ? t.promptTokens : 0,
        generatedTokens: started ? Math.max(1, t.generated) : 0,
        arrivalMs: t.arrivalMs,
        maxTokens: t.maxTokens,
        predictedOutputTokens: t.predictedOutputTokens,
      };
      if (t.firstTokenAtMs !== undefined) p.firstTokenAtMs = t.firstTokenAtMs;
      // A P/D prefill leg that produced its token holds its KV until the engine lets it go.
      if (started && t.kind === 'prefill') p.phase = 'held';
      (started ? running : waiting).push(p);
    }
    this.addForeign(running, waiting, nowMs);
    const base: InstanceSnapshot = {
      instanceId: this.o.instanceId,
      atMs: nowMs,
      profile: this.o.profile.name,
      config: {
        maxNumBatchedTokens: c.maxNumBatchedTokens,
        maxNumSeqs: c.maxNumSeqs,
        enableChunkedPrefill: c.enableChunkedPrefill,
        blockSize: c.blockSize,
        watermark: c.watermark,
        maxModelLen: c.maxModelLen,
      },
      kv: { totalBlocks: c.numGpuBlocks, usedBlocks: 0 },
      running,
      waiting,
      recentIterations: [],
    };
    const instance = SimInstance.fromSnapshot(base, this.o.profile, {
      outputTokensFor: (p) =>
        Math.max(
          p.generatedTokens + 1,
          Math.min(p.maxTokens ?? Infinity, p.predictedOutputTokens ?? 1),
        ),
    });
    // The engine's scheduler admits what fits: let the shadow's form the batch now.
    if (instance.hasWork()) instance.startIteration(nowMs);
    const snap = instance.snapshot();
    snap.atMs = nowMs;
    snap.recentIterations = [...this.recent];
    return snap;
  }

  /** Foreign requests as decoding (and waiting) ones, their KV from the engine's own figure. */
  private addForeign(running: RequestProgress[], waiting: RequestProgress[], nowMs: number): void {
    const f = this.foreign();
    if (f.running + f.waiting === 0) return;
    const c = this.config;
    let contextTokens = this.o.foreignContextTokens ?? 512;
    const usage = this.load?.kvUsage;
    if (usage !== undefined && f.running > 0) {
      let ours = 0;
      for (const p of running)
        ours += Math.ceil((p.promptTokens + p.generatedTokens) / c.blockSize);
      const theirs = Math.max(0, usage * c.numGpuBlocks - ours);
      contextTokens = Math.max(1, Math.floor((theirs * c.blockSize) / f.running));
    }
    const prompt = Math.max(1, Math.min(contextTokens, c.maxModelLen - 1));
    for (let i = 0; i < f.running + f.waiting; i++) {
      const on = i < f.running;
      (on ? running : waiting).push({
        id: `foreign-${i}`,
        kind: 'full',
        promptTokens: prompt,
        phase: on ? 'decoding' : 'waiting',
        prefilledTokens: on ? prompt : 0,
        generatedTokens: on ? 1 : 0,
        arrivalMs: nowMs,
      });
    }
  }

  /** The batch of the iteration(s) between two tokens of `t`, as the shadow sees it. */
  private gapFeatures(fromMs: number, toMs: number, t: Tracked) {
    let decodeRequests = 0;
    let decodeContextTokens = 0;
    for (const r of this.tracked.values()) {
      // Requests whose first token came inside the gap were prefilling in it (counted below).
      if (r.firstTokenAtMs === undefined || r.firstTokenAtMs > fromMs || r.kind === 'prefill')
        continue;
      decodeRequests += 1;
      decodeContextTokens += r.promptTokens + (r === t ? t.generated - 1 : r.generated);
    }
    const f = this.foreign();
    decodeRequests += f.running;
    decodeContextTokens += f.running * (this.o.foreignContextTokens ?? 512);
    let prefillTokens = 0;
    let prefillAttnWork = 0;
    let prefillSeqs = 0;
    for (const p of this.prefills)
      if (p.atMs > fromMs && p.atMs <= toMs) {
        prefillTokens += p.tokens;
        prefillAttnWork += (p.tokens * p.tokens) / 2;
        prefillSeqs += 1;
      }
    return {
      prefillTokens,
      prefillAttnWork,
      decodeRequests,
      decodeContextTokens,
      numSeqs: decodeRequests + prefillSeqs,
    };
  }
}
