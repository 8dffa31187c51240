/**
 * An in-process llama.cpp engine: one model, one context whose sequences are decoded together
 * (continuous batching), a FIFO queue beyond them, streaming with stop strings, cancellation,
 * live counters and one observation per llama_decode.
 */
import { TokenBias } from 'node-llama-cpp';
import type {
  ChatWrapper,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
  Token,
} from 'node-llama-cpp';
import { ERROR_TABLE, issuesFromZod } from '@adagen/protocol';
import type { ErrorCode } from '@adagen/protocol';
import { chatWrapperFor, renderChat } from './chat.js';
import { runJob } from './job.js';
import type { Job, RunContext } from './job.js';
import { observeDecodes } from './observe.js';
import type { IterationObservation } from './observe.js';
import { resolveEngineOptions } from './options.js';
import type { LlamaEngineConfig, LlamaEngineOptionsInput } from './options.js';
import { GenerationRequestSchema } from './request.js';
import type { GenerationRequest, GenerationRequestInput, GenerationSink } from './request.js';
import { llamaRuntime } from './runtime.js';
import type { LlamaLogger } from './runtime.js';
import type { EngineCapabilities, EngineCounters, ModelInfo } from './types.js';
import { loadedModelInfo } from './model-info.js';

export interface LlamaEngineDeps {
  /** Milliseconds, for timings and observations. @default performance.now */
  clock?: () => number;
  /** Receives llama.cpp's warnings and errors. @default none (dropped) */
  logger?: LlamaLogger;
}

interface Slot {
  readonly seq: LlamaContextSequence;
  job: Job | undefined;
  lastUsedMs: number;
}

class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class LlamaEngine {
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private readonly jobs = new Map<string, Job>();
  private readonly running = new Set<Promise<void>>();
  private readonly listeners = new Set<(o: IterationObservation) => void>();
  private readonly run: RunContext;
  private readonly totals = {
    promptTokens: 0,
    cachedPromptTokens: 0,
    generatedTokens: 0,
    finished: 0,
    cancelled: 0,
    failed: 0,
    decodeCalls: 0,
  };
  private accepting = true;
  private closed = false;
  readonly capabilities: EngineCapabilities;

  private constructor(
    private readonly config: LlamaEngineConfig,
    readonly model: ModelInfo,
    private readonly llamaModel: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chat: ChatWrapper | undefined,
    private readonly clock: () => number,
    private readonly logger: LlamaLogger | undefined,
    observed: boolean,
  ) {
    this.slots = Array.from({ length: config.maxSequences }, () => ({
      seq: context.getSequence(),
      job: undefined,
      lastUsedMs: 0,
    }));
    const noEogBias = new TokenBias(llamaModel.tokenizer);
    for (const t of model.eogTokens) noEogBias.set(t as Token, 'never');
    this.run = {
      model: llamaModel,
      clock,
      contextSize: config.contextSize,
      prefixCache: config.prefixCache,
      noEogBias,
    };
    this.capabilities = Object.freeze({
      stop: true,
      sampling: true,
      seed: true,
      ignoreEos: true,
      logprobs: true,
      chatTemplate: chat !== undefined,
      maxContextTokens: config.contextSize,
      maxSequences: config.maxSequences,
      prefixCache: config.prefixCache,
      pdSplit: false,
      splitPrefill: false,
      observations: observed ? 'per-decode' : 'none',
    } as const);
  }

  /** Loads the model (any GGUF llama.cpp reads) and creates the context, threads 1. */
  static async load(
    options: LlamaEngineOptionsInput,
    deps: LlamaEngineDeps = {},
  ): Promise<LlamaEngine> {
    const config = resolveEngineOptions(options);
    const clock = deps.clock ?? (() => performance.now());
    const llama = await llamaRuntime(deps.logger);
    const model = await llama.loadModel({ modelPath: config.modelPath });
    try {
      const context = await model.createContext({
        sequences: config.maxSequences,
        contextSize: config.contextSize,
        batchSize: config.batchSize,
        threads: 1,
        flashAttention: config.flashAttention,
        failedCreationRemedy: false,
        batching: {
          dispatchSchedule: 'nextCycle',
          itemPrioritizationStrategy: 'maximumParallelism',
        },
      });
      const ref: { engine?: LlamaEngine } = {};
      const observed = observeDecodes(context, clock, (o) => ref.engine?.observed(o));
      ref.engine = new LlamaEngine(
        config,
        loadedModelInfo(model, config.modelPath),
        model,
        context,
        chatWrapperFor(model),
        clock,
        deps.logger,
        observed,
      );
      return ref.engine;
    } catch (e) {
      await model.dispose();
      throw e;
    }
  }

