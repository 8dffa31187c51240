/**
 * Client-side checks the real-engine fleet tests share, driven by the official `openai` client:
 * a stop string taken from the greedy text ends the answer before it, and a client that goes away
 * mid-stream (what the engine must notice and free).
 */
import type OpenAI from 'openai';
import { expect } from 'vitest';
import { MODEL } from './stream-check.js';

/** vLLM's `ignore_eos`, which the client's types do not know. */
const IGNORE_EOS = { ignore_eos: true } as object;

/**
 * Asks for `maxTokens` greedy tokens, then again with a 2-character stop string from the
 * middle of that text: the second answer must end just before it, `finish_reason: "stop"`.
 */
export async function expectStopBeforeGreedyText(client: OpenAI, maxTokens: number): Promise<void> {
  const ask = {
    model: MODEL,
    prompt: 'The quick brown fox',
    max_tokens: maxTokens,
    temperature: 0,
  };
  const free = (await client.completions.create({ ...ask, ...IGNORE_EOS })).choices[0]!.text;
  const stop = free.slice(Math.floor(free.length / 2), Math.floor(free.length / 2) + 2);
  expect(stop.length).toBe(2);
  const cut = await client.completions.create({ ...ask, stop: [stop], ...IGNORE_EOS });
  expect(cut.choices[0]!.finish_reason).toBe('stop');
  expect(cut.choices[0]!.text).toBe(free.slice(0, free.indexOf(stop)));
}

/**
 * Streams a long answer and goes away after `afterChunks` chunks (aborts and stops reading:
 * chunks already read may still be delivered after an abort); returns the chunks read.
 */
export async function streamThenGoAway(
  client: OpenAI,
  maxTokens: number,
  afterChunks = 3,
): Promise<number> {
  const controller = new AbortController();
  const stream = await client.completions.create(
    {
      model: MODEL,
      prompt: 'Tell me everything',
      max_tokens: maxTokens,
      stream: true,
      ...IGNORE_EOS,
    },
    { signal: controller.signal },
  );
  let chunks = 0;
  try {
    for await (const _ of stream) {
      chunks += 1;
      if (chunks === afterChunks) {
        controller.abort();
        break;
      }
    }
  } catch {
    // aborted
  }
  return chunks;
}

/** What a streamed chat answer carried: its text, last finish reason and usage. */
export interface StreamedChat {
  readonly text: string;
  readonly finish: string | null;
  readonly usage: OpenAI.CompletionUsage | undefined;
}

/** Streams a chat answer of exactly `maxTokens` tokens (ignore_eos) with usage, and reads it all. */
export async function streamChat(
  client: OpenAI,
  content: string,
  maxTokens: number,
): Promise<StreamedChat> {
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content }],
    max_tokens: maxTokens,
    stream: true,
    stream_options: { include_usage: true },
    ...IGNORE_EOS,
  });
  let text = '';
  let usage: OpenAI.CompletionUsage | undefined;
  let finish: string | null = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  return { text, finish, usage };
}

/**
 * Streams a chat answer of `maxTokens` tokens from a real engine (random weights: the text is
 * meaningless, but there is some): it ends for `length` and the usage is the engine's count.
 */
export async function expectChatOfLength(
  client: OpenAI,
  content: string,
  maxTokens: number,
): Promise<void> {
  const { text, finish, usage } = await streamChat(client, content, maxTokens);
  expect(finish).toBe('length');
  expect(usage?.completion_tokens).toBe(maxTokens);
  expect(text.length).toBeGreaterThan(0);
}
