/**
 * The `llama` backend: real inference in the agent's process through `@adagen/llama`
 * (llama.cpp via node-llama-cpp, CPU, continuous batching over one context's sequences). Tokens
 * and outcomes come from the engine; the state snapshot is built from what the agent sent it
 * (each request's prompt, tokens so far, first token) and the engine's counters, in the engine
 * package's snapshot form, so estimators and policies work unchanged. Every `llama_decode` is
 * reported as an iteration for online calibration.
 */
import type { InstanceSnapshot, LatencyProfile } from '@adagen/engine';
import type { BackendSink, EngineBackend, Job } from '@adagen/fleet';
import { LlamaCacheSource } from './llama-cache.js';
import { AdagenError } from '@adagen/protocol';
import type { AgentDispatch, EngineCapabilities, RequestProgress } from '@adagen/protocol';
// The request module alone: node-llama-cpp is loaded only when a llama engine is built.
import { generationInputOf } from '@adagen/llama/request';
import type {
  GenerationEvent,
  GenerationRequestInput,
  IterationObservation as LlamaObservation,
  LlamaEngine,
} from '@adagen/llama';

/** KV is reported in blocks of this many cells (the engine has no paging; a view for estimators). */
const BLOCK_TOKENS = 16;
/** Iterations kept for the snapshot's `recentIterations`. */
const RECENT = 32;

interface Tracked {
  readonly job: Job;
  readonly arrivalMs: number;
  promptTokens: number;
  generated: number;
  firstTokenAtMs: number | undefined;
}

export interface LlamaBackendOptions {
  readonly instanceId: string;
  /** The latency profile announced (estimators start from it; the agent calibrates it). */
  readonly profile: LatencyProfile;
  /** Tokens per block of the prefix-cache hashes the agent reports. @default 16 */
  readonly prefixBlockSize?: number;
}

export class LlamaBackend implements EngineBackend {
  readonly kind = 'llama' as const;
  private readonly tracked = new Map<string, Tracked>();
  private readonly recent: {
    startMs: number;
    durationMs: number;
    prefillTokens: number;
    decodeRequests: number;
  }[] = [];
  private readonly unobserve: () => void;
  readonly prefixCache: LlamaCacheSource;

  constructor(
    private readonly engine: LlamaEngine,
    private readonly o: LlamaBackendOptions,
    private readonly sink: BackendSink,
  ) {
    this.prefixCache = new LlamaCacheSource(engine, o.prefixBlockSize ?? BLOCK_TOKENS);
    // One observation per engine step, timed from the previous step's end while busy (decode,
    // sampling, streaming and the loop's bookkeeping), with the batch's exact attention work.
    this.unobserve = engine.observe((obs) => this.report(obs));
  }

  private report(obs: LlamaObservation): void {
    this.sink.iteration({
      prefillTokens: obs.prefillTokens,
      prefillAttnWork: obs.prefillAttnWork,
      decodeRequests: obs.decodeTokens,
      decodeContextTokens: obs.decodeContextTokens,
      numSeqs: obs.sequences,
      durationMs: obs.durationMs,
    });
    this.recent.push({
      startMs: obs.startMs,
      durationMs: obs.durationMs,
      prefillTokens: obs.prefillTokens,
      decodeRequests: obs.decodeTokens,
    });
    if (this.recent.length > RECENT) this.recent.shift();
  }

  get profileName(): string {
    return this.o.profile.name;
  }

  get capabilities(): EngineCapabilities {
    const c = this.engine.capabilities;
    return {
      pdSplit: false,
      splitPrefill: false,
      stop: true,
      logprobs: false,
      sampling: true,
      samplingFields: ['temperature', 'topP', 'topK', 'seed'],
      maxModelLen: c.maxContextTokens,
      prefixCaching: c.prefixCache,
    };
  }

