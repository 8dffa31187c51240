/** From a validated OpenAI body (and its SLO headers) to what the gateway puts on the wire. */
import { AdagenError, LIMITS, issuesFromZod } from '@adagen/protocol';
import type { ChatMessage, RequestSlo, SamplingParams } from '@adagen/protocol';
import type { z } from 'zod';
import { fieldProblem } from './fields.js';
import type { ChatBody, CompletionsBody, OpenAiEndpoint } from './schema.js';
import { chatBodySchema, completionsBodySchema } from './schema.js';
import { isChatBodyFast, isCompletionsBodyFast } from './schema.fast.js';

export interface GatewayRequest {
  readonly endpoint: OpenAiEndpoint;
  readonly model: string;
  /** Completions: the prompt text. */
  readonly prompt?: string;
  /** Completions: the prompt as token ids. */
  readonly promptTokenIds?: readonly number[];
  /** Chat: the messages, content parts joined into text. */
  readonly messages?: readonly ChatMessage[];
  /** The client's cap on generated tokens; absent: the room left in the context (as vLLM). */
  readonly maxTokens?: number;
  /** Load testing: produce exactly this many tokens (an engine-side hint). */
  readonly targetOutputTokens?: number;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** Completions `echo`: the prompt text, sent before the completion. */
  readonly echo?: string;
  readonly sampling?: SamplingParams;
  readonly user?: string;
  /** The client's own latency targets (`x-slo-ttft-ms`, `x-slo-tpot-ms`). */
  readonly slo?: RequestSlo;
  /** `x-priority`: higher is more important. */
  readonly priority?: number;
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

/**
 * The body as `schema` reads it: as it is when `fast` (its hand-written check, schema.fast.ts)
 * accepts it, which it does only for a body the schema would return unchanged; else through the
 * schema, whose first issue is the 400.
 */
function parse<T>(schema: z.ZodType<T>, fast: (raw: unknown) => raw is T, body: unknown): T {
  if (fast(body)) return body;
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const first = issuesFromZod(parsed.error)[0] ?? { path: '(root)', message: 'invalid body' };
  throw new BadFieldError(first.path, first.message);
}

/** Llama 3 chat template (the tokenizer adds the BOS token). */
export function renderChat(messages: readonly ChatMessage[]): string {
  let out = '';
  for (const m of messages)
    out += `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content}<|eot_id|>`;
  return `${out}<|start_header_id|>assistant<|end_header_id|>\n\n`;
}

function sampling(b: CompletionsBody | ChatBody): SamplingParams | undefined {
  const s: SamplingParams = {};
  if (b.temperature != null) s.temperature = b.temperature;
  if (b.top_p != null) s.topP = b.top_p;
  if (b.top_k != null) s.topK = b.top_k;
  if (b.min_p != null) s.minP = b.min_p;
  if (b.frequency_penalty != null) s.frequencyPenalty = b.frequency_penalty;
  if (b.presence_penalty != null) s.presencePenalty = b.presence_penalty;
  if (b.repetition_penalty != null) s.repetitionPenalty = b.repetition_penalty;
  if (b.stop != null) s.stop = typeof b.stop === 'string' ? [b.stop] : b.stop;
  if (b.seed != null) s.seed = b.seed;
  // With ignore_eos every request runs to max_tokens, which meets any min_tokens up to it.
  if (b.min_tokens != null && b.min_tokens > 0 && b.ignore_eos !== true) s.minTokens = b.min_tokens;
  return Object.keys(s).length === 0 ? undefined : s;
}

type Prompt = Pick<GatewayRequest, 'prompt' | 'promptTokenIds'>;

/** One prompt of a completions body; a batch of several is refused. */
function promptOf(p: CompletionsBody['prompt']): Prompt {
  if (typeof p === 'string') return { prompt: p };
  if (p.length === 0) throw new BadFieldError('prompt', 'expected a prompt, got an empty list');
  const first = p[0];
  if (typeof first === 'number') return { promptTokenIds: p as number[] };
  if (p.length > 1)
    throw new BadFieldError(
      'prompt',
      `batches of ${p.length} prompts are not supported by this fleet; send one request per prompt`,
    );
  return typeof first === 'string' ? { prompt: first } : { promptTokenIds: first ?? [] };
}

function chatMessages(messages: ChatBody['messages']): ChatMessage[] {
  return messages.map((m, i) => {
    let content = '';
    if (typeof m.content === 'string') content = m.content;
    else
      for (const [j, part] of (m.content ?? []).entries()) {
        if (part.type !== 'text' || typeof part.text !== 'string')
          throw new BadFieldError(
            `messages[${i}].content[${j}]`,
            `only text parts are supported by this fleet, got ${JSON.stringify(part.type).slice(0, 64)}`,
          );
        if (Object.keys(part).some((k) => k !== 'type' && k !== 'text'))
          throw new BadFieldError(`messages[${i}].content[${j}]`, 'expected only type and text');
        content += part.text;
      }
    return { role: m.role, content, ...(m.name === undefined ? {} : { name: m.name }) };
  });
}

/**
 * Parses and checks a body: unknown fields and features AdaGen does not offer are refused, the
 * rest is validated. @throws BadFieldError (400) or AdagenError `payload_too_large`.
 */
export function parseOpenAiBody(endpoint: OpenAiEndpoint, body: unknown): GatewayRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AdagenError('bad_request', 'body: expected a JSON object');
  const problem = fieldProblem(endpoint, body as Record<string, unknown>);
  if (problem !== undefined) throw new BadFieldError(problem.param, problem.message);
  const b: CompletionsBody | ChatBody =
    endpoint === 'chat'
      ? parse(chatBodySchema, isChatBodyFast, body)
      : parse(completionsBodySchema, isCompletionsBodyFast, body);
  const input: Prompt & { messages?: ChatMessage[] } =
    'messages' in b ? { messages: chatMessages(b.messages) } : promptOf(b.prompt);
  const chars =
    (input.prompt?.length ?? 0) + (input.messages ?? []).reduce((n, m) => n + m.content.length, 0);
  if (chars > LIMITS.promptChars)
    throw new AdagenError(
      'payload_too_large',
      `prompt: expected at most ${LIMITS.promptChars} characters, got ${chars}`,
    );
  if (b.stream_options != null && b.stream !== true)
    throw new BadFieldError('stream_options', 'only allowed when stream is true');
  const echo = 'echo' in b && b.echo === true;
  if (echo && input.prompt === undefined)
    throw new BadFieldError('echo', 'needs the prompt as text (token ids cannot be echoed here)');
  const given = b.max_tokens ?? ('max_completion_tokens' in b ? b.max_completion_tokens : null);
  let target = b.adagen_output_tokens;
  if (b.ignore_eos === true) {
    if (given == null) throw new BadFieldError('ignore_eos', 'needs max_tokens');
    target ??= given;
  }
  if (b.min_tokens != null && given != null && b.min_tokens > given)
    throw new BadFieldError('min_tokens', `expected <= max_tokens ${given}, got ${b.min_tokens}`);
  if (given != null && target !== undefined && target > given)
    throw new BadFieldError(
      'adagen_output_tokens',
      `expected <= max_tokens ${given}, got ${target}`,
    );
  const s = sampling(b);
  return {
    endpoint,
    model: b.model,
    ...input,
    ...(given == null ? {} : { maxTokens: given }),
    ...(target === undefined ? {} : { targetOutputTokens: target }),
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
    ...(echo && input.prompt !== undefined ? { echo: input.prompt } : {}),
    ...(s === undefined ? {} : { sampling: s }),
    ...(b.user === undefined ? {} : { user: b.user }),
  };
}

