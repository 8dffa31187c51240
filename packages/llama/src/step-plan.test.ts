import { describe, expect, it } from 'vitest';
import { planStep } from './step-plan.js';

const dec = { decoding: true, prefillLeft: 0 };
const pre = (n: number) => ({ decoding: false, prefillLeft: n });

describe('planStep', () => {
  it('gives every decoding request its token, then chunks prompts oldest first', () => {
    expect(planStep([dec, pre(100), dec, pre(50)], 64)).toEqual([0, 62, 0, 0]);
    expect(planStep([pre(10), pre(50), dec], 64)).toEqual([10, 50, 0]);
    expect(planStep([pre(10), pre(50), dec], 40)).toEqual([10, 29, 0]);
  });

  it('starves prefill, never decodes, when the decodes fill the batch', () => {
    expect(planStep([dec, dec, pre(5)], 2)).toEqual([0, 0, 0]);
  });
});
