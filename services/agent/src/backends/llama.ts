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
    // An iteration of the engine is more than its llama_decode: sampling and the step loop
    // come after it. While the engine is busy, an iteration lasts from one decode's start to the
    // next's; each observation is reported once the next one shows where it ended.
    let previous: LlamaObservation | undefined;
    this.unobserve = engine.observe((obs) => {
      if (previous !== undefined) {
        const gapMs = obs.startMs - (previous.startMs + previous.durationMs);
        const busy = gapMs >= 0 && gapMs <= Math.max(2, previous.durationMs);
        this.report(previous, busy ? obs.startMs - previous.startMs : previous.durationMs);
      }
      previous = obs;
    });
  }

  private report(obs: LlamaObservation, durationMs: number): void {
    const decodeRequests = obs.decodeTokens;
    // The engine reports the sum of KV lengths over the batch's sequences; a prefill chunk
    // attends to about its own sequence's context.
    const prefillAttnWork =
      obs.prefillTokens *
      Math.max(obs.prefillTokens, obs.contextTokens / Math.max(1, obs.sequences));
    this.sink.iteration({
      prefillTokens: obs.prefillTokens,
      prefillAttnWork,
      decodeRequests,
      decodeContextTokens: decodeRequests > 0 ? obs.contextTokens : 0,
      numSeqs: obs.sequences,
      durationMs,
    });
    this.recent.push({
      startMs: obs.startMs,
      durationMs,
      prefillTokens: obs.prefillTokens,
      decodeRequests,
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
    const input: GenerationRequestInput['input'] =
      r.messages !== undefined
        ? {
            type: 'chat',
            messages: r.messages.map((m) => ({
              role:
                m.role === 'system' || m.role === 'developer'
                  ? 'system'
                  : m.role === 'assistant'
                    ? 'assistant'
                    : 'user',
              content: m.content,
            })),
          }
        : r.promptTokenIds !== undefined
          ? { type: 'tokens', tokens: [...r.promptTokenIds] }
          : { type: 'text', text: r.prompt !== undefined && r.prompt !== '' ? r.prompt : ' ' };
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
    // FCFS: the requests without a first token beyond the engine's running count wait.
    let slots =
      c.running - [...this.tracked.values()].filter((t) => t.firstTokenAtMs !== undefined).length;
    for (const t of this.tracked.values()) {
      const started = t.firstTokenAtMs !== undefined;
      const prefilling = !started && slots-- > 0;
      const p: RequestProgress = {
        id: t.job.requestId,
        kind: 'full',
        promptTokens: t.promptTokens,
        phase: started ? 'decoding' : prefilling ? 'prefilling' : 'waiting',
        prefilledTokens: started ? t.promptTokens : 0,
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