/** Per-request SLO and priority headers, as the Gateway API Inference Extension proposes. */
export const SLO_HEADERS = {
  ttftMs: 'x-slo-ttft-ms',
  tpotMs: 'x-slo-tpot-ms',
  priority: 'x-priority',
} as const;

function headerNumber(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
  { min, max, integer }: { min: number; max: number; integer: boolean },
): number | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? raw.join(',') : raw;
  const value = Number(text.trim());
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < min ||
    value > max
  )
    throw new BadFieldError(
      name,
      `expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(text.slice(0, 64))}`,
    );
  return value;
}

/** Reads the SLO and priority headers. @throws BadFieldError naming the header. */
export function parseSloHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Pick<GatewayRequest, 'slo' | 'priority'> {
  const ms = { min: 1, max: 86_400_000, integer: false };
  const ttftMs = headerNumber(headers, SLO_HEADERS.ttftMs, ms);
  const tpotMs = headerNumber(headers, SLO_HEADERS.tpotMs, ms);
  const priority = headerNumber(headers, SLO_HEADERS.priority, {
    min: -1000,
    max: 1000,
    integer: true,
  });
  const slo: RequestSlo = {};
  if (ttftMs !== undefined) slo.ttftMs = ttftMs;
  if (tpotMs !== undefined) slo.tpotMs = tpotMs;
  return {
    ...(Object.keys(slo).length === 0 ? {} : { slo }),
    ...(priority === undefined ? {} : { priority }),
  };
}
