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
   * How the trace's output length is forced: `ignore-eos` sends `max_tokens` + `ignore_eos`
   * (vLLM's convention; the server also sees the length as a cap), `adagen` sends
   * `adagen_output_tokens` and no `max_tokens` (the scheduler does not see the length).
   */
  readonly outputMode: OutputMode;
}

export function requestBody(r: TraceRequest, o: BodyOptions): Record<string, unknown> {
  const length =
    o.outputMode === 'adagen'
      ? { adagen_output_tokens: r.outputTokens }
      : { max_tokens: r.outputTokens, ignore_eos: true, min_tokens: r.outputTokens };
  const common = {
    model: o.model,
    stream: true,
    stream_options: { include_usage: true },
    ...length,
  };
  if (o.endpoint === 'chat')
    return { ...common, messages: [{ role: 'user', content: promptText(r.promptTokens) }] };
  const prompt =
    o.promptFormat === 'tokens' ? promptIds(r.promptTokens) : promptText(r.promptTokens);
  return { ...common, prompt };
}
