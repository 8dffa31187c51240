import { describe, expect, it } from 'vitest';
import { StopMatcher } from './stop-matcher.js';
import { TextStream } from './text-stream.js';

function stream(stops: string[], pieces: string[]) {
  const m = new StopMatcher(stops);
  const out: string[] = [];
  for (const p of pieces) {
    const r = m.push(p);
    out.push(r.text);
    if (r.type === 'stop') return { out, stopped: r.stop };
  }
  out.push(m.flush());
  return { out, stopped: undefined };
}

describe('StopMatcher', () => {
  it('ends the text right before a stop string split across pieces, leaking none of it', () => {
    const r = stream(['END'], ['abc E', 'N', 'D more']);
    expect(r.stopped).toBe('END');
    expect(r.out).toEqual(['abc ', '', '']);
    expect(r.out.join('')).toBe('abc ');
  });

  it('releases held text once it can no longer start a stop string', () => {
    const r = stream(['END'], ['x E', 'Nx', 'y']);
    expect(r.stopped).toBeUndefined();
    expect(r.out).toEqual(['x ', 'ENx', 'y', '']);
  });

  it('picks the earliest of several stop strings and flushes a partial match at the end', () => {
    expect(stream(['bb', 'abc'], ['xxabcbb']).out).toEqual(['xx']);
    expect(stream(['bb', 'abc'], ['xxabcbb']).stopped).toBe('abc');
    expect(stream(['\n\n'], ['a\n'])).toEqual({ out: ['a', '\n'], stopped: undefined });
    expect(stream([], ['a', 'b'])).toEqual({ out: ['a', 'b', ''], stopped: undefined });
  });

  it('handles overlapping prefixes (aab inside aaab)', () => {
    const r = stream(['aab'], ['a', 'a', 'a', 'b', 'c']);
    expect(r.stopped).toBe('aab');
    expect(r.out.join('')).toBe('a');
  });
});

describe('TextStream', () => {
  const bytes = (s: string) => Array.from(new TextEncoder().encode(s));
  const dec = new TextDecoder();
  const byteDetok = (toks: readonly number[]) => dec.decode(Uint8Array.from(toks));

  it('holds an unfinished UTF-8 character until its last byte', () => {
    const s = new TextStream(byteDetok);
    const out = bytes('a日b').map((b) => s.push(b));
    expect(out).toEqual(['a', '', '', '日', 'b']);
    expect(s.flush()).toBe('');
  });

  it('gives up after four tokens and at the end (replacement characters)', () => {
    const s = new TextStream(byteDetok);
    expect([0xe6, 0xe6, 0xe6].map((b) => s.push(b))).toEqual(['', '', '']);
    expect(s.push(0xe6)).toBe('\uFFFD\uFFFD\uFFFD\uFFFD');
    expect(s.push(0xe6)).toBe('');
    expect(s.flush()).toBe('\uFFFD');
  });
});
