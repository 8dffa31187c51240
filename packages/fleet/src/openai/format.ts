/** OpenAI response shapes: completions and chat, whole and as SSE chunks; errors; models. */
import type { AdagenError, FinishReason } from '@adagen/protocol';
import type { OpenAiEndpoint } from './schema.js';

export interface ResponseMeta {
  readonly id: string;
  readonly endpoint: OpenAiEndpoint;
  readonly model: string;
  /** Unix seconds. */
  readonly created: number;
}

export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

function usageJson(u: Usage) {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
  };
}

/** `cmpl-…` for completions, `chatcmpl-…` for chat. */
export function responseId(endpoint: OpenAiEndpoint, requestId: string): string {
  return `${endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${requestId}`;
}

/** A whole (non-streaming) response. */
export function completionResponse(
  meta: ResponseMeta,
  text: string,
  finishReason: FinishReason,
  usage: Usage,
): Record<string, unknown> {
  const head = { id: meta.id, created: meta.created, model: meta.model };
  if (meta.endpoint === 'chat')
    return {
      ...head,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage: usageJson(usage),
    };
  return {
    ...head,
    object: 'text_completion',
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
    usage: usageJson(usage),
  };
}

/** One streamed chunk: text (or the role, for chat's first chunk) and/or the finish reason. */
export function streamChunk(
  meta: ResponseMeta,
  part: { text?: string; role?: boolean; finishReason?: FinishReason },
): Record<string, unknown> {
  const head = { id: meta.id, created: meta.created, model: meta.model };
  const finish_reason = part.finishReason ?? null;
  if (meta.endpoint === 'chat') {
    const delta: Record<string, string> = {};
    if (part.role === true) delta.role = 'assistant';
    if (part.text !== undefined) delta.content = part.text;
    return {
      ...head,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, logprobs: null, finish_reason }],
    };
  }
  return {
    ...head,
    object: 'text_completion',
    choices: [{ index: 0, text: part.text ?? '', logprobs: null, finish_reason }],
  };
}

/**
 * The SSE event of a text-only streamed chunk, as `sseData(streamChunk(meta, { text }))` writes it,
 * with the response's constant part serialised once: the returned function only escapes the
 * text (the token path calls it for every chunk of every stream).
 */
export function textEventWriter(meta: ResponseMeta): (text: string) => string {
  const marker = '\u0000text\u0000';
  const whole = sseData(streamChunk(meta, { text: marker }));
  const quoted = JSON.stringify(marker);
  const at = whole.lastIndexOf(quoted); // the text comes after the id and the model
  const head = whole.slice(0, at);
  const tail = whole.slice(at + quoted.length);
  return (text) => head + JSON.stringify(text) + tail;
}

/** The final usage chunk (`stream_options.include_usage`). */
export function usageChunk(meta: ResponseMeta, usage: Usage): Record<string, unknown> {
  return {
    id: meta.id,
    created: meta.created,
    model: meta.model,
    object: meta.endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    choices: [],
    usage: usageJson(usage),
  };
}

/** OpenAI's error body. */
export function errorBody(error: AdagenError, param: string | null = null) {
  return {
    error: { message: error.message, type: error.openaiType, param, code: error.code },
  };
}

/** `data: <json>\n\n` */
export function sseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/** One model, as vLLM's `/v1/models` lists it (with `max_model_len` when the fleet knows it). */
export function modelCard(id: string, createdS: number, maxModelLen: number | undefined) {
  return {
    id,
    object: 'model',
    created: createdS,
    owned_by: 'adagen',
    root: id,
    parent: null,
    ...(maxModelLen === undefined ? {} : { max_model_len: maxModelLen }),
  };
}

export function modelsList(
  models: readonly string[],
  createdS: number,
  maxModelLen: number | undefined,
) {
  return { object: 'list', data: models.map((id) => modelCard(id, createdS, maxModelLen)) };
}
