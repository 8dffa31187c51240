import type { ExecutionPlan } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { Harness, chunks, dispatches, outcome } from './sim-harness.js';
import { simText, simTextSeed, simToken } from './text.js';

const single: ExecutionPlan = { kind: 'single', instanceId: 'a' };
const pd: ExecutionPlan = { kind: 'pd-split', prefillInstanceId: 'a', decodeInstanceId: 'b' };

/** The simulated completion of request `id` (the harness prompts `prompt of <id>`). */
function textOf(id: string, tokens: number): string {
  return simText(simTextSeed({ prompt: `prompt of ${id}` }), tokens);
}

describe('SimAgent text and stop strings', () => {
  it('streams the request’s own text: a function of its prompt and seed', () => {
    const h = new Harness();
    const a = h.agent('a');
    for (const d of dispatches(single, 'r1', 100, 30)) a.dispatch(d);
    for (const d of dispatches(single, 'r2', 100, 30, 0, { sampling: { seed: 7 } })) a.dispatch(d);
    h.run();
    expect(chunks(h, 'r1').join('')).toBe(textOf('r1', 30));
    const seeded = simText(simTextSeed({ prompt: 'prompt of r2', sampling: { seed: 7 } }), 30);
    expect(chunks(h, 'r2').join('')).toBe(seeded);
    expect(seeded).not.toBe(textOf('r2', 30));
  });

  it('ends before a stop string, says stop, sends nothing of it, and frees the KV', () => {
    const whole = textOf('r3', 60);
    const word = simToken(simTextSeed({ prompt: 'prompt of r3' }), 20).trim();
    const stop = word === '' || word === '.' || word === ',' ? whole.slice(40, 45) : word;
    const cut = whole.slice(0, whole.indexOf(stop));
    const h = new Harness();
    const a = h.agent('a');
    for (const d of dispatches(single, 'r3', 500, 60, 0, { sampling: { stop: [stop] } }))
      a.dispatch(d);
    h.run();
    expect(chunks(h, 'r3').join('')).toBe(cut);
    const done = outcome(h, 'r3');
    expect(done).toMatchObject({ type: 'done', finishReason: 'stop' });
    if (done?.type !== 'done') throw new Error('no done');
    expect(done.usage.completionTokens).toBeLessThan(60);
    expect(done.chunks).toBe(chunks(h, 'r3').length);
    expect(h.completions[0]).toMatchObject({ finishReason: 'stop' });
    expect(a.instance.snapshot().kv.usedBlocks).toBe(0);
    expect(a.activeRequests).toBe(0);
  });

  it('a stop string spanning tokens never leaks, even across a P/D hand-off', () => {
    const whole = textOf('r4', 40);
    for (const [from, to] of [
      [0, 2],
      [1, 3],
      [5, 8],
    ] as const) {
      const seed = simTextSeed({ prompt: 'prompt of r4' });
      let stop = '';
      for (let i = from; i < to; i++) stop += simToken(seed, i);
      const h = new Harness();
      const a = h.agent('a');
      const b = h.agent('b');
      const [pa, pb] = dispatches(pd, 'r4', 3000, 40, 0, { sampling: { stop: [stop] } });
      b.dispatch(pb!);
      a.dispatch(pa!);
      h.run();
      const sent = chunks(h, 'r4');
      expect(sent.join('')).toBe(whole.slice(0, whole.indexOf(stop)));
      const done = outcome(h, 'r4');
      expect(done).toMatchObject({ type: 'done', finishReason: 'stop', chunks: sent.length });
      expect(a.activeRequests + b.activeRequests).toBe(0);
      expect(a.instance.snapshot().kv.usedBlocks + b.instance.snapshot().kv.usedBlocks).toBe(0);
    }
  });
});

describe('token coalescing', () => {
  it('sends the first token at once, then one chunk per window; the text and seq stay exact', () => {
    const h = new Harness();
    const a = h.agent('a', { flushWindowMs: 100, maxChunkTokens: 8 });
    for (const d of dispatches(single, 'r5', 200, 40)) a.dispatch(d);
    h.run();
    const msgs = h.streams.get('adagen.v1.stream.gw.r5') ?? [];
    const chunksOut = msgs.flatMap((m) => (m.type === 'token' ? [m] : []));
    expect(chunksOut[0]!.tokenCount).toBe(1); // the first token is not delayed
    expect(chunksOut.length).toBeLessThan(20);
    expect(chunksOut.map((c) => c.seq)).toEqual([...chunksOut.keys()]);
    expect(Math.max(...chunksOut.map((c) => c.tokenCount))).toBeLessThanOrEqual(8);
    expect(chunksOut.reduce((n, c) => n + c.tokenCount, 0)).toBe(40);
    expect(chunksOut.map((c) => c.text).join('')).toBe(textOf('r5', 40));
    expect(outcome(h, 'r5')).toMatchObject({ type: 'done', chunks: chunksOut.length });
  });
});
