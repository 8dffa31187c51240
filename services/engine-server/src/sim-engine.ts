/**
 * The simulated engine served in real time: `@adagen/engine`'s `SimInstance` (continuous
 * batching, chunked prefill, paged KV, the latency profile's iteration times) stepped on the
 * wall clock (× `timeScale`), with the text of the fleet's simulated agents (`simToken`, a
 * function of the request) and stop strings applied as a real engine applies them. Without
 * `ignoreEos` a request "meets its end of sequence" after a length drawn from its text seed
 * (8–256 tokens), capped by maxTokens.
 */
import { SimInstance, resolveEngineConfig } from '@adagen/engine';
import type { EngineConfig, EngineConfigInput, LatencyProfile } from '@adagen/engine';
import { StopMatcher, renderChat, simTextSeed, simToken } from '@adagen/fleet';
import type { EngineCounters, GenerationRequestInput, GenerationSink } from '@adagen/llama';
import { GenerationRequestSchema } from '@adagen/llama';
import { charsPerTokenTokenizer } from '@adagen/scheduler';
import type { ServedEngine, SubmitOptions } from './engine.js';

export interface SimEngineOptions {
  readonly profile: LatencyProfile;
  readonly engine?: EngineConfigInput;
  /** Simulated ms per wall ms. @default 1 */
  readonly timeScale?: number;
}

interface Running {
  readonly id: string;
  readonly sink: GenerationSink;
  readonly seed: number;
  readonly stop: StopMatcher | undefined;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly maxTokens: number;
  /** Decode leg of a P/D split: the engine's token 1 is the request's token 0. */
  readonly remotePrefill: boolean;
  readonly submittedAtMs: number;
  firstTokenAtMs: number | undefined;
  generated: number;
  done: boolean;
}

export class SimServedEngine implements ServedEngine {
  readonly backend = 'sim' as const;
  readonly config: EngineConfig;
  private readonly instance: SimInstance;
  private readonly requests = new Map<string, Running>();
  private readonly timeScale: number;
  private readonly originMs = performance.now();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly totals = {
    prompt: 0,
    generated: 0,
    finished: 0,
    cancelled: 0,
    failed: 0,
    preemptions: 0,
    iterations: 0,
  };

  constructor(o: SimEngineOptions) {
    this.timeScale = o.timeScale ?? 1;
    this.config = resolveEngineConfig(o.profile, o.engine ?? {});
    this.instance = new SimInstance({
      id: 'engine',
      profile: o.profile,
      config: o.engine ?? {},
      observer: {
        onToken: (id, index) => this.token(id, index),
        onFinished: (id) => this.finished(id),
        onRejected: (id, _at, reason) =>
          queueMicrotask(() =>
            this.fail(
              id,
              reason === 'prompt-too-long'
                ? `the prompt is longer than max_model_len ${this.config.maxModelLen}`
                : 'the request needs more KV cache than the engine has',
            ),
          ),
        onPreempted: () => {
          this.totals.preemptions += 1;
        },
      },
    });
  }

  get maxContextTokens(): number {
    return this.config.maxModelLen;
  }

  countTokens(text: string): number {
    return charsPerTokenTokenizer.countTokens(text);
  }

  /** Simulated ms now. */
  private nowMs(): number {
    return (performance.now() - this.originMs) * this.timeScale;
  }

  submit(input: GenerationRequestInput, sink: GenerationSink, options: SubmitOptions = {}): void {
    const parsed = GenerationRequestSchema.safeParse(input);
    const requestId = typeof input.requestId === 'string' ? input.requestId : '';
    const refuse = (message: string) =>
      queueMicrotask(() =>
        sink({ type: 'error', requestId, code: 'bad_request', message, retryable: false }),
      );
    if (!parsed.success) return refuse(`invalid request: ${parsed.error.issues[0]?.message}`);
    if (this.closed) return refuse('the engine is stopping');
    const r = parsed.data;
    if (this.requests.has(r.requestId)) return refuse(`request ${r.requestId} is already running`);
    const input2 = r.input;
    const promptTokens =
      input2.type === 'tokens'
        ? input2.tokens.length
        : this.countTokens(
            input2.type === 'text'
              ? input2.text
              : renderChat(input2.messages.map((m) => ({ role: m.role, content: m.content }))),
          );
    const seed = simTextSeed(
      input2.type === 'tokens'
        ? { promptTokenIds: input2.tokens, sampling: { seed: r.sampling.seed } }
        : input2.type === 'text'
          ? { prompt: input2.text, sampling: { seed: r.sampling.seed } }
          : { messages: input2.messages, sampling: { seed: r.sampling.seed } },
    );
    const outputTokens = r.ignoreEos ? r.maxTokens : Math.min(r.maxTokens, 8 + (seed % 249));
    const remote = options.remotePrefill === true;
    const run: Running = {
      id: r.requestId,
      sink,
      seed,
      stop: r.stop.length === 0 ? undefined : new StopMatcher(r.stop),
      promptTokens,
      outputTokens,
      maxTokens: r.maxTokens,
      remotePrefill: remote,
      submittedAtMs: this.nowMs(),
      firstTokenAtMs: undefined,
      generated: 0,
      done: false,
    };
    this.requests.set(r.requestId, run);
    this.totals.prompt += remote ? 0 : promptTokens;
    const now = this.nowMs();
    const meta = { maxTokens: r.maxTokens };
    if (remote)
      this.instance.enqueue(
        {
          kind: 'decode',
          id: r.requestId,
          promptTokens,
          outputTokens: outputTokens + 1,
          generatedTokens: 1,
          meta,
        },
        now,
      );
    else
      this.instance.enqueue(
        { kind: 'full', id: r.requestId, promptTokens, outputTokens, meta },
        now,
      );
    this.pump();
  }

