import { describe, expect, it } from 'vitest';
import { sseData, streamChunk, textEventWriter } from './format.js';
import type { ResponseMeta } from './format.js';

const texts = [
  '',
  'hello',
  ' "quoted" \\ back\\slash',
  'line\nbreak\ttab\r',
  'unicode é ✓ 🦙',
  '\u0000text\u0000',
  '</script>\u2028\u2029',
];

describe('textEventWriter', () => {
  for (const endpoint of ['completions', 'chat'] as const) {
    it(`writes what sseData(streamChunk(…)) writes (${endpoint})`, () => {
      const metas: ResponseMeta[] = [
        { id: 'cmpl-abc', endpoint, model: 'meta-llama/Meta-Llama-3-8B-Instruct', created: 1 },
        // A model name holding the writer's own placeholder does not confuse it.
        { id: 'x', endpoint, model: '\u0000text\u0000 "m"', created: 1_790_000_000 },
      ];
      for (const meta of metas) {
        const write = textEventWriter(meta);
        for (const text of texts) expect(write(text)).toBe(sseData(streamChunk(meta, { text })));
      }
    });
  }
});
