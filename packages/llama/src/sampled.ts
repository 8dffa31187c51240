/**
 * The tokens a sequence generates for a request, with their log-probabilities when asked.
 * Probabilities are node-llama-cpp's: after the request's sampling transforms (temperature,
 * top-k, top-p), so they are the model's raw distribution when temperature is 0 or 1 and
 * top-k / top-p are off.
 */
import type { LlamaContextSequence, LlamaModel, Token, TokenBias } from 'node-llama-cpp';
import type { GenerationRequest, TokenLogprob } from './request.js';

export interface Sampled {
  token: Token;
  logprob?: TokenLogprob;
}

interface SampleContext {
  readonly model: LlamaModel;
  readonly noEogBias: TokenBias;
}

const text = (model: LlamaModel, token: Token) => model.detokenize([token], false);

export async function* sampled(
  seq: LlamaContextSequence,
  tokens: Token[],
  request: GenerationRequest,
  ctx: SampleContext,
): AsyncGenerator<Sampled, void, undefined> {
  const options = {
    temperature: request.sampling.temperature,
    topP: request.sampling.topP,
    topK: request.sampling.topK,
    ...(request.sampling.seed === undefined ? {} : { seed: request.sampling.seed }),
    ...(request.ignoreEos ? { tokenBias: ctx.noEogBias } : {}),
    yieldEogToken: true,
  };
  const top = request.logprobs;
  if (top === undefined) {
    for await (const token of seq.evaluate(tokens, options)) yield { token };
    return;
  }
  // Full distributions only when alternatives are asked for (they cost a vocabulary sort).
  const meta = { confidence: true, probabilities: true } as const;
  const metaNoTop = { confidence: true } as const;
  const outputs =
    top > 0
      ? seq.evaluateWithMetadata(tokens, meta, options)
      : seq.evaluateWithMetadata(tokens, metaNoTop, options);
  for await (const o of outputs) {
    const alternatives: TokenLogprob['top'] = [];
    const probabilities =
      'probabilities' in o ? (o.probabilities as Map<Token, number>) : undefined;
    if (probabilities !== undefined) {
      for (const [t, p] of probabilities) {
        if (alternatives.length >= top) break;
        alternatives.push({ token: t, text: text(ctx.model, t), logprob: Math.log(p) });
      }
    }
    yield {
      token: o.token,
      logprob: {
        token: o.token,
        text: text(ctx.model, o.token),
        logprob: Math.log(o.confidence),
        top: alternatives,
      },
    };
  }
}
