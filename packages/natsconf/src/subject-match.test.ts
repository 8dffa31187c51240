import { describe, expect, it } from 'vitest';
import { fitsPattern } from './subject-match.js';

describe('fitsPattern', () => {
  it.each([
    ['adagen.v1.agent.gpu-1.state', 'adagen.v1.agent.*.state', true],
    ['adagen.v1.agent.gpu-1.state', 'adagen.v1.agent.gpu-1.state', true],
    ['adagen.v1.agent.gpu-1.state', 'adagen.v1.agent.gpu-2.state', false],
    ['adagen.v1.agent.gpu-1.state', 'adagen.v1.>', true],
    ['adagen.v1', 'adagen.v1.>', false],
    ['adagen.v1.agent.gpu-1.state.x', 'adagen.v1.agent.*.state', false],
    ['adagen.v1.agent.*.state', 'adagen.v1.agent.*.state', true],
    ['adagen.v1.agent.*.state', 'adagen.v1.agent.gpu-1.state', false],
    ['adagen.v1.agent.>', 'adagen.v1.agent.*.state', false],
    ['adagen.v1.agent.>', '>', true],
    ['adagen.v1.stream.gw.*', 'adagen.v1.stream.*.*', true],
  ])('%s fits %s: %s', (subject, pattern, expected) => {
    expect(fitsPattern(subject, pattern)).toBe(expected);
  });
});
