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