  start(job: Job, d: AgentDispatch): void {
    if (d.role !== 'full')
      throw new AdagenError(
        'bad_request',
        `the llama engine runs whole requests, not a ${d.role} part`,
      );
    const r = d.request;
    const target = r.targetOutputTokens;
    const input = generationInputOf(r);
    const s = r.sampling ?? {};
    const req: GenerationRequestInput = {
      requestId: job.requestId,
      input,
      maxTokens: target ?? r.maxTokens,
      sampling: {
        ...(s.temperature === undefined ? {} : { temperature: s.temperature }),
        ...(s.topP === undefined ? {} : { topP: s.topP }),
        ...(s.topK === undefined ? {} : { topK: Math.max(0, s.topK) }),
        ...(s.seed === undefined ? {} : { seed: s.seed % 0x1_0000_0000 }),
      },
      ...(s.stop === undefined ? {} : { stop: s.stop }),
      ...(target === undefined ? {} : { ignoreEos: true }),
    };
    const t: Tracked = {
      job,
      arrivalMs: this.sink.nowMs(),
      promptTokens: r.promptTokens,
      generated: 0,
      firstTokenAtMs: undefined,
    };
    this.tracked.set(job.requestId, t);
    job.engineKind = 'full';
    this.engine.submit(req, (e) => this.event(t, e));
  }

  kvReady(): void {
    // Never planned: this engine offers neither P/D split nor split prefill.
  }

  cancel(job: Job): void {
    if (this.tracked.delete(job.requestId)) this.engine.cancel(job.requestId);
  }

  snapshot(nowMs: number): InstanceSnapshot {
    const c = this.engine.counters();
    const cap = this.engine.capabilities;
    const running: RequestProgress[] = [];
    const waiting: RequestProgress[] = [];
    for (const t of this.tracked.values()) {
      const started = t.firstTokenAtMs !== undefined;
      // The engine says which requests hold a sequence and how much of their prompt is in
      // the KV (chunked prefill in progress, or reused from an earlier request's prefix).
      const e = started ? undefined : this.engine.progress(t.job.requestId);
      const prefilling = e?.phase === 'running';
      if (e !== undefined) t.promptTokens = e.promptTokens;
      const p: RequestProgress = {
        id: t.job.requestId,
        kind: 'full',
        promptTokens: t.promptTokens,
        phase: started ? 'decoding' : prefilling ? 'prefilling' : 'waiting',
        prefilledTokens: started
          ? t.promptTokens
          : prefilling
            ? Math.min(e.prefilledTokens, t.promptTokens)
            : 0,
        generatedTokens: t.generated,
        arrivalMs: t.arrivalMs,
        maxTokens: t.job.request.maxTokens,
        predictedOutputTokens: t.job.request.predictedOutputTokens,
      };
      if (t.firstTokenAtMs !== undefined) p.firstTokenAtMs = t.firstTokenAtMs;
      (started || prefilling ? running : waiting).push(p);
    }
    return {
      instanceId: this.o.instanceId,
      atMs: nowMs,
      profile: this.o.profile.name,
      config: {
        maxNumBatchedTokens: this.engine.batchSize,
        maxNumSeqs: cap.maxSequences,
        enableChunkedPrefill: true,
        blockSize: BLOCK_TOKENS,
        maxModelLen: cap.maxContextTokens,
      },
      kv: {
        totalBlocks: Math.floor(c.kvCellsTotal / BLOCK_TOKENS),
        usedBlocks: Math.min(
          Math.floor(c.kvCellsTotal / BLOCK_TOKENS),
          Math.ceil(c.kvCellsUsed / BLOCK_TOKENS),
        ),
      },
      running,
      waiting,
      recentIterations: [...this.recent],
    };
  }

  stop(): void {
    this.unobserve();
    for (const t of this.tracked.values()) this.engine.cancel(t.job.requestId);
    this.tracked.clear();
  }

  private event(t: Tracked, e: GenerationEvent): void {
    const job = t.job;
    if (this.tracked.get(job.requestId) !== t) return; // cancelled or replaced
    const now = this.sink.nowMs();
    switch (e.type) {
      case 'first-token':
        t.promptTokens = e.promptTokens;
        t.firstTokenAtMs = now;
        this.sink.changed();
        return;
      case 'chunk':
        for (let k = 0; k < e.tokens; k++) {
          this.sink.token(job, t.generated, k === 0 ? e.text : '', now);
          t.generated += 1;
          if (this.sink.job(job.requestId) !== job) return; // a stop string ended it
        }
        return;
      case 'done':
        this.tracked.delete(job.requestId);
        if (e.finishReason === 'cancelled') return;
        this.sink.finished(job, now, {
          finishReason: e.finishReason,
          completionTokens: e.usage.completionTokens,
          promptTokens: e.usage.promptTokens,
          cachedPromptTokens: e.usage.cachedPromptTokens,
        });
        return;
      case 'error':
        this.tracked.delete(job.requestId);
        this.sink.failed(job, e.code, e.message);
        return;
    }
  }
}
