/** What the agent asks the engine to generate, and what the engine streams back. */
import { z } from 'zod';
import type { ErrorCode } from '@adagen/protocol';

const ChatMessageSchema = z
  .object({
    role: z.enum(['system', 'user', 'assistant']),
    content: z.string(),
  })
  .strict();

export const GenerationInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string().min(1) }).strict(),
  z.object({ type: z.literal('tokens'), tokens: z.array(z.number().int().min(0)).min(1) }).strict(),
  z.object({ type: z.literal('chat'), messages: z.array(ChatMessageSchema).min(1) }).strict(),
]);

export const SamplingSchema = z
  .object({
    /** 0 = greedy. @default 1 (OpenAI's default) */
    temperature: z.number().min(0).max(2).default(1),
    /** Nucleus sampling. @default 1 (off) */
    topP: z.number().gt(0).lte(1).default(1),
    /** Top-k; 0 = off. @default 0 */
    topK: z.number().int().min(0).default(0),
    /** Sampling seed (uint32); without it, runs differ. */
    seed: z.number().int().min(0).max(0xffffffff).optional(),
  })
  .strict();

export const GenerationRequestSchema = z
  .object({
    /** Unique among the engine's running and waiting requests. */
    requestId: z.string().min(1).max(256),
    input: GenerationInputSchema,
    /** Most tokens to generate; the finish reason is `length` when reached. */
    maxTokens: z.number().int().min(1),
    sampling: SamplingSchema.default({ temperature: 1, topP: 1, topK: 0 }),
    /** Text ends right before the first of these; finish reason `stop`. @default [] */
    stop: z.array(z.string().min(1)).max(16).default([]),
    /**
     * Never sample end-of-generation tokens (vLLM's ignore_eos): with `maxTokens` this makes
     * exactly `maxTokens` tokens unless a stop string ends earlier. @default false
     */
    ignoreEos: z.boolean().default(false),
    /**
     * Per-token log-probabilities in the chunks, with this many top alternatives (0–20; see
     * `TokenLogprob` for what the numbers are). Absent: none.
     */
    logprobs: z.number().int().min(0).max(20).optional(),
  })
  .strict();
export type GenerationRequestInput = z.input<typeof GenerationRequestSchema>;
export type GenerationRequest = z.output<typeof GenerationRequestSchema>;
export type ChatMessage = z.output<typeof ChatMessageSchema>;

export const FINISH_REASONS = ['stop', 'length', 'cancelled'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

export interface Usage {
  promptTokens: number;
  /** Every sampled token, an end-of-generation token included. */
  completionTokens: number;
  /** Prompt tokens whose KV was reused from an earlier request (prefix cache). */
  cachedPromptTokens: number;
}

/** Events of one request, in order: first-token?, chunk*, then exactly one done or error. */
export type GenerationEvent =
  | {
      type: 'first-token';
      requestId: string;
      promptTokens: number;
      cachedPromptTokens: number;
      /** From submit to a sequence being assigned. */
      queueMs: number;
      /** From submit to the first token being sampled. */
      ttftMs: number;
    }
  | {
      type: 'chunk';
      requestId: string;
      /** May be '' (a token held back for a stop string or an unfinished character). */
      text: string;
      /** Generated tokens this chunk accounts for; over a request they add up to completionTokens. */
      tokens: number;
      /** One entry per token of the chunk, when the request asked for logprobs. */
      logprobs?: TokenLogprob[];
    }
  | {
      type: 'done';
      requestId: string;
      finishReason: FinishReason;
      /** The stop string that ended the text, when finishReason is 'stop' because of one. */
      stop?: string;
      usage: Usage;
      timings: { queueMs: number; ttftMs: number | undefined; totalMs: number };
    }
  | {
      type: 'error';
      requestId: string;
      code: ErrorCode;
      message: string;
      retryable: boolean;
    };

/**
 * A generated token's log-probability and its top alternatives. node-llama-cpp computes them
 * after the request's sampling transforms (temperature, top-k, top-p): with temperature 0 or 1
 * and top-k / top-p off they are the model's raw log-softmax. `text` is the token's own text
 * (a byte token that is part of a character shows as U+FFFD).
 */
export interface TokenLogprob {
  token: number;
  text: string;
  logprob: number;
  top: Array<{ token: number; text: string; logprob: number }>;
}

export type GenerationSink = (event: GenerationEvent) => void;

/** What a router's request says the prompt is: chat messages, token ids or text. */
export interface PromptSource {
  readonly messages?: ReadonlyArray<{ readonly role: string; readonly content: string }>;
  readonly promptTokenIds?: readonly number[];
  readonly prompt?: string;
}

/**
 * The engine's input for a router's prompt: chat messages (OpenAI's `developer` is a system
 * message, anything but system/assistant a user message), else token ids, else the text (an
 * empty prompt is one space: llama.cpp needs a token to start from).
 */
export function generationInputOf(r: PromptSource): GenerationRequestInput['input'] {
  if (r.messages !== undefined)
    return {
      type: 'chat',
      messages: r.messages.map((m) => ({
        role:
          m.role === 'system' || m.role === 'developer'
            ? 'system'
            : m.role === 'assistant'
              ? 'assistant'
              : 'user',
        content: m.content,
      })),
    };
  if (r.promptTokenIds !== undefined) return { type: 'tokens', tokens: [...r.promptTokenIds] };
  return { type: 'text', text: r.prompt !== undefined && r.prompt !== '' ? r.prompt : ' ' };
}