  cancel(requestId: string): boolean {
    const run = this.requests.get(requestId);
    if (run === undefined) return false;
    this.instance.cancel(requestId);
    this.requests.delete(requestId);
    this.totals.cancelled += 1;
    this.end(run, 'cancelled');
    this.pump();
    return true;
  }

  counters(): EngineCounters {
    const snap = this.instance.snapshot();
    const c = this.config;
    return {
      running: snap.running.length,
      waiting: snap.waiting.length,
      kvCellsUsed: snap.kv.usedBlocks * c.blockSize,
      kvCellsCached: 0,
      kvCellsTotal: c.numGpuBlocks * c.blockSize,
      promptTokensTotal: this.totals.prompt,
      cachedPromptTokensTotal: 0,
      generatedTokensTotal: this.totals.generated,
      requestsFinished: this.totals.finished,
      requestsCancelled: this.totals.cancelled,
      requestsFailed: this.totals.failed,
      preemptionsTotal: this.totals.preemptions,
      decodeCallsTotal: this.totals.iterations,
    };
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const id of [...this.requests.keys()]) this.cancel(id);
    return Promise.resolve();
  }

  /** Runs the next iteration when there is work and none is running. */
  private pump(): void {
    if (this.timer !== undefined || this.closed || !this.instance.hasWork()) return;
    const now = this.nowMs();
    const endMs = this.instance.startIteration(now);
    if (endMs === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.totals.iterations += 1;
        this.instance.finishIteration();
        this.pump();
      },
      Math.max(0, (endMs - now) / this.timeScale),
    );
  }

  private token(id: string, engineIndex: number): void {
    const run = this.requests.get(id);
    if (run === undefined || run.done) return;
    const index = run.remotePrefill ? engineIndex - 1 : engineIndex;
    if (index < 0) return;
    const now = this.nowMs();
    if (run.firstTokenAtMs === undefined) {
      run.firstTokenAtMs = now;
      run.sink({
        type: 'first-token',
        requestId: id,
        promptTokens: run.promptTokens,
        cachedPromptTokens: 0,
        queueMs: 0,
        ttftMs: (now - run.submittedAtMs) / this.timeScale,
      });
    }
    run.generated += 1;
    this.totals.generated += 1;
    const raw = simToken(run.seed, index);
    const step = run.stop?.push(raw) ?? { emit: raw, stopped: false };
    run.sink({ type: 'chunk', requestId: id, text: step.emit, tokens: 1 });
    if (step.stopped) {
      // Off the engine once the iteration that produced it is done.
      queueMicrotask(() => {
        this.instance.cancel(id);
        this.pump();
      });
      this.requests.delete(id);
      this.totals.finished += 1;
      this.end(run, 'stop');
    }
  }

  private finished(id: string): void {
    const run = this.requests.get(id);
    if (run === undefined) return;
    this.requests.delete(id);
    this.totals.finished += 1;
    const rest = run.stop?.flush() ?? '';
    if (rest !== '') run.sink({ type: 'chunk', requestId: id, text: rest, tokens: 0 });
    this.end(run, run.generated >= run.maxTokens ? 'length' : 'stop');
  }

  private fail(id: string, message: string): void {
    const run = this.requests.get(id);
    if (run === undefined) return;
    this.requests.delete(id);
    this.totals.failed += 1;
    run.done = true;
    run.sink({ type: 'error', requestId: id, code: 'bad_request', message, retryable: false });
  }

  private end(run: Running, finishReason: 'stop' | 'length' | 'cancelled'): void {
    if (run.done) return;
    run.done = true;
    const now = this.nowMs();
    run.sink({
      type: 'done',
      requestId: run.id,
      finishReason,
      usage: {
        promptTokens: run.promptTokens,
        completionTokens: run.generated,
        cachedPromptTokens: 0,
      },
      timings: {
        queueMs: 0,
        ttftMs:
          run.firstTokenAtMs === undefined
            ? undefined
            : (run.firstTokenAtMs - run.submittedAtMs) / this.timeScale,
        totalMs: (now - run.submittedAtMs) / this.timeScale,
      },
    });
  }
}