  /** Subscribes to per-llama_decode observations; returns the unsubscribe function. */
  observe(listener: (o: IterationObservation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tokenize(text: string): number[] {
    return this.llamaModel.tokenize(text, true);
  }

  detokenize(tokens: readonly number[]): string {
    return this.llamaModel.detokenize(tokens as readonly Token[]);
  }

  /**
   * Queues a request. Every outcome reaches `sink`, never a throw: a bad request, a duplicate
   * id, a full queue or a stopped engine is one `error` event (on a later microtask).
   */
  submit(input: GenerationRequestInput, given: GenerationSink): void {
    // A throwing sink must not break the engine: its event is dropped and logged.
    const sink: GenerationSink = (e) => {
      try {
        given(e);
      } catch (err) {
        this.logger?.error({ requestId: e.requestId, err }, 'generation sink threw; event dropped');
      }
    };
    const requestId =
      typeof input === 'object' && input !== null && typeof input.requestId === 'string'
        ? input.requestId
        : '';
    let job: Job;
    try {
      job = this.admit(input, sink);
    } catch (e) {
      const err =
        e instanceof RequestError
          ? e
          : new RequestError('internal', e instanceof Error ? e.message : String(e));
      queueMicrotask(() =>
        sink({
          type: 'error',
          requestId,
          code: err.code,
          message: err.message,
          retryable: ERROR_TABLE[err.code].retryable,
        }),
      );
      return;
    }
    this.jobs.set(job.request.requestId, job);
    this.queue.push(job);
    this.pump();
  }

  /** Stops a request (waiting or running); its KV is cleared before its `done` (cancelled). */
  cancel(requestId: string): boolean {
    const job = this.jobs.get(requestId);
    if (job === undefined) return false;
    job.cancelled = true;
    const i = this.queue.indexOf(job);
    if (i !== -1) {
      this.queue.splice(i, 1);
      this.finish(job, { finishReason: 'cancelled' });
    }
    return true;
  }

  counters(): EngineCounters {
    let used = 0;
    let cached = 0;
    let runningCount = 0;
    for (const s of this.slots) {
      if (s.job !== undefined) {
        runningCount++;
        used += s.seq.nextTokenIndex;
      } else cached += s.seq.nextTokenIndex;
    }
    return {
      running: runningCount,
      waiting: this.queue.length,
      kvCellsUsed: used,
      kvCellsCached: cached,
      kvCellsTotal: this.config.contextSize * this.config.maxSequences,
      promptTokensTotal: this.totals.promptTokens,
      cachedPromptTokensTotal: this.totals.cachedPromptTokens,
      generatedTokensTotal: this.totals.generatedTokens,
      requestsFinished: this.totals.finished,
      requestsCancelled: this.totals.cancelled,
      requestsFailed: this.totals.failed,
      preemptionsTotal: 0,
      decodeCallsTotal: this.totals.decodeCalls,
    };
  }

  /** Stops accepting and waits for every queued and running request to finish. */
  async drain(): Promise<void> {
    this.accepting = false;
    while (this.queue.length > 0 || this.running.size > 0) await Promise.race(this.running);
  }

  /** Cancels everything, waits for it, and frees the context and the model. Idempotent. */
  async close(): Promise<void> {
    this.accepting = false;
    if (this.closed) return;
    this.closed = true;
    for (const job of [...this.jobs.values()]) this.cancel(job.request.requestId);
    while (this.running.size > 0) await Promise.all(this.running);
    await this.context.dispose();
    await this.llamaModel.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private admit(input: GenerationRequestInput, sink: GenerationSink): Job {
    const parsed = GenerationRequestSchema.safeParse(input);
    if (!parsed.success) {
      const issue = issuesFromZod(parsed.error)[0];
      throw new RequestError(
        'bad_request',
        `request ${issue?.path ?? '(root)'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const request = parsed.data;
    if (!this.accepting) throw new RequestError('unavailable', 'the engine is draining or closed');
    if (this.jobs.has(request.requestId))
      throw new RequestError(
        'duplicate',
        `request id ${request.requestId} is already running or waiting`,
      );
    const { tokens, stops } = this.prompt(request);
    if (tokens.length >= this.config.contextSize)
      throw new RequestError(
        'bad_request',
        `the prompt has ${tokens.length} tokens; a sequence holds ${this.config.contextSize} (prompt + output)`,
      );
    if (this.queue.length >= this.config.maxWaiting && !this.slots.some((s) => s.job === undefined))
      throw new RequestError(
        'overloaded',
        `${this.queue.length} requests are waiting (maxWaiting)`,
      );
    return {
      request,
      sink,
      promptTokens: tokens,
      stops: [...request.stop, ...stops],
      submittedMs: this.clock(),
      cachedPromptTokens: 0,
      completionTokens: 0,
      cancelled: false,
    };
  }

  private prompt(request: GenerationRequest): { tokens: Token[]; stops: string[] } {
    const input = request.input;
    switch (input.type) {
      case 'text': {
        const tokens = this.llamaModel.tokenize(input.text, true);
        const bos = this.llamaModel.tokens.bos;
        if (this.model.addBosToken && bos !== null && tokens[0] !== bos) tokens.unshift(bos);
        return { tokens, stops: [] };
      }
      case 'tokens': {
        const bad = input.tokens.findIndex((t) => t >= this.model.vocabSize);
        if (bad !== -1)
          throw new RequestError(
            'bad_request',
            `request input.tokens[${bad}]: ${input.tokens[bad]} is not below the vocabulary size ${this.model.vocabSize}`,
          );
        return { tokens: input.tokens as Token[], stops: [] }; // checked above
      }
      case 'chat':
        return renderChat(this.llamaModel, this.chat, input.messages);
    }
  }

  /** Starts waiting requests while sequences are free: the idle one sharing the longest prefix. */
  private pump(): void {
    while (this.queue.length > 0) {
      const free = this.slots.filter((s) => s.job === undefined);
      if (free.length === 0) return;
      const job = this.queue.shift()!;
      let best = free[0]!;
      let bestKeep = -1;
      for (const s of free) {
        const keep = this.config.prefixCache
          ? s.seq.compareContextTokens([...job.promptTokens]).firstDifferentIndex
          : 0;
        if (keep > bestKeep || (keep === bestKeep && s.lastUsedMs < best.lastUsedMs)) {
          best = s;
          bestKeep = keep;
        }
      }
      this.start(job, best);
    }
  }

  private start(job: Job, slot: Slot): void {
    slot.job = job;
    job.assignedMs = this.clock();
    const task = runJob(job, slot.seq, this.run)
      .then(async (result) => {
        if (result.finishReason === 'cancelled' || !this.config.prefixCache)
          await slot.seq.clearHistory();
        this.release(slot);
        this.finish(job, result);
      })
      .catch(async (e: unknown) => {
        await slot.seq.clearHistory().catch(() => undefined);
        this.release(slot);
        this.fail(job, e);
      })
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  private release(slot: Slot): void {
    slot.job = undefined;
    slot.lastUsedMs = this.clock();
    this.pump();
  }

  private finish(
    job: Job,
    result: { finishReason: 'stop' | 'length' | 'cancelled'; stop?: string },
  ): void {
    this.jobs.delete(job.request.requestId);
    this.totals.promptTokens += job.promptTokens.length;
    this.totals.cachedPromptTokens += job.cachedPromptTokens;
    this.totals.generatedTokens += job.completionTokens;
    if (result.finishReason === 'cancelled') this.totals.cancelled++;
    else this.totals.finished++;
    const now = this.clock();
    job.sink({
      type: 'done',
      requestId: job.request.requestId,
      finishReason: result.finishReason,
      ...(result.stop === undefined ? {} : { stop: result.stop }),
      usage: {
        promptTokens: job.promptTokens.length,
        completionTokens: job.completionTokens,
        cachedPromptTokens: job.cachedPromptTokens,
      },
      timings: {
        queueMs: (job.assignedMs ?? now) - job.submittedMs,
        ttftMs: job.firstTokenMs === undefined ? undefined : job.firstTokenMs - job.submittedMs,
        totalMs: now - job.submittedMs,
      },
    });
  }

  private fail(job: Job, e: unknown): void {
    this.jobs.delete(job.request.requestId);
    this.totals.failed++;
    this.totals.generatedTokens += job.completionTokens;
    job.sink({
      type: 'error',
      requestId: job.request.requestId,
      code: 'internal',
      message: `llama.cpp failed: ${e instanceof Error ? e.message : String(e)}`,
      retryable: ERROR_TABLE.internal.retryable,
    });
  }

  private observed(o: IterationObservation): void {
    this.totals.decodeCalls++;
    for (const l of this.listeners) l(o);
  }
}
