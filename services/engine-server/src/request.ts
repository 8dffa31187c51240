/**
 * An engine server request: the OpenAI body (parsed and checked as the gateway checks it, every
 * field honoured or refused with a 400 naming it) plus vLLM's NixlConnector P/D fields
 * (`kv_transfer_params`), turned into the engine's generation request.
 */
import { BadFieldError, parseOpenAiBody } from '@adagen/fleet';
import type { GatewayRequest, OpenAiEndpoint } from '@adagen/fleet';
import { generationInputOf } from '@adagen/llama';
import type { GenerationRequestInput } from '@adagen/llama';
import { AdagenError, issuesFromZod } from '@adagen/protocol';
import { z } from 'zod';

/** vLLM's NixlConnector fields (other keys are kept and ignored, as vLLM does). */
const kvTransferParamsSchema = z.looseObject({
  do_remote_decode: z.boolean().optional(),
  do_remote_prefill: z.boolean().optional(),
  remote_engine_id: z.string().min(1).max(256).nullable().optional(),
  remote_block_ids: z.array(z.int().min(0)).max(1_000_000).nullable().optional(),
  remote_host: z.string().min(1).max(256).nullable().optional(),
  remote_port: z.int().min(1).max(65_535).nullable().optional(),
  tp_size: z.int().min(1).max(1024).optional(),
});
export type KvTransferParams = z.infer<typeof kvTransferParamsSchema>;

/** The P/D role of a request: a prefill leg, a decode leg (KV from a prefill engine), or neither. */
export type PdLeg =
  | { readonly kind: 'none' }
  | { readonly kind: 'prefill' }
  | { readonly kind: 'decode'; readonly params: KvTransferParams };

export interface EngineRequest {
  readonly request: GatewayRequest;
  readonly leg: PdLeg;
  /** The raw kv_transfer_params (for the record). */
  readonly kvTransferParams?: KvTransferParams;
}

export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

function legOf(params: KvTransferParams | undefined, r: GatewayRequest): PdLeg {
  if (params === undefined) return { kind: 'none' };
  const decode = params.do_remote_decode === true;
  const prefill = params.do_remote_prefill === true;
  if (decode && prefill)
    throw new BadFieldError(
      'kv_transfer_params',
      'do_remote_decode and do_remote_prefill cannot both be true',
    );
  if (decode) {
    if (r.stream)
      throw new BadFieldError(
        'stream',
        'a prefill leg (kv_transfer_params.do_remote_decode) is answered whole: expected stream false',
      );
    if (r.maxTokens !== 1)
      throw new BadFieldError(
        'max_tokens',
        `a prefill leg (kv_transfer_params.do_remote_decode) generates one token: expected 1, got ${r.maxTokens ?? 'none'}`,
      );
    return { kind: 'prefill' };
  }
  if (prefill) {
    for (const key of [
      'remote_engine_id',
      'remote_block_ids',
      'remote_host',
      'remote_port',
    ] as const)
      if (params[key] == null)
        throw new BadFieldError(
          `kv_transfer_params.${key}`,
          'required on a decode leg (do_remote_prefill): pass the prefill leg’s kv_transfer_params verbatim',
        );
    return { kind: 'decode', params };
  }
  return { kind: 'none' };
}

/** Parses a request body. @throws BadFieldError / AdagenError (400, 413). */
export function parseEngineRequest(endpoint: OpenAiEndpoint, body: unknown): EngineRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AdagenError('bad_request', 'body: expected a JSON object');
  const { kv_transfer_params: raw, ...rest } = body as Record<string, unknown>;
  let params: KvTransferParams | undefined;
  if (raw != null) {
    const parsed = kvTransferParamsSchema.safeParse(raw);
    if (!parsed.success) {
      const first = issuesFromZod(parsed.error)[0];
      throw new BadFieldError(
        `kv_transfer_params${first === undefined || first.path === '(root)' ? '' : `.${first.path}`}`,
        first?.message ?? 'invalid',
      );
    }
    params = parsed.data;
  }
  const request = parseOpenAiBody(endpoint, rest);
  if (request.echo !== undefined)
    throw new BadFieldError('echo', 'not supported by the engine server');
  return {
    request,
    leg: legOf(params, request),
    ...(params === undefined ? {} : { kvTransferParams: params }),
  };
}

/** Sampling fields the llama.cpp engine does not offer (the simulated engine ignores sampling). */
const LLAMA_UNSUPPORTED = {
  minP: 'min_p',
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: 'presence_penalty',
  repetitionPenalty: 'repetition_penalty',
  minTokens: 'min_tokens',
} as const;

/**
 * The engine's generation request. `maxTokens` defaults to the room left in the context.
 * @throws BadFieldError for a field this engine does not honour; AdagenError
 * `context_length_exceeded` when prompt + max_tokens exceed the context.
 */
export function generationOf(
  requestId: string,
  r: GatewayRequest,
  engine: { backend: 'sim' | 'llama'; maxContextTokens: number; promptTokens: number },
): GenerationRequestInput {
  const s = r.sampling ?? {};
  for (const [key, field] of Object.entries(LLAMA_UNSUPPORTED))
    if (s[key as keyof typeof LLAMA_UNSUPPORTED] !== undefined && engine.backend === 'llama')
      throw new BadFieldError(field, 'not supported by this engine (llama.cpp)');
  if (s.minTokens !== undefined)
    throw new BadFieldError('min_tokens', 'not supported by this engine; use ignore_eos');
  const room = engine.maxContextTokens - engine.promptTokens;
  const maxTokens = r.targetOutputTokens ?? r.maxTokens ?? room;
  if (room < 1 || maxTokens > room)
    throw new AdagenError(
      'context_length_exceeded',
      `This model's maximum context length is ${engine.maxContextTokens} tokens. However, you requested ${engine.promptTokens + maxTokens} tokens (${engine.promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
    );
  const input = generationInputOf(r);
  return {
    requestId,
    input,
    maxTokens,
    sampling: {
      ...(s.temperature === undefined ? {} : { temperature: s.temperature }),
      ...(s.topP === undefined ? {} : { topP: s.topP }),
      ...(s.topK === undefined ? {} : { topK: Math.max(0, s.topK) }),
      ...(s.seed === undefined ? {} : { seed: s.seed % 0x1_0000_0000 }),
    },
    ...(s.stop === undefined ? {} : { stop: [...s.stop] }),
    ...(r.targetOutputTokens === undefined ? {} : { ignoreEos: true }),
  };
}
