/**
 * The OpenAI-compatible request bodies the gateway accepts (`/v1/completions`,
 * `/v1/chat/completions`): the fields it honours, parsed with zod. Which other fields exist and
 * how each is answered is in `fields.ts`; nothing is ignored. Load-testing extensions:
 * `ignore_eos` with `max_tokens` (vLLM's; the completion has exactly `max_tokens` tokens) and
 * `adagen_output_tokens` (exactly that many tokens).
 */
import { LIMITS, promptTokenIdsSchema } from '@adagen/protocol';
import { z } from 'zod';

/** A stop string, or up to four (OpenAI's limit), each non-empty. */
const stop = z
  .union([z.string(), z.array(z.string())], {
    error: 'expected a string or a list of strings',
  })
  .nullable()
  .optional()
  .check((ctx) => {
    const v = ctx.value;
    if (v == null) return;
    const list = typeof v === 'string' ? [v] : v;
    if (list.length > LIMITS.stopSequences)
      ctx.issues.push({
        code: 'custom',
        input: v,
        message: `expected a string or a list of at most ${LIMITS.stopSequences} strings, got a list of ${list.length}`,
      });
    else if (list.some((s) => s.length === 0 || s.length > LIMITS.stopSequenceChars))
      ctx.issues.push({
        code: 'custom',
        input: v,
        message: `expected stop strings of 1-${LIMITS.stopSequenceChars} characters`,
      });
  });

const common = {
  model: z.string().min(1).max(LIMITS.nameChars),
  max_tokens: z.int().min(1).max(LIMITS.tokens).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  top_k: z.int().min(-1).max(1_000_000).nullable().optional(),
  min_p: z.number().min(0).max(1).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  repetition_penalty: z.number().gt(0).max(10).nullable().optional(),
  min_tokens: z.int().min(0).max(LIMITS.tokens).nullable().optional(),
  stop,
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  n: z
    .literal(1, { error: 'not supported by this fleet (one choice per request: n = 1)' })
    .nullable()
    .optional(),
  user: z.string().min(1).max(LIMITS.nameChars).optional(),
  ignore_eos: z.boolean().optional(),
  adagen_output_tokens: z.int().min(1).max(LIMITS.tokens).optional(),
};

const tokenIds = promptTokenIdsSchema;

export const completionsBodySchema = z.object({
  ...common,
  echo: z.boolean().nullable().optional(),
  prompt: z.union([z.string(), tokenIds, z.array(z.string()), z.array(tokenIds)], {
    error: 'expected a string, a list of token ids, or a list of one of those',
  }),
});
export type CompletionsBody = z.infer<typeof completionsBodySchema>;

/** A content part: only `text` parts are honoured (checked when the message is read). */
const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

const message = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z
    .union([z.string(), z.array(contentPart)], {
      error: 'expected a string or a list of content parts',
    })
    .nullable(),
  name: z.string().max(LIMITS.nameChars).optional(),
});

export const chatBodySchema = z.object({
  ...common,
  max_completion_tokens: z.int().min(1).max(LIMITS.tokens).nullable().optional(),
  messages: z.array(message).min(1).max(LIMITS.chatMessages),
});
export type ChatBody = z.infer<typeof chatBodySchema>;

export const OPENAI_ENDPOINTS = { completions: 'completions', chat: 'chat' } as const;
export type OpenAiEndpoint = (typeof OPENAI_ENDPOINTS)[keyof typeof OPENAI_ENDPOINTS];
