/**
 * The context check, before any byte is sent to the client: prompt plus `max_tokens` must fit
 * the model's context, and an omitted `max_tokens` is the room left in it — as vLLM does, and in
 * vLLM's words, with the numbers.
 */
import { AdagenError } from '@adagen/protocol';
import type { ClusterView } from '@adagen/scheduler';

/** The longest context a ready instance of the view offers, if any reports one. */
export function contextLimit(view: ClusterView): number | undefined {
  let best: number | undefined;
  for (const v of view.instances) {
    const len = v.snapshot.config.maxModelLen;
    if (v.status === 'ready' && len !== undefined) best = Math.max(best ?? 0, len);
  }
  return best;
}

/** `max_tokens` when neither the client nor the fleet says (no instance reports its context). */
export const FALLBACK_MAX_TOKENS = 2048;

/**
 * The request's cap on generated tokens: the client's, or the room left in the context.
 * @throws AdagenError `context_length_exceeded` (400) when it does not fit.
 */
export function fitToContext(
  promptTokens: number,
  maxTokens: number | undefined,
  maxModelLen: number | undefined,
): number {
  if (maxModelLen === undefined) return maxTokens ?? FALLBACK_MAX_TOKENS;
  const head = `This model's maximum context length is ${maxModelLen} tokens.`;
  if (maxTokens === undefined) {
    if (promptTokens >= maxModelLen)
      throw new AdagenError(
        'context_length_exceeded',
        `${head} However, you requested ${promptTokens} tokens in the messages. Please reduce the length of the messages.`,
      );
    return maxModelLen - promptTokens;
  }
  if (promptTokens + maxTokens > maxModelLen)
    throw new AdagenError(
      'context_length_exceeded',
      `${head} However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
    );
  return maxTokens;
}
