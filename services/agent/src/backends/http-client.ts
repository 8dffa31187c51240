/**
 * Talking to an OpenAI-compatible engine: the body a dispatched request becomes (vLLM's field
 * names; llama.cpp's `llama-server` and SGLang read the same), and the engine's answers —
 * server-sent events of a streamed completion, a whole completion, an error body.
 */
import { AdagenError, errorCodeForStatus } from '@adagen/protocol';
import type { DispatchRequest } from '@adagen/protocol';

export interface EngineCall {
  readonly path: '/v1/completions' | '/v1/chat/completions';
  readonly body: Record<string, unknown>;
}

export interface EngineBodyOptions {
  /** The model name the engine serves (default: the request's). */
  readonly model?: string;
  readonly stream: boolean;
  /** Overrides the request's token limit (a P/D prefill leg asks for 1). */
  readonly maxTokens?: number;
  /** Engine-specific fields added as they are (kv_transfer_params, bootstrap_*). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The OpenAI request for a dispatched request. @throws AdagenError when it carries no prompt. */
export function engineCall(r: DispatchRequest, o: EngineBodyOptions): EngineCall {
  const chat = r.endpoint === 'chat' || (r.endpoint === undefined && r.messages !== undefined);
  const body: Record<string, unknown> = { model: o.model ?? r.model };
  if (chat) {
    if (r.messages === undefined)
      throw new AdagenError('bad_request', 'a chat request reached the agent without messages');
    body.messages = r.messages.map((m) => ({
      role: m.role,
      content: m.content,
      ...(m.name === undefined ? {} : { name: m.name }),
    }));
  } else if (r.promptTokenIds !== undefined) body.prompt = [...r.promptTokenIds];
  else if (r.prompt !== undefined) body.prompt = r.prompt;
  else throw new AdagenError('bad_request', 'the request reached the agent without its prompt');
  const target = r.targetOutputTokens;
  body.max_tokens = o.maxTokens ?? target ?? r.maxTokens;
  // Load testing: exactly max_tokens tokens (vLLM's and llama-server's ignore_eos).
  if (target !== undefined && o.maxTokens === undefined) body.ignore_eos = true;
  const s = r.sampling ?? {};
  if (s.temperature !== undefined) body.temperature = s.temperature;
  if (s.topP !== undefined) body.top_p = s.topP;
  if (s.topK !== undefined) body.top_k = s.topK;
  if (s.minP !== undefined) body.min_p = s.minP;
  if (s.frequencyPenalty !== undefined) body.frequency_penalty = s.frequencyPenalty;
  if (s.presencePenalty !== undefined) body.presence_penalty = s.presencePenalty;
  if (s.repetitionPenalty !== undefined) body.repetition_penalty = s.repetitionPenalty;
  if (s.minTokens !== undefined && o.maxTokens === undefined) body.min_tokens = s.minTokens;
  if (s.stop !== undefined) body.stop = [...s.stop];
  if (s.seed !== undefined) body.seed = s.seed;
  body.stream = o.stream;
  if (o.stream) body.stream_options = { include_usage: true };
  Object.assign(body, o.extra);
  return { path: chat ? '/v1/chat/completions' : '/v1/completions', body };
}

/** One piece of an engine's answer. */
export interface EnginePiece {
  /** Generated text of this chunk ('' for a chunk that only ends or only reports usage). */
  readonly text: string;
  /**
   * The chunk carries a token (possibly with empty text: bytes of a character held back), not
   * only the chat role, the finish reason or usage.
   */
  readonly token: boolean;
  readonly finishReason?: string;
  readonly usage?: { promptTokens?: number; completionTokens?: number };
  /** vLLM's P/D fields in a whole response. */
  readonly kvTransferParams?: Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads one completion object (whole or a streamed chunk). @throws AdagenError on a bad shape. */
export function pieceOf(json: unknown): EnginePiece {
  if (!isRecord(json)) throw new AdagenError('instance_failed', 'engine sent a non-object chunk');
  if (isRecord(json.error))
    throw new AdagenError(
      'instance_failed',
      `engine error: ${typeof json.error.message === 'string' ? json.error.message : JSON.stringify(json.error).slice(0, 200)}`,
    );
  const choices = Array.isArray(json.choices) ? (json.choices as unknown[]) : [];
  const c = choices[0];
  let text = '';
  let finishReason: string | undefined;
  let roleOnly = false;
  if (isRecord(c)) {
    const delta = isRecord(c.delta) ? c.delta : isRecord(c.message) ? c.message : undefined;
    const t = delta !== undefined ? delta.content : c.text;
    if (typeof t === 'string') text = t;
    if (typeof c.finish_reason === 'string') finishReason = c.finish_reason;
    // Chat's first chunk names the role, with empty (or null) content: not a token.
    roleOnly = delta !== undefined && typeof delta.role === 'string' && text === '';
  }
  const u = isRecord(json.usage) ? json.usage : undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const usage =
    u === undefined
      ? undefined
      : {
          ...(num(u.prompt_tokens) === undefined ? {} : { promptTokens: num(u.prompt_tokens) }),
          ...(num(u.completion_tokens) === undefined
            ? {}
            : { completionTokens: num(u.completion_tokens) }),
        };
  return {
    text,
    token: isRecord(c) && !roleOnly && !(text === '' && finishReason !== undefined),
    ...(finishReason === undefined ? {} : { finishReason }),
    ...(usage === undefined ? {} : { usage }),
    ...(isRecord(json.kv_transfer_params) ? { kvTransferParams: json.kv_transfer_params } : {}),
  };
}

/**
 * The `data:` payloads of a server-sent event stream, as they arrive; stops at `[DONE]`.
 * @throws AdagenError on a payload that is not JSON.
 */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    for (;;) {
      const end = buffer.search(/\r?\n\r?\n/);
      if (end < 0) break;
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data === '') continue;
      if (data === '[DONE]') return;
      try {
        yield JSON.parse(data) as unknown;
      } catch {
        throw new AdagenError(
          'instance_failed',
          `engine sent an event that is not JSON: ${data.slice(0, 120)}`,
        );
      }
    }
  }
}

/** An engine's error answer as an AdagenError (its status mapped; its message kept). */
export async function engineError(res: Response): Promise<AdagenError> {
  const text = await res.text().catch(() => '');
  let message = text.slice(0, 300);
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
    const m = j.error?.message ?? j.message;
    if (typeof m === 'string') message = m;
  } catch {
    // not JSON: the text itself
  }
  const code = res.status === 400 ? 'bad_request' : errorCodeForStatus(res.status);
  return new AdagenError(
    code === 'internal' ? 'instance_failed' : code,
    `engine answered ${res.status}: ${message}`,
  );
}
