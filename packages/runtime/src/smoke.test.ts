import { describe, expect, it } from 'vitest';
import { PACKAGE } from '@adagen/protocol';

describe('workspace wiring', () => {
  it('resolves a sibling package from source', () => {
    expect(PACKAGE).toBe('@adagen/protocol');
  });
});
