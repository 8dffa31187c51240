/** Test helpers: a small generated model on disk and a request runner that records events. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRandomLlama } from '@adagen/gguf';
import type { LlamaEngine } from './engine.js';
import type { GenerationEvent, GenerationRequestInput } from './request.js';

/** A 2-layer random model (~0.4 MB) written to a temp dir; loads and runs in well under a second. */
export function tinyModelPath(seed = 11, chatTemplate = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'adagen-llama-test-'));
  const path = join(dir, 'tiny.gguf');
  writeFileSync(
    path,
    generateRandomLlama({
      seed,
      chatTemplate,
      layers: 2,
      embeddingLength: 64,
      heads: 4,
      kvHeads: 2,
      feedForwardLength: 128,
      vocabSize: 300,
    }),
  );
  return path;
}

export interface Run {
  events: GenerationEvent[];
  text: string;
  chunks: string[];
  /** Resolves with the terminal event. */
  end: Promise<Extract<GenerationEvent, { type: 'done' | 'error' }>>;
}

export function submit(
  engine: LlamaEngine,
  request: GenerationRequestInput,
  onEvent?: (e: GenerationEvent) => void,
): Run {
  const run: Run = { events: [], text: '', chunks: [], end: undefined as never };
  run.end = new Promise((resolve) => {
    engine.submit(request, (e) => {
      run.events.push(e);
      if (e.type === 'chunk') {
        run.text += e.text;
        run.chunks.push(e.text);
      }
      onEvent?.(e);
      if (e.type === 'done' || e.type === 'error') resolve(e);
    });
  });
  return run;
}

export const greedy = { temperature: 0 } as const;
