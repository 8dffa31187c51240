/** The request body for one trace request. */
import type { TraceRequest } from '@adagen/workloads';
import type { PromptFormat } from './prompt.js';
import { promptIds, promptText } from './prompt.js';

export const OUTPUT_MODES = ['ignore-eos', 'adagen'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];
export const ENDPOINTS = ['completions', 'chat'] as const;
export type ReplayEndpoint = (typeof ENDPOINTS)[number];

export interface BodyOptions {
  readonly model: string;
  readonly endpoint: ReplayEndpoint;
  readonly promptFormat: PromptFormat;
  /**
   * How the trace's output length is forced: `adagen` sends the length only as
   * `adagen_output_tokens` (an engine-side hint no policy reads) beside the realistic cap
   * `max_tokens` = {@link maxTokensCap}; `ignore-eos` sends `max_tokens` = the length with
   * `ignore_eos` (vLLM's convention — a router in front sees every request's true length).
   */
  readonly outputMode: OutputMode;
  /** `adagen` mode: the `max_tokens` every request carries, the same for all (a client's cap). */
  readonly maxTokensCap: number;
  /** The server's context (`max_model_len` of /v1/models), when known: the cap fits in it. */
  readonly maxModelLen?: number;
}

/**
 * A realistic client cap for a workload: the smallest power of two at least 256 that covers its
 * longest output — one number for every request, so it says nothing about any one of them.
 */
export function defaultMaxTokensCap(outputTokens: Iterable<number>): number {
  let longest = 1;
  for (const n of outputTokens) longest = Math.max(longest, n);
  let cap = 256;
  while (cap < longest) cap *= 2;
  return cap;
}

/** The `max_tokens` of a request in `adagen` mode: the cap, within the context left by its prompt. */
export function maxTokensOf(r: TraceRequest, o: BodyOptions): number {
  const room = o.maxModelLen === undefined ? Infinity : o.maxModelLen - r.promptTokens;
  return Math.max(1, Math.min(o.maxTokensCap, room));
}

export function requestBody(r: TraceRequest, o: BodyOptions): Record<string, unknown> {
  const cap = maxTokensOf(r, o);
  // A length over the cap (a long prompt in a short context) is cut at it, as the engine would.
  const length =
    o.outputMode === 'adagen'
      ? { max_tokens: cap, adagen_output_tokens: Math.min(r.outputTokens, cap) }
      : { max_tokens: r.outputTokens, ignore_eos: true, min_tokens: r.outputTokens };
  const common = {
    model: o.model,
    stream: true,
    stream_options: { include_usage: true },
    ...length,
  };
  if (o.endpoint === 'chat')
    return { ...common, messages: [{ role: 'user', content: promptText(r) }] };
  const prompt = o.promptFormat === 'tokens' ? promptIds(r) : promptText(r);
  return { ...common, prompt };
}
