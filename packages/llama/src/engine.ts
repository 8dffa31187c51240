/**
 * An in-process llama.cpp engine: one model, one context whose sequences are decoded together.
 * The engine runs in steps, as vLLM's scheduler does: each step is one llama_decode holding the
 * next token of every decoding request plus prompt chunks of new ones (chunked prefill within
 * `batchSize`), then one sampled token per request that finished its prompt. Requests beyond
 * `maxSequences` wait, FIFO. Streaming with stop strings, cancellation, live counters and one
 * observation per llama_decode.
 */
import { TokenBias } from 'node-llama-cpp';
import type { ChatWrapper, LlamaContext, LlamaModel, Token } from 'node-llama-cpp';
import { ERROR_TABLE, issuesFromZod } from '@adagen/protocol';
import type { ErrorCode } from '@adagen/protocol';
import { chatWrapperFor } from './chat.js';
import { Generation } from './generation.js';
import type { Finish, GenerationContext } from './generation.js';
import { loadedModelInfo } from './model-info.js';
import { observeDecodes } from './observe.js';
import type { DecodeObservation, IterationObservation } from './observe.js';
import { resolveEngineOptions } from './options.js';
import type { LlamaEngineConfig, LlamaEngineOptionsInput } from './options.js';
import { PromptError, promptOf } from './prompt.js';
import { GenerationRequestSchema } from './request.js';
import type { GenerationRequestInput, GenerationSink } from './request.js';
import { llamaRuntime } from './runtime.js';
import type { LlamaLogger } from './runtime.js';
import { planStep } from './step-plan.js';
import { kvCells, pickSlot } from './slots.js';
import type { Slot } from './slots.js';
import type { EngineCapabilities, EngineCounters, ModelInfo } from './types.js';

export interface LlamaEngineDeps {
  /** Milliseconds, for timings and observations. @default performance.now */
  clock?: () => number;
  /** Receives llama.cpp's warnings and errors, and sinks that throw. @default none (dropped) */
  logger?: LlamaLogger;
}

class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Loaded {
  config: LlamaEngineConfig;
  info: ModelInfo;
  model: LlamaModel;
  context: LlamaContext;
  chat: ChatWrapper | undefined;
  clock: () => number;
  logger: LlamaLogger | undefined;
  observed: boolean;
}

export class LlamaEngine {
  readonly capabilities: EngineCapabilities;
  readonly model: ModelInfo;
  private readonly config: LlamaEngineConfig;
  private readonly llamaModel: LlamaModel;
  private readonly context: LlamaContext;
  private readonly chat: ChatWrapper | undefined;
  private readonly clock: () => number;
  private readonly logger: LlamaLogger | undefined;
  private readonly gen: GenerationContext;
  private readonly slots: Slot[];
  /** Running requests in the order they got a sequence (prefill chunks go oldest first). */
  private readonly active: Slot[] = [];
  private readonly queue: Generation[] = [];
  private readonly byId = new Map<string, Generation>();
  private readonly listeners = new Set<(o: IterationObservation) => void>();
  /** The step in progress (or just ended, until the next one starts): its decodes, summed. */
  private stepObs: IterationObservation | undefined;
  private readonly totals = {
    promptTokens: 0,
    cachedPromptTokens: 0,
    generatedTokens: 0,
    finished: 0,
    cancelled: 0,
    failed: 0,
    decodeCalls: 0,
  };
  private loop: Promise<void> | undefined;
  private accepting = true;
  private closed = false;

