import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { createCodec } from './codec.js';
import { MESSAGE_SCHEMAS } from './messages.js';
import type { MessageName } from './messages.js';
import { CASES, breakAt } from './testing/rejection-cases.js';
import type { Path } from './testing/rejection-cases.js';

function pathString(path: Path): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? key : `${out}.${key}`),
    '',
  );
}

describe('decode rejects malformed messages and names the field', () => {
  it.each(CASES)('$name: $what', ({ name, path, value, expectPath, expectMessage, alsoDelete }) => {
    const codec = createCodec<unknown>(MESSAGE_SCHEMAS[name], { maxBytes: 4_000_000 });
    const result = codec.decode(pack(breakAt(name, path, value, alsoDelete)));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const where = expectPath ?? pathString(path);
    expect(result.error.code).toBe('invalid_message');
    const issue = result.error.issues.find((i) => i.path === where);
    expect(issue, `issues: ${result.error.message}`).toBeDefined();
    expect(issue?.message).toMatch(expectMessage);
    expect(result.error.message).toContain(`${where}: `);
  });

  it('every catalogued schema has at least one rejection case', () => {
    const covered = new Set(CASES.map((c) => c.name));
    const missing = (Object.keys(MESSAGE_SCHEMAS) as MessageName[]).filter((n) => !covered.has(n));
    expect(missing).toEqual([]);
  });
});
