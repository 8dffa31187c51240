import { describe, expect, it } from 'vitest';
import { StopMatcher } from './stop.js';

function run(stops: string[], tokens: string[]) {
  const m = new StopMatcher(stops);
  const chunks: string[] = [];
  for (const t of tokens) {
    const step = m.push(t);
    if (step.emit !== '') chunks.push(step.emit);
    if (step.stopped) return { chunks, stopped: true };
  }
  const rest = m.flush();
  if (rest !== '') chunks.push(rest);
  return { chunks, stopped: false };
}

describe('StopMatcher', () => {
  it('ends before a stop string inside one token', () => {
    expect(run(['fox'], [' the', ' quick', ' brown', ' fox', ' jumps'])).toEqual({
      chunks: [' the', ' quick', ' brown', ' '],
      stopped: true,
    });
  });

  it('holds back a partial match across tokens and never sends any of the stop string', () => {
    const r = run(['brown fox'], [' the', ' brown', ' fox', ' jumps']);
    expect(r.stopped).toBe(true);
    expect(r.chunks.join('')).toBe(' the ');
    expect(r.chunks.some((c) => c.includes('brown'))).toBe(false);
  });

  it('releases held text when the partial match does not complete', () => {
    const r = run(['brown fox'], [' the', ' brown', ' dog']);
    expect(r).toEqual({ chunks: [' the', ' ', 'brown dog'], stopped: false });
  });

  it('picks the earliest of several stop strings', () => {
    const r = run(['jumps', 'quick'], [' the quick brown fox jumps']);
    expect(r).toEqual({ chunks: [' the '], stopped: true });
  });

  it('flushes what it held back at the end', () => {
    expect(run(['xyz'], ['abc', ' x'])).toEqual({ chunks: ['abc', ' ', 'x'], stopped: false });
  });

  it('streamed chunks join to the same text as the whole output cut at the stop', () => {
    const words = ' a b c d e f g h i j k l m n o p'.split(/(?= )/);
    for (const stop of ['d e', 'j', ' p', 'zz', 'g h i']) {
      const whole = words.join('');
      const at = whole.indexOf(stop);
      const expected = at >= 0 ? whole.slice(0, at) : whole;
      expect(run([stop], words).chunks.join('')).toBe(expected);
    }
  });
});
