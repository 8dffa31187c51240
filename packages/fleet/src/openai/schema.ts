/**
 * The OpenAI-compatible request bodies the gateway accepts (`/v1/completions`,
 * `/v1/chat/completions`), parsed once with zod into one `GatewayRequest`. Unknown fields are
 * ignored, as OpenAI-compatible servers do. Load-testing extensions: `ignore_eos` with
 * `max_tokens` (vLLM's; the completion has exactly `max_tokens` tokens) and
 * `adagen_output_tokens` (exactly that many tokens, `max_tokens` left at its default).
 */
import { LIMITS } from '@adagen/protocol';
import { z } from 'zod';

const stop = z
  .union([
    z.string().min(1).max(LIMITS.stopSequenceChars),
    z.array(z.string().min(1).max(LIMITS.stopSequenceChars)).max(LIMITS.stopSequences),
  ])
  .nullable()
  .optional();

const common = {
  model: z.string().min(1).max(LIMITS.nameChars),
  max_tokens: z.int().min(1).max(LIMITS.tokens).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  stop,
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  n: z.literal(1, { error: 'only n = 1 is supported' }).nullable().optional(),
  user: z.string().min(1).max(LIMITS.nameChars).optional(),
  ignore_eos: z.boolean().optional(),
  adagen_output_tokens: z.int().min(1).max(LIMITS.tokens).optional(),
};

export const completionsBodySchema = z.object({
  ...common,
  prompt: z.union([
    z.string(),
    z.array(z.string()).length(1, { error: 'only one prompt per request is supported' }),
    z
      .array(
        z
          .int()
          .min(0)
          .max(1 << 24),
      )
      .min(1)
      .max(LIMITS.tokens),
  ]),
});
export type CompletionsBody = z.infer<typeof completionsBodySchema>;

const textPart = z.object({ type: z.literal('text'), text: z.string() });

export const chatBodySchema = z.object({
  ...common,
  max_completion_tokens: z.int().min(1).max(LIMITS.tokens).nullable().optional(),
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
        content: z.union([z.string(), z.array(textPart)]).nullable(),
        name: z.string().max(LIMITS.nameChars).optional(),
      }),
    )
    .min(1)
    .max(10_000),
});
export type ChatBody = z.infer<typeof chatBodySchema>;

export const OPENAI_ENDPOINTS = { completions: 'completions', chat: 'chat' } as const;
export type OpenAiEndpoint = (typeof OPENAI_ENDPOINTS)[keyof typeof OPENAI_ENDPOINTS];
