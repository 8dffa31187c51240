/** From a validated OpenAI body to what the gateway puts on the wire. */
import { AdagenError, LIMITS, issuesFromZod } from '@adagen/protocol';
import type { SamplingParams } from '@adagen/protocol';
import type { z } from 'zod';
import type { ChatBody, CompletionsBody, OpenAiEndpoint } from './schema.js';
import { chatBodySchema, completionsBodySchema } from './schema.js';

export interface GatewayRequest {
  readonly endpoint: OpenAiEndpoint;
  readonly model: string;
  /** Prompt text (chat messages rendered with the Llama 3 template). */
  readonly prompt?: string;
  /** Prompt length when the client sent token ids. */
  readonly promptTokens?: number;
  readonly maxTokens: number;
  /** The client gave no max_tokens. */
  readonly maxTokensIsDefault: boolean;
  /** Load testing: produce exactly this many tokens. */
  readonly targetOutputTokens?: number;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly sampling?: SamplingParams;
  readonly user?: string;
}

export interface ParseLimits {
  /** max_tokens when the client gives none. */
  readonly defaultMaxTokens: number;
}

/** A 400 naming the first bad field (OpenAI's `param`). */
export class BadFieldError extends AdagenError {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super('bad_request', `${param}: ${message}`);
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const first = issuesFromZod(parsed.error)[0] ?? { path: '(root)', message: 'invalid body' };
  throw new BadFieldError(first.path, first.message);
}

/** Llama 3 chat template (the tokenizer adds the BOS token). */
export function renderChat(messages: ChatBody['messages']): string {
  let out = '';
  for (const m of messages) {
    const content =
      typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text).join('');
    out += `<|start_header_id|>${m.role}<|end_header_id|>\n\n${content}<|eot_id|>`;
  }
  return `${out}<|start_header_id|>assistant<|end_header_id|>\n\n`;
}

function sampling(b: CompletionsBody | ChatBody): SamplingParams | undefined {
  const s: SamplingParams = {};
  if (b.temperature != null) s.temperature = b.temperature;
  if (b.top_p != null) s.topP = b.top_p;
  if (b.stop != null) s.stop = typeof b.stop === 'string' ? [b.stop] : b.stop;
  if (b.seed != null) s.seed = b.seed;
  return Object.keys(s).length === 0 ? undefined : s;
}

/** Parses and checks a body. @throws BadFieldError (400) or AdagenError `payload_too_large`. */
export function parseOpenAiBody(
  endpoint: OpenAiEndpoint,
  body: unknown,
  limits: ParseLimits,
): GatewayRequest {
  const b: CompletionsBody | ChatBody =
    endpoint === 'chat' ? parse(chatBodySchema, body) : parse(completionsBodySchema, body);
  let prompt: string | undefined;
  let promptTokens: number | undefined;
  if ('messages' in b) prompt = renderChat(b.messages);
  else if (typeof b.prompt === 'string') prompt = b.prompt;
  else if (typeof b.prompt[0] === 'string') prompt = b.prompt[0];
  else promptTokens = b.prompt.length;
  if (prompt !== undefined && prompt.length > LIMITS.promptChars)
    throw new AdagenError(
      'payload_too_large',
      `prompt: expected at most ${LIMITS.promptChars} characters, got ${prompt.length}`,
    );
  const given = b.max_tokens ?? ('max_completion_tokens' in b ? b.max_completion_tokens : null);
  let target = b.adagen_output_tokens;
  if (target === undefined && b.ignore_eos === true && given != null) target = given;
  if (given != null && target !== undefined && target > given)
    throw new BadFieldError(
      'adagen_output_tokens',
      `expected <= max_tokens ${given}, got ${target}`,
    );
  const maxTokens = given ?? Math.max(limits.defaultMaxTokens, target ?? 1);
  const s = sampling(b);
  return {
    endpoint,
    model: b.model,
    ...(prompt === undefined ? {} : { prompt }),
    ...(promptTokens === undefined ? {} : { promptTokens }),
    maxTokens,
    maxTokensIsDefault: given == null,
    ...(target === undefined ? {} : { targetOutputTokens: target }),
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
    ...(s === undefined ? {} : { sampling: s }),
    ...(b.user === undefined ? {} : { user: b.user }),
  };
}