  private constructor(l: Loaded) {
    this.config = l.config;
    this.model = l.info;
    this.llamaModel = l.model;
    this.context = l.context;
    this.chat = l.chat;
    this.clock = l.clock;
    this.logger = l.logger;
    this.slots = Array.from({ length: l.config.maxSequences }, () => ({
      seq: l.context.getSequence(),
      gen: undefined,
      lastUsedMs: 0,
    }));
    const noEogBias = new TokenBias(l.model.tokenizer);
    for (const t of l.info.eogTokens) noEogBias.set(t as Token, 'never');
    this.gen = { model: l.model, clock: l.clock, contextSize: l.config.contextSize, noEogBias };
    this.capabilities = Object.freeze({
      stop: true,
      sampling: true,
      seed: true,
      ignoreEos: true,
      logprobs: true,
      chatTemplate: l.chat !== undefined,
      maxContextTokens: l.config.contextSize,
      maxSequences: l.config.maxSequences,
      prefixCache: l.config.prefixCache,
      pdSplit: false,
      splitPrefill: false,
      observations: l.observed ? 'per-decode' : 'none',
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
      });
      const ref: { engine?: LlamaEngine } = {};
      const observed = observeDecodes(context, clock, (o) => ref.engine?.decoded(o));
      const info = loadedModelInfo(model, config.modelPath);
      const chat = chatWrapperFor(model);
      ref.engine = new LlamaEngine({
        config,
        info,
        model,
        context,
        chat,
        clock,
        logger: deps.logger,
        observed,
      });
      return ref.engine;
    } catch (e) {
      await model.dispose();
      throw e;
    }
  }

  /** Most tokens in one llama_decode (prompt chunks plus one per decoding request). */
  get batchSize(): number {
    return this.config.batchSize;
  }

  /**
   * Subscribes to per-step observations (one per engine iteration: its llama_decode batch and the
   * whole step's time); returns the unsubscribe function.
   */
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
    let gen: Generation;
    try {
      gen = this.admit(input, sink);
    } catch (e) {
      const err = e instanceof RequestError ? e : new RequestError('internal', String(e));
      const requestId = typeof input?.requestId === 'string' ? input.requestId : '';
      const retryable = ERROR_TABLE[err.code].retryable;
      queueMicrotask(() =>
        sink({ type: 'error', requestId, code: err.code, message: err.message, retryable }),
      );
      return;
    }
    this.byId.set(gen.id, gen);
    this.queue.push(gen);
    this.assign();
    this.kick();
  }

  /** Stops a request (waiting or running); its KV is cleared before its `done` (cancelled). */
  cancel(requestId: string): boolean {
    const gen = this.byId.get(requestId);
    if (gen === undefined) return false;
    gen.cancelled = true;
    const i = this.queue.indexOf(gen);
    if (i !== -1) {
      this.queue.splice(i, 1);
      this.finish(gen, { finishReason: 'cancelled' });
    } else this.kick(); // running: removed at the next step boundary
    return true;
  }

  /**
   * Where one request stands: waiting for a sequence, or running with `prefilledTokens` of its
   * `promptTokens` in the KV (cached ones included); undefined when the engine does not hold it.
   */
  progress(
    requestId: string,
  ): { phase: 'waiting' | 'running'; promptTokens: number; prefilledTokens: number } | undefined {
    const gen = this.byId.get(requestId);
    if (gen === undefined) return undefined;
    return {
      phase: gen.assignedMs === undefined ? 'waiting' : 'running',
      promptTokens: gen.promptTokens.length,
      prefilledTokens: gen.evaluated,
    };
  }

  counters(): EngineCounters {
    const { used, cached } = kvCells(this.slots);
    return {
      running: this.active.length,
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
    while (this.loop !== undefined) await this.loop;
  }

  /** Cancels everything, waits for it, and frees the context and the model. Idempotent. */
  async close(): Promise<void> {
    this.accepting = false;
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.byId.keys()]) this.cancel(id);
    while (this.loop !== undefined) await this.loop;
    await this.context.dispose();
    await this.llamaModel.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private admit(input: GenerationRequestInput, sink: GenerationSink): Generation {
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
    if (this.byId.has(request.requestId))
      throw new RequestError(
        'duplicate',
        `request id ${request.requestId} is already running or waiting`,
      );
    let prompt: ReturnType<typeof promptOf>;
    try {
      prompt = promptOf(request, this.llamaModel, this.model, this.chat);
    } catch (e) {
      if (e instanceof PromptError) throw new RequestError('bad_request', e.message);
      throw e;
    }
    if (prompt.tokens.length >= this.config.contextSize)
      throw new RequestError(
        'bad_request',
        `the prompt has ${prompt.tokens.length} tokens; a sequence holds ${this.config.contextSize} (prompt + output)`,
      );
    if (this.queue.length >= this.config.maxWaiting && this.active.length === this.slots.length)
      throw new RequestError(
        'overloaded',
        `${this.queue.length} requests are waiting (maxWaiting)`,
      );
    return new Generation(
      request,
      sink,
      prompt.tokens,
      [...request.stop, ...prompt.stops],
      this.gen,
    );
  }

  /** Starts the step loop unless it runs. */
  private kick(): void {
    this.loop ??= this.steps()
      .catch((e: unknown) => this.logger?.error({ err: e }, 'llama engine step loop failed'))
      .finally(() => {
        this.loop = undefined;
        if (this.queue.length > 0 || this.active.length > 0) this.kick();
      });
  }

  private async steps(): Promise<void> {
    this.busySinceStepEnd = false;
    try {
      for (;;) {
        this.assign();
        await this.dropCancelled();
        await this.trimReused();
        if (this.active.length === 0) return;
        await this.step();
      }
    } finally {
      this.busySinceStepEnd = false;
    }
  }

  /** When the last step's observation was taken (its decode, sampling and token events done). */
  private lastStepEndMs = 0;
  /** The step loop has run without pause since `lastStepEndMs`: the next step starts there. */
  private busySinceStepEnd = false;

  /** Reports the step in progress as ending at `endMs`, if it decoded anything. */
  private endStep(endMs: number): void {
    const o = this.stepObs;
    this.stepObs = undefined;
    if (o === undefined || o.decodeCalls === 0) return;
    o.durationMs = Math.max(o.decodeMs, endMs - o.startMs);
    this.totals.decodeCalls += o.decodeCalls;
    for (const l of this.listeners) l(o);
  }

  /**
   * Gives waiting requests free sequences (synchronously, so counters are exact): the idle one
   * sharing the longest prompt prefix, least recently used on a tie.
   */
  private assign(): void {
    while (this.queue.length > 0) {
      const free = this.slots.filter((s) => s.gen === undefined);
      if (free.length === 0) return;
      const gen = this.queue.shift()!;
      const { slot: best, keep: bestKeep } = pickSlot(
        free,
        gen.promptTokens,
        this.config.prefixCache,
      );
      best.gen = gen;
      gen.assignedMs = this.clock();
      gen.cachedPromptTokens = bestKeep;
      gen.evaluated = gen.cachedPromptTokens;
      this.active.push(best);
    }
  }

  /** Erases what newly assigned sequences hold beyond the prefix their request reuses. */
  private async trimReused(): Promise<void> {
    for (const slot of this.active) {
      const gen = slot.gen!;
      const fresh = gen.completionTokens === 0 && gen.evaluated === gen.cachedPromptTokens;
      if (fresh && slot.seq.nextTokenIndex > gen.evaluated)
        await slot.seq.eraseContextTokenRanges([
          { start: gen.evaluated, end: slot.seq.nextTokenIndex },
        ]);
    }
  }

  private async dropCancelled(): Promise<void> {
    for (const slot of [...this.active]) {
      if (slot.gen?.cancelled === true) await this.release(slot, { finishReason: 'cancelled' });
    }
  }

  /** One llama_decode: every decoding request's token and the prompt chunks that fit. */
  private async step(): Promise<void> {
    // An iteration lasts from the previous one's end while the engine stays busy: freeing
    // finished sequences and the loop's bookkeeping belong to the engine's time too.
    this.stepObs = {
      startMs: this.busySinceStepEnd ? this.lastStepEndMs : this.clock(),
      durationMs: 0,
      decodeMs: 0,
      decodeCalls: 0,
      prefillTokens: 0,
      decodeTokens: 0,
      sequences: 0,
      contextTokens: 0,
      prefillAttnWork: 0,
      decodeContextTokens: 0,
    };
    const gens = this.active.map((s) => s.gen!);
    const prefill = planStep(gens, this.config.batchSize);
    const calls = this.active.map(async (slot, i) => {
      const gen = slot.gen!;
      if (!gen.decoding && prefill[i] === 0) return undefined;
      const input = gen.stepInput(prefill[i]!);
      const out = await slot.seq.controlledEvaluate(input);
      return gen.accept(out[input.length - 1]);
    });
    const results = await Promise.allSettled(calls);
    // Observed before finished requests are released, so a `done` never precedes its step.
    this.lastStepEndMs = this.clock();
    this.busySinceStepEnd = true;
    this.endStep(this.lastStepEndMs);
    const slots = [...this.active];
    for (const [i, r] of results.entries()) {
      const slot = slots[i]!;
      if (r.status === 'rejected') await this.release(slot, undefined, r.reason);
      else if (r.value !== undefined) await this.release(slot, r.value);
    }
  }

  /** Ends a running request: clears or keeps its KV, frees the sequence, reports the end. */
  private async release(slot: Slot, finish: Finish | undefined, error?: unknown): Promise<void> {
    const gen = slot.gen!;
    const keepKv =
      finish !== undefined && finish.finishReason !== 'cancelled' && this.config.prefixCache;
    if (!keepKv) await slot.seq.clearHistory().catch(() => undefined);
    slot.gen = undefined;
    slot.lastUsedMs = this.clock();
    this.active.splice(this.active.indexOf(slot), 1);
    if (finish !== undefined) this.finish(gen, finish);
    else this.fail(gen, error);
  }

  private finish(gen: Generation, finish: Finish): void {
    this.byId.delete(gen.id);
    this.totals.promptTokens += gen.promptTokens.length;
    this.totals.cachedPromptTokens += gen.cachedPromptTokens;
    this.totals.generatedTokens += gen.completionTokens;
    if (finish.finishReason === 'cancelled') this.totals.cancelled++;
    else this.totals.finished++;
    gen.done(finish);
  }

  private fail(gen: Generation, e: unknown): void {
    this.byId.delete(gen.id);
    this.totals.failed++;
    this.totals.generatedTokens += gen.completionTokens;
    gen.failed(`llama.cpp failed: ${e instanceof Error ? e.message : String(e)}`);
  }

  /** One llama_decode of the step in progress (outside a step: a step of its own). */
  private decoded(d: DecodeObservation): void {
    const own = this.stepObs === undefined;
    const o = (this.stepObs ??= { ...d, decodeMs: 0, decodeCalls: 0 });
    if (!own) {
      o.prefillTokens += d.prefillTokens;
      o.decodeTokens += d.decodeTokens;
      o.sequences += d.sequences;
      o.contextTokens += d.contextTokens;
      o.prefillAttnWork += d.prefillAttnWork;
      o.decodeContextTokens += d.decodeContextTokens;
    }
    o.decodeMs += d.durationMs;
    o.decodeCalls++;
    if (own) this.endStep(d.startMs + d.durationMs);
  }
}
