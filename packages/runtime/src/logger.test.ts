import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { childLogger, createLogger } from './logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('childLogger', () => {
  it('writes lines with the bindings at enabled levels and drops the others', async () => {
    const { lines, destination } = capture();
    const root = createLogger({ level: 'info', service: 'svc', destination });
    let made = 0;
    const child = root.child.bind(root);
    root.child = ((...a: Parameters<typeof root.child>) => {
      made += 1;
      return child(...a);
    }) as typeof root.child;
    const log = childLogger(root, { requestId: 'r1' });
    log.debug({ a: 1 }, 'below the level');
    expect(made).toBe(0); // nothing written: no child made
    log.info({ b: 2 }, 'kept');
    log.warn('also kept');
    expect(made).toBe(1); // made once, on the first line
    expect(log.level).toBe('info');
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.msg, l.requestId, l.service, l.b])).toEqual([
      ['kept', 'r1', 'svc', 2],
      ['also kept', 'r1', 'svc', undefined],
    ]);
  });
});
