/**
 * One request's generation, advanced one engine step at a time: which tokens it puts into the
 * next llama_decode (a prompt chunk, or its last sampled token), and what it makes of the token
 * sampled for it (first-token event, streamed text with held-back stop strings, finish).
 */
import { randomInt } from 'node:crypto';
import { ERROR_TABLE } from '@adagen/protocol';
import type {
  ControlledEvaluateIndexOutput,
  ControlledEvaluateInputItem,
  LlamaModel,
  Token,
  TokenBias,
} from 'node-llama-cpp';
import type { FinishReason, GenerationRequest, GenerationSink, TokenLogprob } from './request.js';
import { StopMatcher } from './stop-matcher.js';
import { TextStream } from './text-stream.js';

export interface GenerationContext {
  readonly model: LlamaModel;
  readonly clock: () => number;
  /** Tokens one sequence holds. */
  readonly contextSize: number;
  /** Bias forbidding every end-of-generation token (for ignoreEos). */
  readonly noEogBias: TokenBias;
}

export interface Finish {
  finishReason: FinishReason;
  stop?: string;
}

/** Mixes a request seed with a step number: each step's sampler gets its own reproducible seed. */
function stepSeed(seed: number, step: number): number {
  let z = (seed + Math.imul(step + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export class Generation {
  readonly submittedMs: number;
  assignedMs: number | undefined;
  firstTokenMs: number | undefined;
  /** Prompt tokens whose KV came from an earlier request. */
  cachedPromptTokens = 0;
  /** Prompt tokens in the KV so far (cached + evaluated). */
  evaluated = 0;
  completionTokens = 0;
  cancelled = false;
  private next: Token | undefined;
  private readonly seed: number;
  private readonly limit: number;
  private readonly text: TextStream;
  private readonly matcher: StopMatcher;
  private held = 0;
  private heldLogprobs: TokenLogprob[] = [];

  constructor(
    readonly request: GenerationRequest,
    readonly sink: GenerationSink,
    readonly promptTokens: readonly Token[],
    stops: readonly string[],
    private readonly ctx: GenerationContext,
  ) {
    this.submittedMs = ctx.clock();
    this.seed = request.sampling.seed ?? randomInt(0, 2 ** 32);
    this.limit = Math.min(request.maxTokens, ctx.contextSize - promptTokens.length);
    this.text = new TextStream((t, last) =>
      ctx.model.detokenize(t as Token[], false, last as Token[]),
    );
    this.matcher = new StopMatcher(stops);
  }

  get id(): string {
    return this.request.requestId;
  }

  /** Past the prompt: each step evaluates the last sampled token. */
  get decoding(): boolean {
    return this.next !== undefined;
  }

  /** Prompt tokens not yet evaluated (0 once decoding). */
  get prefillLeft(): number {
    return this.promptTokens.length - this.evaluated;
  }

  /** This step's input: up to `prefillBudget` prompt tokens, or the last sampled token. */
  stepInput(prefillBudget: number): ControlledEvaluateInputItem[] {
    if (this.next !== undefined) return [[this.next, { generateNext: this.sampleOptions() }]];
    const n = Math.min(prefillBudget, this.prefillLeft);
    const items: ControlledEvaluateInputItem[] = this.promptTokens.slice(
      this.evaluated,
      this.evaluated + n,
    );
    if (this.evaluated + n === this.promptTokens.length)
      items[n - 1] = [items[n - 1] as Token, { generateNext: this.sampleOptions() }];
    this.evaluated += n;
    return items;
  }

  private sampleOptions() {
    const r = this.request;
    return {
      token: true,
      confidence: r.logprobs !== undefined,
      probabilities: (r.logprobs ?? 0) > 0,
      options: {
        temperature: r.sampling.temperature,
        topP: r.sampling.topP,
        topK: r.sampling.topK,
        seed: stepSeed(this.seed, this.completionTokens),
        ...(r.ignoreEos ? { tokenBias: this.ctx.noEogBias } : {}),
      },
    };
  }

  /** Takes the step's output (the last input's `next`); returns how it finished, if it did. */
  accept(output: ControlledEvaluateIndexOutput | undefined): Finish | undefined {
    const token = output?.next.token;
    if (token === undefined) return undefined; // a prompt chunk with more to come
    if (token === null) return { finishReason: 'stop' };
    this.completionTokens++;
    this.held++;
    if (this.request.logprobs !== undefined) this.heldLogprobs.push(this.logprobOf(token, output!));
    if (this.completionTokens === 1) this.firstToken();
    if (!this.request.ignoreEos && this.ctx.model.isEogToken(token))
      return this.end({ finishReason: 'stop' });
    const pushed = this.matcher.push(this.text.push(token));
    if (pushed.type === 'stop') {
      this.emit(pushed.text);
      return { finishReason: 'stop', stop: pushed.stop };
    }
    if (pushed.text !== '') this.emit(pushed.text);
    if (this.completionTokens >= this.limit) return this.end({ finishReason: 'length' });
    this.next = token;
    return undefined;
  }

  /** The terminal `done` event. */
  done(finish: Finish): void {
    const now = this.ctx.clock();
    this.sink({
      type: 'done',
      requestId: this.id,
      finishReason: finish.finishReason,
      ...(finish.stop === undefined ? {} : { stop: finish.stop }),
      usage: {
        promptTokens: this.promptTokens.length,
        completionTokens: this.completionTokens,
        cachedPromptTokens: this.cachedPromptTokens,
      },
      timings: {
        queueMs: (this.assignedMs ?? now) - this.submittedMs,
        ttftMs: this.firstTokenMs === undefined ? undefined : this.firstTokenMs - this.submittedMs,
        totalMs: now - this.submittedMs,
      },
    });
  }

  /** The terminal `error` event for an engine failure (retryable: another instance may work). */
  failed(message: string): void {
    this.sink({
      type: 'error',
      requestId: this.id,
      code: 'internal',
      message,
      retryable: ERROR_TABLE.internal.retryable,
    });
  }

  private firstToken(): void {
    this.firstTokenMs = this.ctx.clock();
    this.sink({
      type: 'first-token',
      requestId: this.id,
      promptTokens: this.promptTokens.length,
      cachedPromptTokens: this.cachedPromptTokens,
      queueMs: (this.assignedMs ?? this.submittedMs) - this.submittedMs,
      ttftMs: this.firstTokenMs - this.submittedMs,
    });
  }

  /** Ended by length or an end-of-generation token: release what was held back. */
  private end(finish: Finish): Finish {
    const tail = this.matcher.push(this.text.flush());
    if (tail.type === 'stop') {
      this.emit(tail.text);
      return { finishReason: 'stop', stop: tail.stop };
    }
    const rest = tail.text + this.matcher.flush();
    if (rest !== '' || this.held > 0) this.emit(rest);
    return finish;
  }

  private emit(text: string): void {
    this.sink({
      type: 'chunk',
      requestId: this.id,
      text,
      tokens: this.held,
      ...(this.request.logprobs === undefined ? {} : { logprobs: this.heldLogprobs }),
    });
    this.held = 0;
    this.heldLogprobs = [];
  }

  private logprobOf(token: Token, output: ControlledEvaluateIndexOutput): TokenLogprob {
    const text = (t: Token) => this.ctx.model.detokenize([t], false);
    const top: TokenLogprob['top'] = [];
    for (const [t, p] of output.next.probabilities ?? []) {
      if (top.length >= (this.request.logprobs ?? 0)) break;
      top.push({ token: t, text: text(t), logprob: Math.log(p) });
    }
    return { token, text: text(token), logprob: Math.log(output.next.confidence ?? NaN), top };
  }
}
