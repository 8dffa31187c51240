/** One request on one sequence: prefix reuse, evaluation, streaming, stop strings, finish. */
import type { LlamaContextSequence, LlamaModel, Token, TokenBias } from 'node-llama-cpp';
import type { FinishReason, GenerationRequest, GenerationSink, TokenLogprob } from './request.js';
import { sampled } from './sampled.js';
import { StopMatcher } from './stop-matcher.js';
import { TextStream } from './text-stream.js';

export interface Job {
  readonly request: GenerationRequest;
  readonly sink: GenerationSink;
  readonly promptTokens: readonly Token[];
  /** Stop strings: the request's and the chat template's. */
  readonly stops: readonly string[];
  readonly submittedMs: number;
  assignedMs?: number;
  firstTokenMs?: number;
  cachedPromptTokens: number;
  completionTokens: number;
  cancelled: boolean;
}

export interface RunContext {
  readonly model: LlamaModel;
  readonly clock: () => number;
  /** Tokens one sequence holds. */
  readonly contextSize: number;
  readonly prefixCache: boolean;
  /** Bias forbidding every end-of-generation token (for ignoreEos). */
  readonly noEogBias: TokenBias;
}

export interface RunResult {
  finishReason: FinishReason;
  stop?: string;
}

/** Erases what the sequence holds beyond the longest prefix it shares with the prompt. */
async function reusePrefix(
  seq: LlamaContextSequence,
  prompt: readonly Token[],
  enabled: boolean,
): Promise<number> {
  if (!enabled) {
    if (seq.nextTokenIndex > 0) await seq.clearHistory();
    return 0;
  }
  // Keep at least one prompt token to evaluate: its logits give the first output token.
  const keep = Math.min(
    seq.compareContextTokens([...prompt]).firstDifferentIndex,
    prompt.length - 1,
  );
  if (seq.nextTokenIndex > keep)
    await seq.eraseContextTokenRanges([{ start: keep, end: seq.nextTokenIndex }]);
  return keep;
}

/** Generates for `job` on `seq`, streaming chunks to its sink; returns how it finished. */
export async function runJob(
  job: Job,
  seq: LlamaContextSequence,
  ctx: RunContext,
): Promise<RunResult> {
  const { request, promptTokens } = job;
  job.cachedPromptTokens = await reusePrefix(seq, promptTokens, ctx.prefixCache);
  const limit = Math.min(request.maxTokens, ctx.contextSize - promptTokens.length);
  const text = new TextStream((t, last) =>
    ctx.model.detokenize(t as readonly Token[], false, last as readonly Token[]),
  );
  const matcher = new StopMatcher(job.stops);
  let held = 0;
  let heldLogprobs: TokenLogprob[] = [];
  const emit = (chunk: string, tokens: number) => {
    job.sink({
      type: 'chunk',
      requestId: request.requestId,
      text: chunk,
      tokens,
      ...(request.logprobs === undefined ? {} : { logprobs: heldLogprobs }),
    });
    heldLogprobs = [];
  };
  const it = sampled(seq, promptTokens.slice(job.cachedPromptTokens), request, ctx);
  let result: RunResult | undefined;
  try {
    while (result === undefined) {
      if (job.cancelled) return { finishReason: 'cancelled' };
      const next = await it.next();
      if (job.cancelled) return { finishReason: 'cancelled' };
      if (next.done === true) {
        result = { finishReason: 'stop' };
        break;
      }
      const { token, logprob } = next.value;
      job.completionTokens++;
      held++;
      if (logprob !== undefined) heldLogprobs.push(logprob);
      if (job.completionTokens === 1) {
        job.firstTokenMs = ctx.clock();
        job.sink({
          type: 'first-token',
          requestId: request.requestId,
          promptTokens: promptTokens.length,
          cachedPromptTokens: job.cachedPromptTokens,
          queueMs: (job.assignedMs ?? job.submittedMs) - job.submittedMs,
          ttftMs: job.firstTokenMs - job.submittedMs,
        });
      }
      if (!request.ignoreEos && ctx.model.isEogToken(token)) {
        result = { finishReason: 'stop' };
        break;
      }
      const piece = text.push(token);
      const pushed = matcher.push(piece);
      if (pushed.type === 'stop') {
        emit(pushed.text, held);
        return { finishReason: 'stop', stop: pushed.stop };
      }
      if (pushed.text !== '') {
        emit(pushed.text, held);
        held = 0;
      }
      if (job.completionTokens >= limit) result = { finishReason: 'length' };
    }
  } finally {
    await it.return();
  }
  // Ended by length or an end-of-generation token: release what was held back.
  const tail = matcher.push(text.flush());
  if (tail.type === 'stop') {
    emit(tail.text, held);
    return { finishReason: 'stop', stop: tail.stop };
  }
  const rest = tail.text + matcher.flush();
  if (rest !== '' || held > 0) emit(rest, held);
  return result;
}
