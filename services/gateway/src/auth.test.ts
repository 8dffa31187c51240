import { describe, expect, it } from 'vitest';
import { Gatekeeper, TokenBucket, keysFromList, parseKeysFile } from './auth.js';

describe('API keys', () => {
  it('are optional: without keys anyone may call', () => {
    const g = new Gatekeeper({ keys: [], ratePerS: 0, burst: 1 });
    expect(g.keysRequired).toBe(false);
    expect(g.authenticate(undefined)).toBeUndefined();
  });

  it('need "Authorization: Bearer <key>" once configured: missing or wrong is unauthorized (401)', () => {
    const g = new Gatekeeper({ keys: keysFromList(['sk-test-0001']), ratePerS: 0, burst: 1 });
    expect(g.authenticate('Bearer sk-test-0001')).toMatchObject({ name: 'env-1' });
    expect(g.authenticate('bearer   sk-test-0001 ')).toMatchObject({ name: 'env-1' });
    for (const header of [
      undefined,
      '',
      'sk-test-0001',
      'Basic sk-test-0001',
      'Bearer sk-test-0002',
    ])
      expect(() => g.authenticate(header), String(header)).toThrow(
        expect.objectContaining({ code: 'unauthorized', httpStatus: 401 }),
      );
  });

  it('parses a keys file with names and per-key limits; errors name the line', () => {
    const keys = parseKeysFile(
      '# team keys\nsk-aaaaaaaa alice 5 10\n\nsk-bbbbbbbb bob\nsk-cccccccc\n',
    );
    expect(keys).toEqual([
      { key: 'sk-aaaaaaaa', name: 'alice', ratePerS: 5, burst: 10 },
      { key: 'sk-bbbbbbbb', name: 'bob' },
      { key: 'sk-cccccccc', name: 'key-3' },
    ]);
    expect(() => parseKeysFile('sk-aaaaaaaa a\nshort\n')).toThrow(/line 2: expected a key/);
    expect(() => parseKeysFile('sk-aaaaaaaa a fast')).toThrow(/line 1: ratePerS.*"fast"/);
  });
});

describe('rate limits', () => {
  it('a token bucket grants a burst, then one per 1/rate s, and says how long to wait', () => {
    const b = new TokenBucket(2, 3, 0);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([0, 0, 0]);
    expect(b.take(0)).toBeCloseTo(500);
    expect(b.take(250)).toBeCloseTo(250);
    expect(b.take(500)).toBe(0);
  });

  it('limit each key on its own, with 429 rate_limited and the wait as retryAfterMs', () => {
    const g = new Gatekeeper({
      keys: parseKeysFile('sk-aaaaaaaa a\nsk-bbbbbbbb b 100 100'),
      ratePerS: 1,
      burst: 2,
    });
    const a = g.authenticate('Bearer sk-aaaaaaaa');
    const b = g.authenticate('Bearer sk-bbbbbbbb');
    g.admit(a, 0);
    g.admit(a, 0);
    let error: unknown;
    try {
      g.admit(a, 100);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'rate_limited', httpStatus: 429 });
    expect((error as { retryAfterMs: number }).retryAfterMs).toBeCloseTo(900);
    for (let i = 0; i < 50; i++) g.admit(b, 100); // b has its own, larger bucket
    expect(() => g.admit(a, 1100)).not.toThrow();
  });
});
