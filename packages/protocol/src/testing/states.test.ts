import { describe, expect, it } from 'vitest';
import { instanceStateSchema } from '../messages/state.js';
import { isInstanceState } from '../messages/state.fast.js';
import { readyState } from './states.js';

describe('readyState', () => {
  it('builds a state the schema and the typed check accept, with what the test gave', () => {
    const s = readyState({
      instanceId: 'a',
      atMs: 40,
      running: [
        {
          id: 'r',
          kind: 'full',
          promptTokens: 10,
          phase: 'decoding',
          prefilledTokens: 10,
          generatedTokens: 2,
          arrivalMs: 1,
        },
      ],
    });
    expect(instanceStateSchema.parse(s)).toEqual(s);
    expect(isInstanceState(s)).toBe(true);
    expect([s.seq, s.profile, s.kv.usedBlocks, s.running.length]).toEqual([
      40,
      'llama-3-8b_a100-80gb_tp1',
      0,
      1,
    ]);
    expect(readyState({ instanceId: 'b', atMs: 5, seq: 2, profile: 'h100' })).toMatchObject({
      seq: 2,
      profile: 'h100',
    });
  });
});
