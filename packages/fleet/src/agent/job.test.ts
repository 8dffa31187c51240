import { subjects } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { gatewayOf } from './job.js';

describe('gatewayOf', () => {
  it('reads the gateway id off a stream address', () => {
    expect(gatewayOf(subjects.stream('gw-1', 'r-1'))).toBe('gw-1');
    expect(gatewayOf(subjects.stream('g'.repeat(64), 'r'.repeat(64)))).toBe('g'.repeat(64));
  });

  it('gives none for what is not a stream address', () => {
    for (const s of ['adagen.v1.svc.classify', 'adagen.v1.stream.', 'adagen.v1.stream..r-1', 'x'])
      expect(gatewayOf(s)).toBeUndefined();
  });
});
